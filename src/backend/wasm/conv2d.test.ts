// Parity of the wasm direct convolution, its weight gradient and its input gradient (assembly/conv2d.ts)
// with the reference kernels, on one thread and on two (sizes large enough to be split): batches of 1–3
// images, odd sizes, filters not a multiple of 4 or 8, taps not a multiple of 4, widths not a multiple
// of 8, strides 1–3, padding 0–3 (more than k − 1 too), kernels 1–7, offsets, fused LeakyReLU/ReLU
// slopes; arrays outside wasm memory; empty batches; argument errors; on both builds of the kernels
// (SIMD128 and relaxed SIMD).
//
// @backend-independent: runs wasm backends it creates itself (both builds), never the installed one

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertClose } from '../../../test/close.js';
import { Random } from '../../util/random.js';
import { windowOutputSize } from '../checks.js';
import { conv2d, conv2dInputGrad, conv2dWeightGrad } from '../reference/conv2d.js';
import { createWasmBackend, type WasmBackend } from './index.js';
import { SIMD_LEVELS } from './module.js';

const CASES = [
  // images, channels, height, width, filters, kernelSize, stride, pad
  [2, 1, 96, 96, 16, 3, 1, 1],
  [3, 16, 48, 48, 32, 3, 1, 1],
  [1, 3, 13, 11, 5, 3, 1, 1],
  [2, 2, 9, 17, 7, 5, 1, 2],
  [3, 4, 6, 5, 3, 1, 1, 0],
  [1, 8, 40, 37, 6, 3, 1, 0],
  [2, 1, 3, 3, 1, 3, 1, 1],
  [1, 5, 7, 6, 9, 2, 1, 3],
  // 3×3 stride 1 with at least 8 channels runs by Winograd F(2×2, 3×3) (fewer: the 8-pixel panels, as
  // above): pad 2 with 17 filters (a partly empty 8-filter block), a batch of many 4-tile blocks (shared
  // by 2 threads), the detector's 6×6 × 128 layer (9 tiles: a last block of one tile), 18 tiles (a last
  // block of two), a 1×1 image with pad 1 (one tile, one real pixel); pad 0 with an odd output is above
  [2, 9, 10, 7, 17, 3, 1, 2],
  [5, 12, 12, 12, 20, 3, 1, 1],
  [1, 128, 6, 6, 128, 3, 1, 1],
  [1, 8, 6, 12, 16, 3, 1, 1],
  [3, 8, 1, 1, 3, 3, 1, 1],
  // stride 2: YOLOv1's 7×7 pad 3 and 3×3 pad 1 downsamplings, 2×2 pad 0, 1×1 (every other pixel)
  [3, 16, 48, 48, 32, 3, 2, 1],
  [1, 3, 13, 11, 5, 3, 2, 1],
  [2, 3, 23, 21, 6, 7, 2, 3],
  [1, 3, 40, 38, 8, 7, 2, 3],
  [3, 4, 9, 7, 5, 2, 2, 0],
  [3, 6, 11, 9, 10, 1, 2, 0],
  [2, 3, 7, 8, 5, 1, 2, 1],
  // 1×1 stride 1 without padding: x read in place
  [1, 64, 12, 12, 32, 1, 1, 0],
  [3, 7, 5, 9, 6, 1, 1, 0],
  // stride 3, and a stride larger than the kernel
  [2, 5, 14, 17, 9, 3, 3, 2],
  [1, 2, 10, 9, 3, 2, 3, 1],
  // batches of 8: 1×1 taps (and the input gradient of 2×2 stride 2) run each plane as one row
  [8, 6, 7, 9, 10, 1, 2, 0],
  [8, 5, 6, 5, 7, 1, 1, 1],
  [8, 3, 7, 6, 4, 2, 2, 0],
];

