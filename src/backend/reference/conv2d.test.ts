// The reference direct convolution and its weight gradient against their definitions through im2col +
// gemm (the path strided convolutions take), over batches, and their documented examples.
//
// @backend-independent: calls the reference kernels directly, never the installed backend

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../../test/close.js';
import { Random } from '../../util/random.js';
import { conv2d, conv2dWeightGrad } from './conv2d.js';
import { gemm } from './gemm.js';
import { im2col } from './im2col.js';

describe('reference conv2d', () => {
  it('computes the documented examples', () => {
    const image = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const y = new Float32Array(4);
    conv2d(1, 1, 3, 3, 1, 2, 0, image, 0, Float32Array.from([1, 0, 0, 1]), Float32Array.from([0.5]), y, 0);
    assert.deepEqual([...y], [6.5, 8.5, 12.5, 14.5]);
    const dW = new Float32Array(4).fill(Number.NaN);
    conv2dWeightGrad(1, 1, 3, 3, 1, 2, 0, image, 0, Float32Array.from([1, 0, 0, 0]), 0, dW);
    assert.deepEqual([...dW], [1, 2, 4, 5]);
  });

  for (const [images, channels, height, width, filters, kernelSize, pad] of [
    [1, 3, 7, 5, 4, 3, 1],
    [2, 2, 6, 9, 3, 5, 2],
    [3, 1, 4, 4, 2, 1, 0],
    [2, 2, 3, 4, 3, 2, 3],
  ]) {
    it(`equals the im2col + gemm definitions (${images} images, c ${channels}, ${height}×${width}, ${filters} filters, k ${kernelSize}, pad ${pad})`, () => {
      const rng = new Random(channels + kernelSize);
      const outH = height + 2 * pad - kernelSize + 1;
      const outW = width + 2 * pad - kernelSize + 1;
      const patch = channels * kernelSize * kernelSize;
      const pixels = outH * outW;
      const random = (size: number) => Float32Array.from({ length: size }, () => rng.randn());
      const x = random(2 + images * channels * height * width); // from offset 2
      const weights = random(filters * patch);
      const bias = random(filters);
      const dy = random(1 + images * filters * pixels); // from offset 1
      const y = new Float32Array(images * filters * pixels);
      conv2d(images, channels, height, width, filters, kernelSize, pad, x, 2, weights, bias, y, 0);
      const dW = new Float32Array(filters * patch);
      conv2dWeightGrad(images, channels, height, width, filters, kernelSize, pad, x, 2, dy, 1, dW);
      const expectedY = new Float32Array(images * filters * pixels);
      const expectedDW = new Float32Array(filters * patch);
      const columns = new Float32Array(patch * pixels);
      for (let image = 0; image < images; image++) {
        im2col(
          channels,
          height,
          width,
          kernelSize,
          1,
          pad,
          x,
          2 + image * channels * height * width,
          columns,
          0,
          pixels,
        );
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
      }
      assertClose(y, expectedY, { rtol: 1e-5, atol: 1e-5, what: 'conv2d' });
      assertClose(dW, expectedDW, { rtol: 1e-5, atol: 1e-5, what: 'conv2dWeightGrad' });
    });
  }

  it('applies a fused LeakyReLU / ReLU as max(v, slope·v), and nothing at slope 1', () => {
    const image = Float32Array.from([1, -2, 3, -4, 5, -6, 7, -8, 9]);
    const weights = Float32Array.from([1, 0, 0, -1]);
    const bias = Float32Array.from([0.5]);
    const plain = new Float32Array(4);
    conv2d(1, 1, 3, 3, 1, 2, 0, image, 0, weights, bias, plain, 0);
    assert.deepEqual([...plain], [-3.5, 4.5, 4.5, -3.5]);
    for (const slope of [0.1, 0, 1]) {
      const y = new Float32Array(4);
      conv2d(1, 1, 3, 3, 1, 2, 0, image, 0, weights, bias, y, 0, slope);
      assert.deepEqual(
        [...y],
        [...plain].map((v) => Math.fround(v > 0 ? v : slope * v)),
      );
    }
  });

  it('gives a zero weight gradient for an empty batch', () => {
    const dW = new Float32Array(8).fill(Number.NaN);
    conv2dWeightGrad(0, 2, 3, 3, 1, 2, 0, new Float32Array(0), 0, new Float32Array(0), 0, dW);
    assert.deepEqual([...dW], [0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
