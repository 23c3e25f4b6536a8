// Parity of the wasm direct convolution (assembly/conv2d.ts) with the reference kernel, on one thread
// and on two (sizes large enough to be split by rows): odd sizes, filters not a multiple of 4, widths
// not a multiple of 8, padding 0–2, kernels 1–5, offsets; arrays outside wasm memory; argument errors.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertClose } from '../../../test/close.js';
import { Random } from '../../util/random.js';
import { conv2d } from '../reference/conv2d.js';
import { createWasmBackend, type WasmBackend } from './index.js';

const CASES = [
  // channels, height, width, filters, kernelSize, pad
  [1, 96, 96, 16, 3, 1],
  [16, 48, 48, 32, 3, 1],
  [3, 13, 11, 5, 3, 1],
  [2, 9, 17, 7, 5, 2],
  [4, 6, 5, 3, 1, 0],
  [8, 40, 37, 6, 3, 0],
  [1, 3, 3, 1, 3, 1],
];

for (const threads of [1, 2]) {
  describe(`wasm conv2d on ${threads} thread(s) agrees with the reference`, () => {
    let wasm: WasmBackend;
    before(async () => {
      wasm = createWasmBackend({ threads });
      // workers start asynchronously: give them time to join, so that rows really are shared
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    after(() => wasm.close());

    for (const resident of [true, false]) {
      for (const [channels, height, width, filters, kernelSize, pad] of CASES) {
        it(`${resident ? 'in wasm memory' : 'JavaScript arrays'}: c ${channels}, ${height}×${width}, ${filters} filters, k ${kernelSize}, pad ${pad}`, () => {
          const rng = new Random(channels * 100 + filters * 10 + kernelSize);
          const outH = height + 2 * pad - kernelSize + 1;
          const outW = width + 2 * pad - kernelSize + 1;
          const make = (size: number) => {
            const array = resident ? wasm.allocate(size) : new Float32Array(size);
            for (let i = 0; i < size; i++) array[i] = rng.randn();
            return array;
          };
          const [imageOffset, yOffset] = [3, 5];
          const image = make(imageOffset + channels * height * width);
          const weights = make(filters * channels * kernelSize * kernelSize);
          const bias = make(filters);
          const sizes = [channels, height, width, filters, kernelSize, pad] as const;
          // y starts as NaN: every output element must be written, and nothing before yOffset
          const expected = new Float32Array(yOffset + filters * outH * outW).fill(Number.NaN);
          const actual = (resident ? wasm.allocate(expected.length) : new Float32Array(expected.length)).fill(
            Number.NaN,
          );
          conv2d(...sizes, image, imageOffset, weights, bias, expected, yOffset);
          wasm.conv2d(...sizes, image, imageOffset, weights, bias, actual, yOffset);
          for (let i = 0; i < yOffset; i++) assert.ok(Number.isNaN(actual[i]), 'wrote before yOffset');
          // float32 sums of up to 144 products of size about 1 (the reference sums in float64): outputs
          // near zero carry absolute errors of a few 1e-6
          assertClose(actual.subarray(yOffset), expected.subarray(yOffset), {
            rtol: 1e-4,
            atol: 1e-4,
            what: 'conv2d',
          });
        });
      }
    }

    it('checks its arguments before touching memory', () => {
      const image = wasm.allocate(9);
      const weights = wasm.allocate(4);
      const bias = wasm.allocate(1);
      const y = wasm.allocate(4);
      assert.throws(() => wasm.conv2d(1, 3, 3, 1, 2, 0, image, 1, weights, bias, y, 0), /needs 10 elements/);
      assert.throws(() => wasm.conv2d(1, 3, 3, 2, 2, 0, image, 0, weights, bias, y, 0), /W needs 8 elements/);
      assert.throws(() => wasm.conv2d(1, 3, 3, 1, 2, 0, image, 0, weights, bias, y, 1), /y needs 5 elements/);
      assert.throws(() => wasm.conv2d(1, 3, 3, 1, 4, 0, image, 0, weights, bias, y, 0), /does not fit/);
    });
  });
}
