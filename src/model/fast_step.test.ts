// The fast paths of fast_step.ts: new Sequential changes none of the caller's layers, a Sequential
// built by hand runs the same fused plan as buildModel's and trains bit for bit as it, and the fused
// paths give the numbers of the plain ones.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { Affine } from '../layers/affine.js';
import { Conv2d } from '../layers/conv2d.js';
import { Flatten } from '../layers/flatten.js';
import type { Layer } from '../layers/layer.js';
import { LeakyRelu } from '../layers/leaky_relu.js';
import { MaxPool2d } from '../layers/max_pool2d.js';
import { Relu } from '../layers/relu.js';
import { SumSquaredError } from '../losses/sum_squared_error.js';
import { Adam } from '../optimizers/adam.js';
import { Momentum } from '../optimizers/momentum.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { type Architecture, buildModel } from './architecture.js';
import { FastStep } from './fast_step.js';
import { Sequential } from './sequential.js';

// conv → LeakyReLU(0.1) → pool → conv → ReLU → flatten → affine: two pairs to fuse
const cnn = (alpha: number): Architecture => ({
  inputShape: [2, 8, 8],
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, pad: 1 },
    { type: 'leaky_relu', alpha },
    { type: 'max_pool2d', kernelSize: 2 },
    { type: 'conv2d', filters: 5, kernelSize: 3, pad: 1 },
    { type: 'relu' },
    { type: 'flatten' },
    { type: 'affine', outFeatures: 3 },
  ],
  loss: 'sse',
});

// The same network as buildModel(cnn(alpha)), layer by layer, holding copies of its weights.
function cnnByHand(built: Sequential, alpha: number): Sequential {
  const param = (key: string): Tensor => {
    const value = built.params().get(key);
    assert.ok(value !== undefined, key);
    return value.clone();
  };
  const layers: Layer[] = [
    new Conv2d({ inChannels: 2, filters: 4, kernelSize: 3, pad: 1, W: param('W1'), b: param('b1') }),
    new LeakyRelu(alpha),
    new MaxPool2d({ kernelSize: 2 }),
    new Conv2d({ inChannels: 4, filters: 5, kernelSize: 3, pad: 1, W: param('W2'), b: param('b2') }),
    new Relu(),
    new Flatten(),
    new Affine({ inFeatures: 5 * 4 * 4, outFeatures: 3, W: param('W3'), b: param('b3') }),
  ];
  return new Sequential(layers, new SumSquaredError(), { inputShape: [2, 8, 8] });
}

// The seed network 9-7-5-3 (LeakyReLU 0.1), from buildModel and by hand.
const mlp: Architecture = {
  inputShape: [9],
  layers: [
    { type: 'affine', outFeatures: 7 },
    { type: 'leaky_relu', alpha: 0.1 },
    { type: 'affine', outFeatures: 5 },
    { type: 'leaky_relu', alpha: 0.1 },
    { type: 'affine', outFeatures: 3 },
  ],
  loss: 'sse',
};

function mlpByHand(built: Sequential): Sequential {
  const param = (key: string): Tensor => built.params().get(key)?.clone() ?? new Tensor([0]);
  const layers: Layer[] = [
    new Affine({ inFeatures: 9, outFeatures: 7, W: param('W1'), b: param('b1') }),
    new LeakyRelu(0.1),
    new Affine({ inFeatures: 7, outFeatures: 5, W: param('W2'), b: param('b2') }),
    new LeakyRelu(0.1),
    new Affine({ inFeatures: 5, outFeatures: 3, W: param('W3'), b: param('b3') }),
  ];
  return new Sequential(layers, new SumSquaredError(), { inputShape: [9] });
}

const init = { kind: 'std', std: 0.5 } as const;

