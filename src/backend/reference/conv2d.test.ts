// The reference direct convolution against its definition through im2col + gemm (the path strided
// convolutions take), and its documented example.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../../test/close.js';
import { Random } from '../../util/random.js';
import { conv2d } from './conv2d.js';
import { gemm } from './gemm.js';
import { im2col } from './im2col.js';

describe('reference conv2d', () => {
  it('computes the documented example', () => {
    const y = new Float32Array(4);
    const image = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    conv2d(1, 3, 3, 1, 2, 0, image, 0, Float32Array.from([1, 0, 0, 1]), Float32Array.from([0.5]), y, 0);
    assert.deepEqual([...y], [6.5, 8.5, 12.5, 14.5]);
  });

  for (const [channels, height, width, filters, kernelSize, pad] of [
    [3, 7, 5, 4, 3, 1],
    [2, 6, 9, 3, 5, 2],
    [1, 4, 4, 2, 1, 0],
  ]) {
    it(`equals b + W·im2col(x) (c ${channels}, ${height}×${width}, ${filters} filters, k ${kernelSize}, pad ${pad})`, () => {
      const rng = new Random(channels + kernelSize);
      const outH = height + 2 * pad - kernelSize + 1;
      const outW = width + 2 * pad - kernelSize + 1;
      const patch = channels * kernelSize * kernelSize;
      const pixels = outH * outW;
      const random = (size: number) => Float32Array.from({ length: size }, () => rng.randn());
      const image = random(channels * height * width);
      const weights = random(filters * patch);
      const bias = random(filters);
      const y = new Float32Array(filters * pixels);
      conv2d(channels, height, width, filters, kernelSize, pad, image, 0, weights, bias, y, 0);
      const columns = new Float32Array(patch * pixels);
      im2col(channels, height, width, kernelSize, 1, pad, image, 0, columns, 0, pixels);
      const expected = new Float32Array(filters * pixels);
      for (let f = 0; f < filters; f++) expected.fill(bias[f], f * pixels, (f + 1) * pixels);
      // expected [F, outH·outW] += W [F, C·k·k] · columns [C·k·k, outH·outW]
      // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
      gemm(false, false, filters, pixels, patch,
        1, weights, 0, patch,
        columns, 0, pixels,
        1, expected, 0, pixels);
      assertClose(y, expected, { rtol: 1e-5, what: 'conv2d' });
    });
  }
});
