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
import { SoftmaxCrossEntropy } from '../losses/softmax_cross_entropy.js';
import { SumSquaredError } from '../losses/sum_squared_error.js';
import { oneHot } from '../tensor/one_hot.js';
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { FastStep } from './fast_step.js';
import { Sequential } from './sequential.js';
import { mlp, threeLayerNet } from './zoo.js';

describe('Sequential', () => {
  it('numbers parameters over the parameterised layers: W1, b1, W2, b2, W3, b3', () => {
    const net = threeLayerNet();
    assert.deepEqual([...net.params().keys()], ['W1', 'b1', 'W2', 'b2', 'W3', 'b3']);
    assert.deepEqual(
      [...net.params().values()].map((p) => p.shape),
      [
        [784, 500],
        [1, 500],
        [500, 100],
        [1, 100],
        [100, 3],
        [1, 3],
      ],
    );
    assert.equal(net.params().get('W1'), (net.layers[0] as Affine).W.value);
  });

  it('gradient() agrees with numericalGradient() for every parameter (batch 3, SSE)', () => {
    const rng = new Random(2);
    const net = mlp({ sizes: [7, 5, 4, 3], init: 'he', seed: 1 });
    const x = Tensor.rand([3, 7], rng);
    const t = Tensor.rand([3, 3], rng);
    const numeric = net.numericalGradient(x, t, 1e-2);
    for (const [key, grad] of net.gradient(x, t)) {
      assertClose(grad.data, numeric.get(key)?.data ?? [], { rtol: 2e-2, atol: 2e-4, what: key });
    }
  });

  it('gradient() agrees with numericalGradient() with softmax cross-entropy (batch 2)', () => {
    const rng = new Random(3);
    const net = mlp({ sizes: [6, 5, 4], init: 'xavier', seed: 2, loss: 'cross_entropy' });
    const x = Tensor.rand([2, 6], rng);
    const t = oneHot([1, 3], 4);
    const numeric = net.numericalGradient(x, t, 1e-2);
    for (const [key, grad] of net.gradient(x, t)) {
      assertClose(grad.data, numeric.get(key)?.data ?? [], { rtol: 2e-2, atol: 2e-4, what: key });
    }
  });

  it('predict returns a tensor the caller owns (a second predict does not change it)', () => {
    const net = threeLayerNet({ seed: 5 });
    const rng = new Random(1);
    const first = net.predict(Tensor.rand([1, 784], rng));
    const copy = [...first.data];
    net.predict(Tensor.rand([1, 784], rng));
    assert.deepEqual([...first.data], copy);
  });

  it('checks layers fit together when built, naming the layer index and shapes', () => {
    assert.throws(
      () =>
        new Sequential(
          [
            new Affine({ inFeatures: 784, outFeatures: 500 }),
            new LeakyRelu(),
            new Affine({ inFeatures: 400, outFeatures: 3 }),
          ],
          new SoftmaxCrossEntropy(),
          { inputShape: [784] },
        ),
      {
        name: 'ShapeError',
        message: 'layer 3 of 3: Affine(400→3): expected input [n, 400], received [1, 500]',
      },
    );
  });

  it('rejects an input of the wrong width and a target of the wrong shape', () => {
    const net = threeLayerNet();
    assert.throws(() => net.predict(new Tensor([1, 783])), {
      name: 'ShapeError',
      message: 'Sequential: expected input [n, 784], received [1, 783]',
    });
    assert.throws(
      () => net.gradient(new Tensor([3, 784]), Tensor.from([1, 2, 3])),
      /t has shape \[3\] but y has shape \[3, 3\]/,
    );
  });

  it('summary lists each layer with its output shape', () => {
    const summary = threeLayerNet().summary();
    assert.match(summary, /Affine\(784→500\) +→ \[1, 500\] +392500 params/);
    assert.match(summary, /loss: SumSquaredError/);
  });
});