describe('new Sequential leaves the caller’s layers as they were', () => {
  it('a Conv2d followed by a Relu computes what its twin outside any Sequential does, before and after training', () => {
    const conv = () =>
      new Conv2d({
        inChannels: 1,
        filters: 3,
        kernelSize: 3,
        pad: 1,
        init: { kind: 'std', std: 1 },
        rng: new Random(8),
      });
    const [mine, twin] = [conv(), conv()];
    const relu = new Relu();
    const x = Tensor.randn([2, 1, 6, 6], new Random(9));
    const check = (when: string) => {
      const convolved = mine.forward(x, 'eval');
      assert.deepEqual(convolved.data, twin.forward(x, 'eval').data, `${when}: the convolution's output`);
      assert.ok(
        convolved.data.some((v) => v < 0),
        `${when}: the convolution applies no activation`,
      );
      const activated = relu.forward(convolved, 'eval');
      assert.notEqual(activated, convolved, `${when}: Relu writes its own output`);
      assert.deepEqual(activated.data, new Relu().forward(convolved, 'eval').data, `${when}: Relu's output`);
    };
    const net = new Sequential([mine, relu], new SumSquaredError());
    check('after new Sequential');
    // the fused plan runs: the Relu hands back the convolution's own (activated) output
    assert.equal(net.forward(x, 'eval'), mine.forward(x, 'eval'));
    net.trainStep(x, Tensor.rand([2, 3, 6, 6], new Random(10)), new Momentum({ lr: 0.01 }));
    twin.W.value.data.set(mine.W.value.data);
    twin.b.value.data.set(mine.b.value.data);
    check('after predict and a training step');
  });

  it('plans by what the layers declare: stride-1 convolutions with a LeakyReLU of alpha in [0, 1] or a ReLU', () => {
    const plan = (alpha: number) => {
      const net = buildModel(cnn(alpha), { init });
      return new FastStep(net.layers, net.params(), net.grads()).activatingLayers;
    };
    assert.deepEqual(plan(0.1), [0, 3]);
    assert.deepEqual(plan(0), [0, 3]);
    assert.deepEqual(plan(1), [0, 3]);
    assert.deepEqual(plan(-0.5), [3]); // max(v, −0.5·v) is not this LeakyReLU
    assert.deepEqual(plan(1.5), [3]);
    assert.deepEqual(new FastStep(buildModel(mlp).layers, new Map(), new Map()).activatingLayers, []);
  });

  it('a Conv2d asked for an activation it cannot apply says so; a stride-2 one fuses like stride 1', () => {
    const conv = new Conv2d({ inChannels: 1, filters: 1, kernelSize: 3, stride: 2 });
    assert.equal(conv.fusesActivation(0.1), true);
    assert.equal(conv.fusesActivation(1.5), false);
    assert.throws(() => conv.forwardActivated(new Tensor([1, 1, 5, 5]), 'eval', 1.5), {
      name: 'ValueError',
      message: /a slope in \[0, 1\] only\); run the activation as a layer of its own/,
    });
  });
});