// on both builds of the kernels: plain SIMD128 and relaxed SIMD (fused multiply-adds)
for (const [threads, simd] of [1, 2].flatMap((t) => SIMD_LEVELS.map((level) => [t, level] as const))) {
  describe(`wasm conv2d on ${threads} thread(s), ${simd} build, agrees with the reference`, () => {
    let wasm: WasmBackend;
    before(async () => {
      wasm = createWasmBackend({ threads, simd });
      // workers start asynchronously: give them time to join, so that rows really are shared
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    after(() => wasm.close());

    for (const resident of [true, false]) {
      for (const [
        caseIndex,
        [images, channels, height, width, filters, kernelSize, stride, pad],
      ] of CASES.entries()) {
        const slope = [1, 0.1, 0][caseIndex % 3]; // identity, fused LeakyReLU, fused ReLU
        const where = resident ? 'in wasm memory' : 'JavaScript arrays';
        const name = `${images} image(s), c ${channels}, ${height}×${width}, ${filters} filters, k ${kernelSize}, stride ${stride}, pad ${pad}, slope ${slope}`;
        const rng = new Random(channels * 100 + filters * 10 + kernelSize + 1000 * stride);
        const outH = windowOutputSize(height, kernelSize, stride, pad);
        const outW = windowOutputSize(width, kernelSize, stride, pad);
        const make = (size: number) => {
          const array = resident ? wasm.allocate(size) : new Float32Array(size);
          for (let i = 0; i < size; i++) array[i] = rng.randn();
          return array;
        };
        const nans = (size: number) =>
          (resident ? wasm.allocate(size) : new Float32Array(size)).fill(Number.NaN);
        const sizes = [images, channels, height, width, filters, kernelSize, stride, pad] as const;
        const [xOffset, yOffset] = [3, 5];

        it(`conv2d, ${where}: ${name}`, () => {
          const x = make(xOffset + images * channels * height * width);
          const weights = make(filters * channels * kernelSize * kernelSize);
          const bias = make(filters);
          // y starts as NaN: every output element must be written, and nothing before yOffset
          const expected = new Float32Array(yOffset + images * filters * outH * outW).fill(Number.NaN);
          const actual = nans(expected.length);
          conv2d(...sizes, x, xOffset, weights, bias, expected, yOffset, slope);
          wasm.conv2d(...sizes, x, xOffset, weights, bias, actual, yOffset, slope);
          for (let i = 0; i < yOffset; i++) assert.ok(Number.isNaN(actual[i]), 'wrote before yOffset');
          // float32 sums of up to 144 products of size about 1 (the reference sums in float64): outputs
          // near zero carry absolute errors of a few 1e-6
          assertClose(actual.subarray(yOffset), expected.subarray(yOffset), {
            rtol: 1e-4,
            atol: 1e-4,
            what: 'conv2d',
          });
        });

        it(`conv2dWeightGrad, ${where}: ${name}`, () => {
          const x = make(xOffset + images * channels * height * width);
          const dy = make(yOffset + images * filters * outH * outW);
          const length = filters * channels * kernelSize * kernelSize;
          const expected = new Float32Array(length + 1).fill(Number.NaN);
          const actual = nans(length + 1); // one more element, which must stay untouched
          conv2dWeightGrad(...sizes, x, xOffset, dy, yOffset, expected);
          wasm.conv2dWeightGrad(...sizes, x, xOffset, dy, yOffset, actual);
          assert.ok(Number.isNaN(actual[length]), 'wrote past dW');
          // sums of up to 3·96·96 products of size about 1 in float32: absolute errors grow with √terms
          const scale = Math.sqrt(images * outH * outW);
          assertClose(actual.subarray(0, length), expected.subarray(0, length), {
            rtol: 1e-4,
            atol: 2e-5 * scale,
            what: 'conv2dWeightGrad',
          });
        });

        it(`conv2dInputGrad, ${where}: ${name}`, () => {
          const dy = make(yOffset + images * filters * outH * outW);
          const weights = make(filters * channels * kernelSize * kernelSize);
          // dx starts as NaN: every pixel must be written (0 where no window reads it), and nothing before xOffset
          const expected = new Float32Array(xOffset + images * channels * height * width).fill(Number.NaN);
          const actual = nans(expected.length);
          conv2dInputGrad(...sizes, dy, yOffset, weights, expected, xOffset);
          wasm.conv2dInputGrad(...sizes, dy, yOffset, weights, actual, xOffset);
          for (let i = 0; i < xOffset; i++) assert.ok(Number.isNaN(actual[i]), 'wrote before dxOffset');
          // float32 sums of up to F·k² products of size about 1 (the reference sums in float64)
          const scale = Math.sqrt(filters * kernelSize * kernelSize);
          assertClose(actual.subarray(xOffset), expected.subarray(xOffset), {
            rtol: 1e-4,
            atol: 2e-5 * scale,
            what: 'conv2dInputGrad',
          });
        });
      }
    }

    it('runs empty batches: y and dx untouched, dW zero', () => {
      const x = wasm.allocate(9);
      const weights = wasm.allocate(4).fill(1);
      const y = wasm.allocate(4).fill(Number.NaN);
      wasm.conv2d(0, 1, 3, 3, 1, 2, 2, 0, x, 0, weights, wasm.allocate(1), y, 0);
      assert.ok(y.every(Number.isNaN));
      const dx = wasm.allocate(9).fill(Number.NaN);
      wasm.conv2dInputGrad(0, 1, 3, 3, 1, 2, 2, 0, y, 0, weights, dx, 0);
      assert.ok(dx.every(Number.isNaN));
      wasm.conv2dWeightGrad(0, 1, 3, 3, 1, 2, 2, 0, x, 0, y, 0, weights);
      assert.deepEqual([...weights], [0, 0, 0, 0]);
    });

    it('checks its arguments before touching memory', () => {
      const image = wasm.allocate(9);
      const weights = wasm.allocate(4);
      const bias = wasm.allocate(1);
      const y = wasm.allocate(4);
      assert.throws(
        () => wasm.conv2d(1, 1, 3, 3, 1, 2, 1, 0, image, 1, weights, bias, y, 0),
        /needs 10 elements/,
      );
      assert.throws(
        () => wasm.conv2d(2, 1, 3, 3, 1, 2, 1, 0, image, 0, weights, bias, y, 0),
        /2 images .* needs 18/,
      );
      assert.throws(
        () => wasm.conv2d(1, 1, 3, 3, 2, 2, 1, 0, image, 0, weights, bias, y, 0),
        /W needs 8 elements/,
      );
      assert.throws(
        () => wasm.conv2d(1, 1, 3, 3, 1, 2, 1, 0, image, 0, weights, bias, y, 1),
        /y needs 5 elements/,
      );
      assert.throws(() => wasm.conv2d(1, 1, 3, 3, 1, 4, 1, 0, image, 0, weights, bias, y, 0), /does not fit/);
      assert.throws(() => wasm.conv2d(-1, 1, 3, 3, 1, 2, 1, 0, image, 0, weights, bias, y, 0), /images = -1/);
      for (const slope of [-0.5, 1.5, Number.NaN]) {
        assert.throws(
          () => wasm.conv2d(1, 1, 3, 3, 1, 2, 1, 0, image, 0, weights, bias, y, 0, slope),
          /slope/,
        );
      }
      const grad = (images: number, filters: number, dyOffset: number, dW = weights) =>
        wasm.conv2dWeightGrad(images, 1, 3, 3, filters, 2, 1, 0, image, 0, y, dyOffset, dW);
      assert.throws(() => grad(1, 1, 1), /dy needs 5 elements/);
      assert.throws(() => grad(1, 2, 0), /dy needs 8 elements/);
      assert.throws(() => grad(1, 1, 0, wasm.allocate(3)), /dW needs 4 elements/);
      assert.throws(() => grad(2, 1, 0), /needs 18 elements/);
      assert.throws(() => grad(1.5, 1, 0), /images = 1.5/);
      assert.throws(
        () => wasm.conv2d(1, 1, 3, 3, 1, 2, 0, 0, image, 0, weights, bias, y, 0),
        /conv2d: stride = 0 must be a whole number >= 1/,
      );
      const inputGrad = (stride: number, dy: Float32Array, dx: Float32Array) =>
        wasm.conv2dInputGrad(1, 1, 3, 3, 1, 2, stride, 0, dy, 0, weights, dx, 0);
      assert.throws(() => inputGrad(1, wasm.allocate(3), image), /conv2dInputGrad: dy needs 4 elements/);
      assert.throws(() => inputGrad(2, y, wasm.allocate(8)), /conv2dInputGrad: dx .* needs 9 elements/);
      assert.throws(() => inputGrad(1.5, y, image), /stride = 1.5/);
    });
  });
}