describe('Sequential fuses a convolution with the LeakyRelu / Relu after it', () => {
  // conv → LeakyReLU(0.1) → pool → conv → ReLU → conv (stride 2) → LeakyReLU → flatten → affine
  const layers = (rng: Random): Layer[] => [
    new Conv2d({ inChannels: 2, filters: 5, kernelSize: 3, pad: 1, init: { kind: 'std', std: 0.5 }, rng }),
    new LeakyRelu(0.1),
    new MaxPool2d({ kernelSize: 2 }),
    new Conv2d({ inChannels: 5, filters: 6, kernelSize: 3, pad: 1, init: { kind: 'std', std: 0.5 }, rng }),
    new Relu(),
    new Conv2d({
      inChannels: 6,
      filters: 4,
      kernelSize: 3,
      stride: 2,
      pad: 1,
      init: { kind: 'std', std: 0.5 },
      rng,
    }),
    new LeakyRelu(0.1),
    new Flatten(),
    new Affine({ inFeatures: 4 * 3 * 3, outFeatures: 3, init: { kind: 'std', std: 0.5 }, rng }),
  ];

  it('gives the same outputs and gradients as the layers run one by one', () => {
    const rng = new Random(21);
    const x = Tensor.randn([3, 2, 11, 11], rng);
    const t = Tensor.randn([3, 3], rng);
    const net = new Sequential(layers(new Random(5)), new SumSquaredError());
    const unfused = layers(new Random(5)); // the same weights, never put in a Sequential
    const loss = new SumSquaredError();
    // x → every layer in order (no fusion), then backward in reverse order
    let y = x;
    for (const layer of unfused) y = layer.forward(y, 'train');
    const expectedLoss = loss.forward(y, t);
    let d = loss.backward();
    for (let i = unfused.length - 1; i >= 0; i--) d = unfused[i].backward(d);
    assertClose(net.forward(x, 'eval').data, y.data, { rtol: 1e-6, atol: 1e-7, what: 'outputs' });
    // fused: every convolution applies the activation after it, the one of stride 2 too
    assert.deepEqual(new FastStep(net.layers, net.params(), net.grads()).activatingLayers, [0, 3, 5]);
    const grads = net.gradient(x, t);
    assert.ok(
      Math.abs(net.lossFunction.forward(net.forward(x, 'train'), t) - expectedLoss) <= 1e-5 * expectedLoss,
    );
    const expected = unfused.flatMap((layer) => layer.params().map((param) => param.grad.data));
    const actual = [...grads.values()].map((grad) => grad.data);
    assert.equal(actual.length, expected.length);
    actual.forEach((grad, i) => {
      assertClose(grad, expected[i], { rtol: 1e-5, atol: 1e-6, what: `gradient ${i}` });
    });
  });
});

describe('Sequential leaves LeakyRelu unfused where max(v, alpha·v) is not LeakyReLU', () => {
  for (const alpha of [-0.5, 1.5]) {
    it(`alpha ${alpha}: the activation computes its own output, as the layers run one by one`, () => {
      const conv = () =>
        new Conv2d({
          inChannels: 1,
          filters: 2,
          kernelSize: 3,
          pad: 1,
          init: { kind: 'std', std: 1 },
          rng: new Random(3),
        });
      const net = new Sequential([conv(), new LeakyRelu(alpha)], new SumSquaredError());
      const x = Tensor.randn([2, 1, 5, 5], new Random(4));
      assert.deepEqual(new FastStep(net.layers, net.params(), net.grads()).activatingLayers, []);
      const expected = new LeakyRelu(alpha).forward(conv().forward(x, 'eval'), 'eval');
      assertClose(net.forward(x, 'eval').data, expected.data, { rtol: 1e-6, what: 'outputs' });
    });
  }
});

describe('threeLayerNet', () => {
  it('is the seed: W = 0.01·randn, b = 0, LeakyReLU(0.1), seeded', () => {
    const net = threeLayerNet({ seed: 7 });
    const W1 = net.params().get('W1')?.data ?? new Float32Array();
    let sumSquares = 0;
    for (const w of W1) sumSquares += w * w;
    assertClose([Math.sqrt(sumSquares / W1.length)], [0.01], { rtol: 0.01 });
    assert.ok(
      net
        .params()
        .get('b1')
        ?.data.every((b) => b === 0),
    );
    assert.equal((net.layers[1] as LeakyRelu).alpha, 0.1);
    assert.deepEqual(
      [...(threeLayerNet({ seed: 7 }).params().get('W3')?.data ?? [])],
      [...(net.params().get('W3')?.data ?? [])],
    );
  });

  it('takes sizes, alpha, init and seed as options', () => {
    const net = threeLayerNet({ sizes: [10, 8, 6, 4], alpha: 0.2, init: 'he', seed: 1 });
    assert.deepEqual(net.predict(new Tensor([2, 10])).shape, [2, 4]);
    assert.equal((net.layers[3] as LeakyRelu).alpha, 0.2);
    assert.throws(() => threeLayerNet({ sizes: [10, 4] }), /must list 4 widths/);
  });
});