describe('a Sequential built by hand trains bit for bit as buildModel’s', () => {
  const optimizers: [string, () => Optimizer][] = [
    ['Momentum', () => new Momentum({ lr: 0.005, momentum: 0.9 })],
    ['Adam', () => new Adam({ lr: 0.01 })],
  ];
  // trainStep (fused where it applies), trainStep with adjustGrads (no fused update), gradient + update
  const steps: [string, (net: Sequential, x: Tensor, t: Tensor, optimizer: Optimizer) => number][] = [
    ['trainStep', (net, x, t, optimizer) => net.trainStep(x, t, optimizer)],
    ['trainStep with adjustGrads', (net, x, t, optimizer) => net.trainStep(x, t, optimizer, () => {})],
    [
      'gradient + update',
      (net, x, t, optimizer) => {
        const loss = net.loss(x, t);
        optimizer.update(net.params(), net.gradient(x, t));
        return loss;
      },
    ],
  ];
  const cases: [string, () => [Sequential, Sequential], number[], number][] = [
    [
      'CNN (fused activations)',
      () => {
        const built = buildModel(cnn(0.1), { init, seed: 3 });
        return [built, cnnByHand(built, 0.1)];
      },
      [2, 2, 8, 8],
      3,
    ],
    [
      'MLP at batch 1 (fused update)',
      () => {
        const built = buildModel(mlp, { init, seed: 4 });
        return [built, mlpByHand(built)];
      },
      [1, 9],
      3,
    ],
  ];
  for (const [network, make, xShape, classes] of cases) {
    for (const [optimizerName, makeOptimizer] of optimizers) {
      for (const [stepName, step] of steps) {
        it(`${network}, ${optimizerName}, ${stepName}: 4 steps`, () => {
          const [built, byHand] = make();
          const [optimizerA, optimizerB] = [makeOptimizer(), makeOptimizer()];
          const rng = new Random(11);
          for (let i = 0; i < 4; i++) {
            const x = Tensor.randn(xShape, rng);
            const t = Tensor.rand([xShape[0], classes], rng);
            assert.equal(
              step(byHand, x, t, optimizerB),
              step(built, x, t, optimizerA),
              `loss of step ${i + 1}`,
            );
          }
          for (const [key, value] of built.params()) {
            assert.deepEqual(byHand.params().get(key)?.data, value.data, key);
          }
          const x = Tensor.randn(xShape, rng);
          assert.deepEqual(byHand.predict(x).data, built.predict(x).data, 'predict');
        });
      }
    }
  }
});

describe('the fused paths give the numbers of the plain ones', () => {
  // The layers one by one, no plan: forward, loss, every backward in reverse order, optimizer.update.
  function plainStep(net: Sequential, x: Tensor, t: Tensor, optimizer: Optimizer): number {
    let y = x;
    for (const layer of net.layers) y = layer.forward(y, 'train');
    const loss = net.lossFunction.forward(y, t);
    let d = net.lossFunction.backward();
    for (let i = net.layers.length - 1; i >= 0; i--) d = net.layers[i].backward(d);
    optimizer.update(net.params(), net.grads());
    return loss;
  }

  it('ReLU after every convolution: the same bits (max(v, 0·v) is ReLU’s own v > 0 ? v : 0·v)', () => {
    const fused = buildModel(cnn(0), { init, seed: 5 });
    const plain = buildModel(cnn(0), { init, seed: 5 });
    const [optimizerA, optimizerB] = [new Adam({ lr: 0.01 }), new Adam({ lr: 0.01 })];
    const rng = new Random(12);
    for (let i = 0; i < 4; i++) {
      const x = Tensor.randn([2, 2, 8, 8], rng);
      const t = Tensor.rand([2, 3], rng);
      assert.equal(
        fused.trainStep(x, t, optimizerA),
        plainStep(plain, x, t, optimizerB),
        `loss of step ${i + 1}`,
      );
    }
    for (const [key, value] of plain.params())
      assert.deepEqual(fused.params().get(key)?.data, value.data, key);
  });

  it('LeakyReLU(0.1) after the first: within rounding (the reference kernel rounds v·0.1 from float64)', () => {
    const fused = buildModel(cnn(0.1), { init, seed: 6 });
    const plain = buildModel(cnn(0.1), { init, seed: 6 });
    const [optimizerA, optimizerB] = [new Adam({ lr: 0.01 }), new Adam({ lr: 0.01 })];
    const rng = new Random(13);
    for (let i = 0; i < 4; i++) {
      const x = Tensor.randn([2, 2, 8, 8], rng);
      const t = Tensor.rand([2, 3], rng);
      const expected = plainStep(plain, x, t, optimizerB);
      assertClose([fused.trainStep(x, t, optimizerA)], [expected], {
        rtol: 1e-5,
        what: `loss of step ${i + 1}`,
      });
    }
    for (const [key, value] of plain.params()) {
      assertClose(fused.params().get(key)?.data ?? [], value.data, { rtol: 1e-4, atol: 1e-6, what: key });
    }
  });
});
