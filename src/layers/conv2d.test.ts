// Conv2d: numerical gradient checks (strides 1–3, padding, odd sizes, 1×1, batches of 1–3), forward
// against the convolution formula written as plain loops, the fused LeakyReLU at every stride, a
// batch against its images one at a time, buffer reuse, and shape errors naming the layer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { checkLayerGradients } from '../../test/gradcheck.js';
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { Conv2d } from './conv2d.js';

function randomConv(
  inChannels: number,
  filters: number,
  kernelSize: number,
  stride: number,
  pad: number,
): Conv2d {
  const rng = new Random(7);
  const conv = new Conv2d({
    inChannels,
    filters,
    kernelSize,
    stride,
    pad,
    init: { kind: 'std', std: 0.5 },
    rng,
  });
  for (let i = 0; i < filters; i++) conv.b.value.data[i] = rng.uniform() - 0.5;
  return conv;
}

/** The formula in the TSDoc, as six loops. */
function directConvolution(conv: Conv2d, x: Tensor): Float64Array {
  const [n, channels, height, width] = x.shape;
  const [filters, , k] = conv.W.value.shape;
  const [, , outH, outW] = conv.outputShape(x.shape);
  const { stride, pad } = conv;
  const y = new Float64Array(n * filters * outH * outW);
  for (let s = 0; s < n; s++)
    for (let f = 0; f < filters; f++)
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++) {
          let sum = conv.b.value.data[f];
          for (let c = 0; c < channels; c++)
            for (let ky = 0; ky < k; ky++)
              for (let kx = 0; kx < k; kx++) {
                const iy = oy * stride - pad + ky;
                const ix = ox * stride - pad + kx;
                if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
                sum += conv.W.value.at(f, c, ky, kx) * x.at(s, c, iy, ix);
              }
          y[((s * filters + f) * outH + oy) * outW + ox] = sum;
        }
  return y;
}

const CASES: [string, number, number, number, number, number, number[]][] = [
  // name, inChannels, filters, kernel, stride, pad, input shape
  ['3×3, stride 1, pad 1', 2, 3, 3, 1, 1, [2, 2, 5, 5]],
  ['3×3, stride 2, pad 1, odd sizes', 3, 2, 3, 2, 1, [2, 3, 7, 5]],
  ['5×5, stride 1, pad 2', 1, 2, 5, 1, 2, [3, 1, 6, 5]],
  ['2×2, stride 2, no pad (odd size drops the last row)', 2, 2, 2, 2, 0, [2, 2, 5, 5]],
  ['1×1', 3, 4, 1, 1, 0, [2, 3, 3, 4]],
  ['3×3, stride 2, pad 1, batch 1', 2, 3, 3, 2, 1, [1, 2, 6, 5]],
  ['1×1, stride 2', 2, 3, 1, 2, 0, [2, 2, 5, 5]],
  ["7×7, stride 2, pad 3 (YOLOv1's first layer)", 2, 3, 7, 2, 3, [2, 2, 9, 8]],
  ['1×1, stride 2, batch 3, odd sizes', 3, 5, 1, 2, 0, [3, 3, 7, 6]],
  ['1×1, stride 1, batch 3', 5, 2, 1, 1, 0, [3, 5, 3, 5]],
  ['3×3, stride 3, pad 2', 2, 2, 3, 3, 2, [2, 2, 7, 8]],
  ['2×2, stride 1, pad 2 (pad > k − 1: border outputs read only zeros)', 1, 2, 2, 1, 2, [2, 1, 3, 4]],
];

