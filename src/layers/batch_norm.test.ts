// BatchNorm: gradient checks in train mode (after a convolution and after an affine layer) and in
// eval mode, a hand-computed backward, the running statistics' update rule, and eval using them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { checkLayerGradients } from '../../test/gradcheck.js';
import { Tensor } from '../tensor/tensor.js';
import { FLOAT32_MIN_NORMAL } from '../util/float32.js';
import { Random } from '../util/random.js';
import { BatchNorm } from './batch_norm.js';

function randomBatchNorm(features: number): BatchNorm {
  const bn = new BatchNorm({ features });
  const rng = new Random(9);
  for (let c = 0; c < features; c++) {
    bn.gamma.value.data[c] = 0.5 + rng.uniform();
    bn.beta.value.data[c] = rng.uniform() - 0.5;
    bn.runningMean.data[c] = rng.uniform() - 0.5;
    bn.runningVar.data[c] = 0.5 + rng.uniform();
  }
  return bn;
}

describe('BatchNorm', () => {
  it('gradients match central differences in train mode after a convolution [n, c, h, w]', () => {
    checkLayerGradients(randomBatchNorm(3), [2, 3, 3, 5], { seed: 4 });
  });

  it('gradients match central differences in train mode after an affine layer [n, f]', () => {
    checkLayerGradients(randomBatchNorm(4), [5, 4], { seed: 5 });
  });

  it('gradients in eval mode are dy scaled by γ/√(running var + ε)', () => {
    const bn = randomBatchNorm(2);
    const x = Tensor.randn([3, 2, 2, 2], new Random(1));
    bn.forward(x, 'eval');
    const dy = Tensor.randn(x.shape, new Random(2));
    const dx = bn.backward(dy);
    for (let i = 0; i < x.size; i++) {
      const c = Math.floor(i / 4) % 2;
      const scale = bn.gamma.value.data[c] / Math.sqrt(bn.runningVar.data[c] + 1e-5);
      assert.ok(Math.abs(dx.data[i] - scale * dy.data[i]) < 1e-6);
    }
  });

  it('normalises with the batch statistics and moves the running ones by momentum (unbiased variance)', () => {
    const bn = new BatchNorm({ features: 1 });
    const y = bn.forward(Tensor.from([[1], [2], [3], [6]]), 'train');
    // mean 3, biased variance 3.5, unbiased 14/3
    assertClose(
      y.data,
      [-2, -1, 0, 3].map((v) => v / Math.sqrt(3.5 + 1e-5)),
      { rtol: 1e-6 },
    );
    assertClose(bn.runningMean.data, [0.3], { rtol: 1e-6 });
    assertClose(bn.runningVar.data, [0.9 + (0.1 * 14) / 3], { rtol: 1e-6 });
    assert.deepEqual(
      bn.buffers().map((b) => [b.name, b.value]),
      [
        ['runningMean', bn.runningMean],
        ['runningVar', bn.runningVar],
      ],
    );
    // eval uses the running statistics and leaves them alone
    const evaluated = bn.forward(Tensor.from([[1]]), 'eval');
    assertClose(evaluated.data, [(1 - 0.3) / Math.sqrt(0.9 + 1.4 / 3 + 1e-5)], { rtol: 1e-6 });
    assertClose(bn.runningMean.data, [0.3], { rtol: 1e-6 });
  });

  it('backward gives dβ = Σ dy, dγ = Σ dy·x̂ and dx = γ/(m·σ̂)·(m·dy − dβ − x̂·dγ) (hand-computed)', () => {
    const bn = new BatchNorm({ features: 1 });
    bn.gamma.value.data[0] = 2;
    bn.forward(Tensor.from([[1], [2], [3], [6]]), 'train');
    const dx = bn.backward(Tensor.from([[1], [0], [0], [0]]));
    // μ = 3, σ² = 3.5, σ̂ = √(3.5 + ε), x̂ = [-2, -1, 0, 3] / σ̂, m = 4; dβ = 1, dγ = x̂₀ = -2 / σ̂
    const std = Math.sqrt(3.5 + 1e-5);
    const xHat = [-2, -1, 0, 3].map((v) => v / std);
    const dGamma = -2 / std;
    assertClose(bn.beta.grad.data, [1], { rtol: 1e-6 });
    assertClose(bn.gamma.grad.data, [dGamma], { rtol: 1e-6 });
    const expected = [1, 0, 0, 0].map((dy, i) => (2 / (4 * std)) * (4 * dy - 1 - xHat[i] * dGamma));
    // [0.4963, -0.4200, -0.2673, 0.1909]: the four sum to 0, as dx of a mean-subtracting layer must
    assertClose(dx.data, expected, { rtol: 1e-5, atol: 1e-7 });
    assert.ok(Math.abs(expected.reduce((a, b) => a + b)) < 1e-12);
  });

  it('a channel that stays 0 (a dead ReLU) decays its running statistics to exactly 0, never subnormal', () => {
    // momentum 0.5: running = 0.5·running + 0.5·batch, from 1e-30; unflushed it would pass through
    // subnormals from step ~27 to ~49. Channel 1 gets values, so its statistics stay normal.
    const bn = new BatchNorm({ features: 2, momentum: 0.5 });
    bn.runningMean.data.set([1e-30, 0.5]);
    bn.runningVar.data.set([3e-31, 2]);
    const x = Tensor.from([
      [0, 1],
      [0, 3],
    ]);
    const expected = [Float32Array.from(bn.runningMean.data), Float32Array.from(bn.runningVar.data)];
    const isSubnormal = (v: number) => v !== 0 && Math.abs(v) < FLOAT32_MIN_NORMAL;
    let unflushedSubnormals = 0;
    for (let step = 1; step <= 120; step++) {
      bn.forward(x, 'train');
      // the update rule, unflushed: batch means 0 and 2; Σ(x − μ)² 0 and 2 over m = 2 values
      const [means, deviations] = [
        [0, 2],
        [0, 2],
      ];
      for (let c = 0; c < 2; c++) {
        const next = [
          Math.fround((1 - 0.5) * expected[0][c] + 0.5 * means[c]),
          Math.fround((1 - 0.5) * expected[1][c] + (0.5 * deviations[c]) / (2 - 1)),
        ];
        next.forEach((value, s) => {
          if (isSubnormal(value)) unflushedSubnormals++;
          expected[s][c] = isSubnormal(value) ? 0 : value;
        });
      }
      for (const value of [...bn.runningMean.data, ...bn.runningVar.data])
        assert.ok(!isSubnormal(value), `step ${step}: a subnormal running statistic`);
      assert.deepEqual([...bn.runningMean.data], [...expected[0]], `step ${step}: running mean bit for bit`);
      assert.deepEqual(
        [...bn.runningVar.data],
        [...expected[1]],
        `step ${step}: running variance bit for bit`,
      );
    }
    assert.ok(
      Object.is(bn.runningMean.data[0], 0) && Object.is(bn.runningVar.data[0], 0),
      'channel 0 ends at +0',
    );
    assert.ok(unflushedSubnormals > 0, 'unflushed, the same steps would have stored subnormals');
  });

  it('names the layer and the shapes on a mismatch, and needs two values per channel to train', () => {
    assert.throws(() => new BatchNorm({ features: 16 }).outputShape([8, 8, 4, 4]), {
      name: 'ShapeError',
      message: 'BatchNorm(16): expected input [n, 16] or [n, 16, h, w], received [8, 8, 4, 4]',
    });
    assert.throws(
      () => new BatchNorm({ features: 3 }).forward(new Tensor([1, 3]), 'train'),
      /at least 2 values per channel/,
    );
    assert.throws(() => new BatchNorm({ features: 3, momentum: 2 }), /momentum must be in \[0, 1\]/);
  });
});
