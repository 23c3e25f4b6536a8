import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { Tensor } from '../tensor/tensor.js';
import { FLOAT32_MIN_NORMAL } from '../util/float32.js';
import { AdaGrad } from './adagrad.js';
import { Adam } from './adam.js';
import { createOptimizer, OPTIMIZER_NAMES } from './create.js';
import { Momentum } from './momentum.js';
import { Nesterov } from './nesterov.js';
import type { Optimizer } from './optimizer.js';
import { RmsProp } from './rmsprop.js';
import { Sgd } from './sgd.js';

const grads = new Map([['W1', Tensor.from([[0.5, -2]])]]);

/** Runs `steps` updates from W1 = [1, −2] with the fixed gradient [0.5, −2]; returns W1. */
function run(optimizer: Optimizer, steps: number): number[] {
  const params = new Map([['W1', Tensor.from([[1, -2]])]]);
  const W1 = params.get('W1');
  for (let i = 0; i < steps; i++) optimizer.update(params, grads);
  assert.equal(params.get('W1'), W1, 'updated in place');
  return [...(W1?.data ?? [])];
}

describe('optimizers against hand-computed steps (W = [1, −2], g = [0.5, −2])', () => {
  it('Sgd: θ − lr·g', () => {
    assertClose(run(new Sgd({ lr: 0.1 }), 1), [0.95, -1.8]);
  });

  it('Momentum: v = 0.9v − 0.01g; θ += v (two steps)', () => {
    // v1 = [−0.005, 0.02], θ1 = [0.995, −1.98]; v2 = 0.9·v1 − 0.01g = [−0.0095, 0.038], θ2 = [0.9855, −1.942]
    const opt = new Momentum({ lr: 0.01, momentum: 0.9 });
    assertClose(run(opt, 2), [0.9855, -1.942]);
    assertClose(opt.state.get('velocity.W1')?.data ?? [], [-0.0095, 0.038]);
  });

  it('Nesterov: v = μv − lr·g; θ += μ²v − (1+μ)·lr·g (two steps)', () => {
    // step 1: v = [−0.005, 0.02]; θ += 0.81v − 0.019g = [−0.01355, 0.0542] → [0.98645, −1.9458]
    // step 2: v = [−0.0095, 0.038]; θ += [−0.017195, 0.06878] → [0.969255, −1.87702]
    assertClose(run(new Nesterov({ lr: 0.01, momentum: 0.9 }), 2), [0.969255, -1.87702], { rtol: 1e-5 });
  });

  it('AdaGrad: h += g²; θ −= lr·g/(√h + 1e-7) (two steps)', () => {
    // step 1: h = [0.25, 4], Δ = −0.1·[1, −1]; step 2: h = [0.5, 8], Δ = −0.1·g/√h = [−0.0707107, 0.0707107]
    assertClose(run(new AdaGrad({ lr: 0.1 }), 2), [1 - 0.1 - 0.1 / Math.SQRT2, -2 + 0.1 + 0.1 / Math.SQRT2], {
      rtol: 1e-5,
    });
  });

  it('RmsProp: h = 0.99h + 0.01g²; θ −= lr·g/(√h + 1e-7) (one step)', () => {
    // h = 0.01·[0.25, 4] = [0.0025, 0.04]; Δ = −0.01·g/√h = [−0.1, 0.1]
    assertClose(run(new RmsProp({ lr: 0.01, decay: 0.99 }), 1), [0.9, -1.9], { rtol: 1e-5 });
  });

  it('Adam: bias-corrected steps of size ≈ lr in the direction −sign(g) while g is constant', () => {
    // With a constant g, m̂ = g and v̂ = g² exactly, so each step is lr·g/|g| (up to ε): two steps = 2·lr.
    const opt = new Adam({ lr: 0.001 });
    assertClose(run(opt, 2), [1 - 0.002, -2 + 0.002], { rtol: 1e-5 });
    assert.equal(opt.state.get('step.count')?.data[0], 2);
  });

  it('createOptimizer knows every name and rejects others', () => {
    for (const name of OPTIMIZER_NAMES) assert.ok(createOptimizer(name, { lr: 0.01 }).lr === 0.01);
    assert.throws(
      () => createOptimizer('lion', { lr: 0.01 }),
      /unknown optimizer 'lion': use one of sgd, momentum/,
    );
  });

  it('rejects a missing or misshapen gradient and bad hyper-parameters', () => {
    const opt = new Momentum();
    const params = new Map([['W1', Tensor.from([[1, -2]])]]);
    assert.throws(() => opt.update(params, new Map()), /no gradient for parameter 'W1'/);
    assert.throws(
      () => opt.update(params, new Map([['W1', new Tensor([2, 1])]])),
      /gradient 'W1': expected shape \[1, 2\], received \[2, 1\]/,
    );
    assert.throws(() => new Momentum({ lr: -1 }), /lr must be a number in \[0, Infinity\], got -1/);
    assert.throws(() => new Momentum({ momentum: 1.5 }), /momentum must be a number in \[0, 1\]/);
    assert.throws(() => new Sgd({ lr: Number.NaN }), /lr must be a number/);
    assert.throws(() => new Adam({ beta2: 2 }), /beta2/);
  });
});

