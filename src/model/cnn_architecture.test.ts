// Convolutional architectures as data: the presets' shapes, a small CNN's gradients against
// numerical ones, dropout's shared generator, batch norm buffers, and bad model files rejected at
// build time with the layer index and the shapes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { type Architecture, buildModel, deepCnnArchitecture, simpleCnnArchitecture } from './architecture.js';

describe('convolutional architectures', () => {
  it('simpleCnnArchitecture is the book’s SimpleConvNet: conv 30×5×5 → pool → 100 → classes', () => {
    const net = buildModel(simpleCnnArchitecture(10), { init: 'he' });
    assert.deepEqual(net.outputShape([4, 1, 28, 28]), [4, 10]);
    assert.deepEqual([...net.params().keys()], ['W1', 'b1', 'W2', 'b2', 'W3', 'b3']);
    assert.deepEqual(net.params().get('W1')?.shape, [30, 1, 5, 5]);
    assert.deepEqual(net.params().get('W2')?.shape, [30 * 12 * 12, 100]);
  });

  it('deepCnnArchitecture follows the book’s DeepConvNet (conv4 pad 2: 14 → 16 → 8 → 4)', () => {
    const net = buildModel(deepCnnArchitecture(10), { init: 'he' });
    assert.deepEqual(net.params().get('W7')?.shape, [64 * 4 * 4, 50]);
    assert.deepEqual(net.outputShape([2, 1, 28, 28]), [2, 10]);
    assert.ok(net.random instanceof Random);
    const withNorm = buildModel(deepCnnArchitecture(10, { batchNorm: true }), { init: 'he' });
    assert.deepEqual(withNorm.params().get('gamma2')?.shape, [16]);
    assert.deepEqual([...withNorm.buffers().keys()].slice(0, 2), ['runningMean2', 'runningVar2']);
    assert.equal(withNorm.buffers().size, 14);
    assert.throws(() => simpleCnnArchitecture(1), /classes >= 2, got 1/);
  });

  it('a small CNN’s gradient matches numerical gradients (conv, batch norm, pooling, softmax)', () => {
    const architecture: Architecture = {
      inputShape: [2, 7, 6],
      layers: [
        { type: 'conv2d', filters: 3, kernelSize: 3, stride: 2, pad: 1 },
        { type: 'batch_norm' },
        { type: 'sigmoid' }, // smooth: a ReLU kink inside a ±h probe would spoil the numerical gradient
        { type: 'avg_pool2d', kernelSize: 2, stride: 1 },
        { type: 'conv2d', filters: 4, kernelSize: 1 },
        { type: 'global_avg_pool' },
        { type: 'affine', outFeatures: 3 },
        { type: 'softmax' },
      ],
      loss: 'sse',
    };
    const net = buildModel(architecture, { init: { kind: 'std', std: 0.5 }, seed: 2 });
    const rng = new Random(3);
    const x = Tensor.randn([3, 2, 7, 6], rng);
    const t = Tensor.rand([3, 3], rng);
    const analytic = new Map([...net.gradient(x, t)].map(([key, g]) => [key, g.clone()]));
    const numeric = net.numericalGradient(x, t, 1e-2);
    for (const [key, grad] of analytic) {
      assertClose(grad.data, numeric.get(key)?.data ?? [], { rtol: 3e-2, atol: 3e-4, what: key });
    }
  });

  it('dropout layers draw from the Sequential’s generator, seeded from the build seed', () => {
    const architecture: Architecture = {
      inputShape: [100],
      layers: [{ type: 'dropout', rate: 0.5 }],
      loss: 'sse',
    };
    const ones = new Tensor([1, 100]);
    ones.data.fill(1);
    const a = buildModel(architecture, { seed: 4 });
    const b = buildModel(architecture, { seed: 4 });
    assert.deepEqual(a.forward(ones, 'train').data, b.forward(ones, 'train').data);
    // restoring the generator's state (as a checkpoint does) repeats the next mask
    const state = b.random?.getState() ?? [];
    const next = b.forward(ones, 'train').clone();
    b.random?.setState(state);
    assert.deepEqual(b.forward(ones, 'train').data, next.data);
  });

  const bad: [string, Architecture, RegExp][] = [
    [
      'an unknown layer type',
      { inputShape: [1, 8, 8], layers: [{ type: 'conv3d' } as never], loss: 'sse' },
      /^layer 1 \(conv3d\): unknown layer type 'conv3d'; use one of affine, .*, softmax$/,
    ],
    [
      'a kernel larger than its input',
      {
        inputShape: [1, 8, 8],
        layers: [
          { type: 'conv2d', filters: 4, kernelSize: 3 },
          { type: 'max_pool2d', kernelSize: 2 },
          { type: 'conv2d', filters: 4, kernelSize: 5 },
        ],
        loss: 'sse',
      },
      /^layer 3 \(conv2d\): Conv2d\(4→4, 5×5, stride 1, pad 0\): a 5×5 window does not fit input \[1, 4, 3, 3\] with pad 0/,
    ],
    [
      'an affine layer on images (inconsistent shapes)',
      { inputShape: [1, 8, 8], layers: [{ type: 'affine', outFeatures: 10 }], loss: 'sse' },
      /^layer 1 \(affine\): expects a flat input \[n, features\], received \[1, 1, 8, 8\] \(add a flatten layer\)$/,
    ],
    [
      'a convolution after flatten',
      {
        inputShape: [1, 8, 8],
        layers: [{ type: 'flatten' }, { type: 'conv2d', filters: 2, kernelSize: 3 }],
        loss: 'sse',
      },
      /^layer 2 \(conv2d\): expects images \[n, c, h, w\], received \[1, 64\]$/,
    ],
    [
      'a pool window bigger than the image',
      { inputShape: [3, 2, 2], layers: [{ type: 'max_pool2d', kernelSize: 3 }], loss: 'sse' },
      /^layer 1 \(max_pool2d\): MaxPool2d\(3\): a 3×3 window does not fit input \[1, 3, 2, 2\]/,
    ],
    [
      'a missing kernel size',
      { inputShape: [1, 8, 8], layers: [{ type: 'conv2d', filters: 2 } as never], loss: 'sse' },
      /^layer 1 \(conv2d\): kernelSize must be a whole number from 1 to 2\^26, got undefined$/,
    ],
    [
      'a dropout rate of 1',
      { inputShape: [4], layers: [{ type: 'dropout', rate: 1 }], loss: 'sse' },
      /^layer 1 \(dropout\): rate must be a number at least 0 and below 1, got 1$/,
    ],
  ];
  for (const [what, architecture, message] of bad) {
    it(`rejects ${what} when the model is built, naming the layer index and shapes`, () => {
      assert.throws(() => buildModel(architecture), { message });
    });
  }
});