describe('Conv2d', () => {
  for (const [name, inChannels, filters, kernelSize, stride, pad, shape] of CASES) {
    it(`gradients match central differences: ${name}`, () => {
      checkLayerGradients(randomConv(inChannels, filters, kernelSize, stride, pad), shape, { seed: 3 });
    });

    it(`forward equals the convolution formula: ${name}`, () => {
      const conv = randomConv(inChannels, filters, kernelSize, stride, pad);
      const x = Tensor.randn(shape, new Random(4));
      const y = conv.forward(x, 'eval');
      assert.deepEqual(y.shape, conv.outputShape(shape));
      assertClose(y.data, directConvolution(conv, x), { rtol: 1e-5, atol: 1e-5, what: name });
    });
  }

  it('reuses its output and gradient buffers across calls and never modifies dy', () => {
    const conv = randomConv(2, 3, 3, 1, 1);
    const x = Tensor.randn([2, 2, 4, 4], new Random(1));
    const y1 = conv.forward(x, 'train');
    const dy = Tensor.randn(y1.shape, new Random(2));
    const dyCopy = dy.clone();
    const dx1 = conv.backward(dy);
    assert.equal(conv.forward(x, 'train'), y1);
    assert.equal(conv.backward(dy), dx1);
    assert.deepEqual(dy.data, dyCopy.data);
  });

  it('backwardParams gives the same param grads as backward, without dx', () => {
    const conv = randomConv(2, 3, 3, 2, 1);
    const x = Tensor.randn([2, 2, 5, 5], new Random(1));
    const dy = Tensor.randn(conv.forward(x, 'train').shape, new Random(2));
    conv.backward(dy);
    const [dW, db] = [conv.W.grad.clone(), conv.b.grad.clone()];
    conv.W.grad.data.fill(Number.NaN);
    conv.backwardParams(dy);
    assert.deepEqual(conv.W.grad.data, dW.data);
    assert.deepEqual(conv.b.grad.data, db.data);
  });

  for (const [stride, pad] of [
    [1, 1],
    [2, 1],
  ]) {
    it(`gives a batch each image's results, and dW, db summed over the images (stride ${stride})`, () => {
      const conv = randomConv(3, 2, 3, stride, pad);
      const x = Tensor.randn([3, 3, 30, 29], new Random(5));
      const y = conv.forward(x, 'train').clone();
      assertClose(y.data, directConvolution(conv, x), { rtol: 1e-4, atol: 1e-4, what: 'batch forward' });
      const dy = Tensor.randn(y.shape, new Random(6));
      const dx = conv.backward(dy).clone();
      const [dW, db] = [conv.W.grad.clone(), conv.b.grad.clone()];
      const imageSize = 3 * 30 * 29;
      const outSize = y.size / 3;
      const summedW = new Float64Array(dW.size);
      const summedB = new Float64Array(db.size);
      for (let image = 0; image < 3; image++) {
        const one = new Tensor([1, 3, 30, 29], x.data.slice(image * imageSize, (image + 1) * imageSize));
        conv.forward(one, 'train');
        const oneDy = new Tensor(
          [1, ...y.shape.slice(1)],
          dy.data.slice(image * outSize, (image + 1) * outSize),
        );
        const oneDx = conv.backward(oneDy);
        assertClose(dx.data.subarray(image * imageSize, (image + 1) * imageSize), oneDx.data, {
          rtol: 1e-5,
          atol: 1e-6,
          what: `dx of image ${image}`,
        });
        conv.W.grad.data.forEach((g, i) => {
          summedW[i] += g;
        });
        conv.b.grad.data.forEach((g, i) => {
          summedB[i] += g;
        });
      }
      assertClose(dW.data, summedW, { rtol: 1e-4, atol: 1e-4, what: 'dW' });
      assertClose(db.data, summedB, { rtol: 1e-4, atol: 1e-4, what: 'db' });
    });
  }

  for (const [kernelSize, stride, pad] of [
    [3, 1, 1],
    [3, 2, 1],
    [1, 2, 0],
    [7, 2, 3],
  ]) {
    it(`fuses a LeakyReLU / ReLU into its output at stride ${stride} (k ${kernelSize})`, () => {
      const conv = randomConv(2, 5, kernelSize, stride, pad);
      const x = Tensor.randn([3, 2, 9, 11], new Random(8));
      const plain = directConvolution(conv, x);
      for (const slope of [0.1, 0]) {
        assert.ok(conv.fusesActivation(slope));
        const y = conv.forwardActivated(x, 'train', slope);
        const activated = plain.map((v) => (v > 0 ? v : slope * v));
        assertClose(y.data, activated, { rtol: 1e-5, atol: 1e-5, what: `slope ${slope}` });
      }
      assert.equal(conv.fusesActivation(1.5), false);
      assert.throws(() => conv.forwardActivated(x, 'train', -0.1), /cannot apply max\(v, -0\.1·v\)/);
    });
  }

  it('names the layer and the shapes when the kernel does not fit or the channels differ', () => {
    const conv = new Conv2d({ inChannels: 1, filters: 4, kernelSize: 5 });
    assert.throws(() => conv.outputShape([2, 1, 3, 3]), {
      name: 'ShapeError',
      message:
        'Conv2d(1→4, 5×5, stride 1, pad 0): a 5×5 window does not fit input [2, 1, 3, 3] with pad 0 (padded 3×3)',
    });
    assert.throws(
      () => conv.outputShape([2, 3, 28, 28]),
      /expected input \[n, 1, h, w\], received \[2, 3, 28, 28\]/,
    );
    assert.throws(
      () => new Conv2d({ inChannels: 1, filters: 4, kernelSize: 3, stride: 0 }),
      /stride must be a whole number >= 1, got 0/,
    );
    assert.throws(
      () => new Conv2d({ inChannels: 1, filters: 4, kernelSize: 3, W: new Tensor([4, 1, 2, 2]) }),
      /W must have shape \[4, 1, 3, 3\], received \[4, 1, 2, 2\]/,
    );
  });
});