// The optimizers written in TypeScript keep their state flushed as the backend kernels do (those are
// tested in src/backend/flush.test.ts): with no gradient (or one so small that g² underflows) the state
// reaches exactly +0 and is never subnormal, and while it is normal each step is bit for bit the
// unflushed formula, computed in float64 and stored as float32.
describe('the TypeScript optimizers never store a subnormal state', () => {
  const isSubnormal = (x: number) => x !== 0 && Math.abs(x) < FLOAT32_MIN_NORMAL;
  const cases: {
    name: string;
    optimizer: Optimizer;
    slot: string;
    start: number[];
    g: number;
    /** The new state from the state s and the gradient, unflushed (float64; stored as float32). */
    state: (s: number, g: number) => number;
    /** The new weight from w, the new (flushed) state s and the gradient, as the optimizer writes it. */
    weight: (w: number, s: number, g: number) => number;
  }[] = [
    {
      name: 'Nesterov: the velocity with zero gradient',
      optimizer: new Nesterov({ lr: 0.01, momentum: 0.9 }),
      slot: 'velocity.W1',
      start: [1e-35, -1e-36, 3e-38],
      g: 0,
      state: (v, g) => 0.9 * v - 0.01 * g,
      weight: (w, v, g) => w + (0.9 * 0.9 * v - (1 + 0.9) * 0.01 * g),
    },
    {
      name: 'RmsProp: the mean squares with zero gradient',
      optimizer: new RmsProp({ lr: 0.01, decay: 0.5 }),
      slot: 'meanSquares.W1',
      start: [1e-30, 1e-33, 3e-38],
      g: 0,
      state: (h, g) => 0.5 * h + (1 - 0.5) * g * g,
      weight: (w, h, g) => w - (0.01 * g) / (Math.sqrt(h) + 1e-7),
    },
    {
      name: 'AdaGrad: the sum of squares with g = 1e-20 (g² = 1e-40, below 2⁻¹²⁶)',
      optimizer: new AdaGrad({ lr: 0.01 }),
      slot: 'sumSquares.W1',
      start: [0, 0, 0],
      g: 1e-20,
      state: (h, g) => h + g * g,
      weight: (w, h, g) => w - (0.01 * g) / (Math.sqrt(h) + 1e-7),
    },
  ];
  for (const { name, optimizer, slot, start, g, state, weight } of cases) {
    it(name, () => {
      const params = new Map([['W1', Tensor.from([[1, -2, 0.5]])]]);
      const W1 = params.get('W1')?.data ?? new Float32Array();
      optimizer.update(params, new Map([['W1', new Tensor([1, 3])]])); // creates the state (zero gradient)
      const live = optimizer.state.get(slot)?.data ?? new Float32Array();
      live.set(start);
      const [s, w] = [Float32Array.from(live), Float32Array.from(W1)];
      const gradient = new Map([['W1', Tensor.from([[g, g, g]])]]);
      let unflushedSubnormals = 0;
      for (let step = 1; step <= 200; step++) {
        optimizer.update(params, gradient);
        for (let j = 0; j < 3; j++) {
          const unflushed = Math.fround(state(s[j], g));
          if (isSubnormal(unflushed)) unflushedSubnormals++;
          s[j] = isSubnormal(unflushed) ? 0 : unflushed;
          w[j] = weight(w[j], s[j], g);
        }
        assert.ok(!live.some(isSubnormal), `${name}: step ${step} stored a subnormal (${[...live]})`);
        assert.deepEqual([...live], [...s], `${name}: step ${step}, the state bit for bit`);
        assert.deepEqual([...W1], [...w], `${name}: step ${step}, the weights bit for bit`);
      }
      assert.ok(
        live.every((value) => Object.is(value, 0)),
        `${name}: the state ends at +0 (${[...live]})`,
      );
      assert.ok(unflushedSubnormals > 0, 'unflushed, the same steps would have stored subnormals');
    });
  }
});
