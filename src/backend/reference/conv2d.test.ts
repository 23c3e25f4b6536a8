// The reference direct convolution, its weight gradient and its input gradient against their
// definitions through im2col + gemm + col2im, over batches, strides 1–3 and paddings 0–3, and their
// documented examples.
//
// @backend-independent: calls the reference kernels directly, never the installed backend

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../../test/close.js';
import { Random } from '../../util/random.js';
import { windowOutputSize } from '../checks.js';
import { conv2d, conv2dInputGrad, conv2dWeightGrad } from './conv2d.js';
import { gemm } from './gemm.js';
import { col2im, im2col } from './im2col.js';

describe('reference conv2d', () => {
  it('computes the documented examples', () => {
    const image = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const y = new Float32Array(4);
    conv2d(1, 1, 3, 3, 1, 2, 1, 0, image, 0, Float32Array.from([1, 0, 0, 1]), Float32Array.from([0.5]), y, 0);
    assert.deepEqual([...y], [6.5, 8.5, 12.5, 14.5]);
    const dW = new Float32Array(4).fill(Number.NaN);
    conv2dWeightGrad(1, 1, 3, 3, 1, 2, 1, 0, image, 0, Float32Array.from([1, 0, 0, 0]), 0, dW);
    assert.deepEqual([...dW], [1, 2, 4, 5]);
    const dx = new Float32Array(9).fill(Number.NaN);
    conv2dInputGrad(
      1,
      1,
      3,
      3,
      1,
      2,
      1,
      0,
      Float32Array.from([1, 0, 0, 2]),
      0,
      Float32Array.from([1, 2, 3, 4]),
      dx,
      0,
    );
    assert.deepEqual([...dx], [1, 2, 0, 3, 6, 4, 0, 6, 8]);
  });

  it('strides by hand: a 2×2 kernel, stride 2, on a 5×5 image (its last row and column unread)', () => {
    const image = Float32Array.from({ length: 25 }, (_, i) => i); // image[r][c] = 5r + c
    const weights = Float32Array.from([1, 10, 100, 1000]);
    const y = new Float32Array(4);
    conv2d(1, 1, 5, 5, 1, 2, 2, 0, image, 0, weights, Float32Array.from([0]), y, 0);
    // window (oy, ox) reads rows 2oy, 2oy + 1 and columns 2ox, 2ox + 1
    const at = (r: number, c: number) => 5 * r + c;
    const window = (oy: number, ox: number) =>
      at(2 * oy, 2 * ox) +
      10 * at(2 * oy, 2 * ox + 1) +
      100 * at(2 * oy + 1, 2 * ox) +
      1000 * at(2 * oy + 1, 2 * ox + 1);
    assert.deepEqual([...y], [window(0, 0), window(0, 1), window(1, 0), window(1, 1)]);
    const dy = Float32Array.from([1, 2, 3, 4]);
    const dW = new Float32Array(4);
    conv2dWeightGrad(1, 1, 5, 5, 1, 2, 2, 0, image, 0, dy, 0, dW);
    // dW[ky][kx] = Σ dy[oy][ox]·image[2oy + ky][2ox + kx]
    const tap = (ky: number, kx: number) =>
      1 * at(ky, kx) + 2 * at(ky, 2 + kx) + 3 * at(2 + ky, kx) + 4 * at(2 + ky, 2 + kx);
    assert.deepEqual([...dW], [tap(0, 0), tap(0, 1), tap(1, 0), tap(1, 1)]);
    const dx = new Float32Array(25).fill(Number.NaN);
    conv2dInputGrad(1, 1, 5, 5, 1, 2, 2, 0, dy, 0, weights, dx, 0);
    // the windows do not overlap: each dy[oy][ox]·W lands on its own 2×2 block; row 4 and column 4 get 0
    // biome-ignore format: the 5×5 image
    assert.deepEqual([...dx], [
      1, 10, 2, 20, 0,
      100, 1000, 200, 2000, 0,
      3, 30, 4, 40, 0,
      300, 3000, 400, 4000, 0,
      0, 0, 0, 0, 0,
    ]);
  });

  for (const [images, channels, height, width, filters, kernelSize, stride, pad] of [
    [1, 3, 7, 5, 4, 3, 1, 1],
    [2, 2, 6, 9, 3, 5, 1, 2],
    [3, 1, 4, 4, 2, 1, 1, 0],
    [2, 2, 3, 4, 3, 2, 1, 3],
    [2, 3, 9, 8, 4, 3, 2, 1],
    [1, 2, 11, 10, 3, 7, 2, 3],
    [3, 2, 7, 6, 2, 2, 2, 0],
    [2, 4, 7, 5, 3, 1, 2, 0],
    [1, 2, 10, 11, 2, 3, 3, 2],
  ]) {
    it(`equals the im2col + gemm + col2im definitions (${images} images, c ${channels}, ${height}×${width}, ${filters} filters, k ${kernelSize}, stride ${stride}, pad ${pad})`, () => {
      const rng = new Random(channels + kernelSize + stride);
      const outH = windowOutputSize(height, kernelSize, stride, pad);
      const outW = windowOutputSize(width, kernelSize, stride, pad);
      const patch = channels * kernelSize * kernelSize;
      const pixels = outH * outW;
      const imageSize = channels * height * width;
      const random = (size: number) => Float32Array.from({ length: size }, () => rng.randn());
      const x = random(2 + images * imageSize); // from offset 2
      const weights = random(filters * patch);
      const bias = random(filters);
      const dy = random(1 + images * filters * pixels); // from offset 1
      const window = [images, channels, height, width, filters, kernelSize, stride, pad] as const;
      const y = new Float32Array(images * filters * pixels);
      conv2d(...window, x, 2, weights, bias, y, 0);
      const dW = new Float32Array(filters * patch);
      conv2dWeightGrad(...window, x, 2, dy, 1, dW);
      const dx = new Float32Array(3 + images * imageSize).fill(Number.NaN); // from offset 3
      conv2dInputGrad(...window, dy, 1, weights, dx, 3);
      const expectedY = new Float32Array(images * filters * pixels);
      const expectedDW = new Float32Array(filters * patch);
      const expectedDx = new Float32Array(images * imageSize);
      const columns = new Float32Array(patch * pixels);
      for (let image = 0; image < images; image++) {
        // biome-ignore format: arguments grouped as (sizes), (image), (columns)
        im2col(channels, height, width, kernelSize, stride, pad,
          x, 2 + image * imageSize,
          columns, 0, pixels);
        for (let f = 0; f < filters; f++) {
          expectedY.fill(bias[f], (image * filters + f) * pixels, (image * filters + f + 1) * pixels);
        }
        // expectedY[image] [F, outH·outW] += W [F, C·k·k] · columns [C·k·k, outH·outW]
        // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
        gemm(false, false, filters, pixels, patch,
          1, weights, 0, patch,
          columns, 0, pixels,
          1, expectedY, image * filters * pixels, pixels);
        // expectedDW [F, C·k·k] += dy[image] [F, outH·outW] · columnsᵀ [outH·outW, C·k·k]
        // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
        gemm(false, true, filters, patch, pixels,
          1, dy, 1 + image * filters * pixels, pixels,
          columns, 0, pixels,
          1, expectedDW, 0, patch);
        // columns [C·k·k, outH·outW] = Wᵀ [C·k·k, F] · dy[image] [F, outH·outW], then expectedDx[image] += col2im(columns)
        // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
        gemm(true, false, patch, pixels, filters,
          1, weights, 0, patch,
          dy, 1 + image * filters * pixels, pixels,
          0, columns, 0, pixels);
        // biome-ignore format: arguments grouped as (sizes), (columns), (image)
        col2im(channels, height, width, kernelSize, stride, pad,
          columns, 0, pixels,
          expectedDx, image * imageSize);
      }
      assertClose(y, expectedY, { rtol: 1e-5, atol: 1e-5, what: 'conv2d' });
      assertClose(dW, expectedDW, { rtol: 1e-5, atol: 1e-5, what: 'conv2dWeightGrad' });
      assert.ok(dx.subarray(0, 3).every(Number.isNaN), 'conv2dInputGrad wrote before dxOffset');
      assertClose(dx.subarray(3), expectedDx, { rtol: 1e-5, atol: 1e-5, what: 'conv2dInputGrad' });
    });
  }

  it('applies a fused LeakyReLU / ReLU as max(v, slope·v), and nothing at slope 1', () => {
    const image = Float32Array.from([1, -2, 3, -4, 5, -6, 7, -8, 9]);
    const weights = Float32Array.from([1, 0, 0, -1]);
    const bias = Float32Array.from([0.5]);
    const plain = new Float32Array(4);
    conv2d(1, 1, 3, 3, 1, 2, 1, 0, image, 0, weights, bias, plain, 0);
    assert.deepEqual([...plain], [-3.5, 4.5, 4.5, -3.5]);
    for (const slope of [0.1, 0, 1]) {
      const y = new Float32Array(4);
      conv2d(1, 1, 3, 3, 1, 2, 1, 0, image, 0, weights, bias, y, 0, slope);
      assert.deepEqual(
        [...y],
        [...plain].map((v) => Math.fround(v > 0 ? v : slope * v)),
      );
    }
  });

  it('gives a zero weight gradient for an empty batch, and writes no dx', () => {
    const dW = new Float32Array(8).fill(Number.NaN);
    conv2dWeightGrad(0, 2, 3, 3, 1, 2, 1, 0, new Float32Array(0), 0, new Float32Array(0), 0, dW);
    assert.deepEqual([...dW], [0, 0, 0, 0, 0, 0, 0, 0]);
    const dx = new Float32Array(0);
    conv2dInputGrad(0, 2, 3, 3, 1, 2, 2, 0, new Float32Array(0), 0, new Float32Array(8), dx, 0);
    assert.equal(dx.length, 0);
  });

  it('names dx, dy and W when the input gradient does not fit its arrays', () => {
    const grad = (dy: number, weights: number, dx: number) =>
      conv2dInputGrad(
        2,
        1,
        5,
        5,
        1,
        3,
        2,
        1,
        new Float32Array(dy),
        0,
        new Float32Array(weights),
        new Float32Array(dx),
        0,
      );
    assert.throws(
      grad.bind(null, 18, 9, 49),
      /conv2dInputGrad: dx \(2 images of 1×5×5 at offset 0\) needs 50 elements/,
    );
    assert.throws(grad.bind(null, 17, 9, 50), /conv2dInputGrad: dy needs 18 elements but its array holds 17/);
    assert.throws(grad.bind(null, 18, 8, 50), /conv2dInputGrad: W needs 9 elements but its array holds 8/);
  });
});
