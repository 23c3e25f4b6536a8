// Parity of the wasm im2col / col2im with the reference kernels (the specification): stride 1 and 2,
// padding, odd sizes, offsets and a wide column stride, arrays in wasm memory and outside it.
//
// @backend-independent: runs a wasm backend it creates itself, never the installed one

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Random } from '../../util/random.js';
import { col2im, im2col } from '../reference/im2col.js';
import { createWasmBackend } from './index.js';

const wasm = createWasmBackend({ threads: 1 });
after(() => wasm.close());

const CASES = [
  // channels, height, width, kernelSize, stride, pad
  [3, 7, 5, 3, 1, 1],
  [2, 9, 8, 3, 2, 1],
  [1, 6, 7, 5, 1, 2],
  [4, 5, 5, 1, 1, 0],
  [2, 11, 9, 5, 2, 0],
  [2, 7, 7, 3, 2, 2],
  [16, 13, 13, 3, 1, 1],
  [1, 3, 8, 4, 3, 2],
];

describe('wasm im2col and col2im', () => {
  for (const resident of [true, false]) {
    for (const [channels, height, width, kernelSize, stride, pad] of CASES) {
      it(`agree exactly with the reference (${resident ? 'in wasm memory' : 'JavaScript arrays'}; c ${channels}, ${height}×${width}, k ${kernelSize}, stride ${stride}, pad ${pad})`, () => {
        const rng = new Random(channels * 100 + kernelSize * 10 + stride);
        const outH = Math.floor((height + 2 * pad - kernelSize) / stride) + 1;
        const outW = Math.floor((width + 2 * pad - kernelSize) / stride) + 1;
        const rows = channels * kernelSize * kernelSize;
        const ld = outH * outW + 5;
        const [imageOffset, columnsOffset] = [3, 7];
        const make = (size: number) => (resident ? wasm.allocate(size) : new Float32Array(size));
        const image = make(imageOffset + channels * height * width + 2);
        for (let i = 0; i < image.length; i++) image[i] = rng.uniform() - 0.5;
        const sizes = [channels, height, width, kernelSize, stride, pad] as const;
        // columns start as NaN: every element the kernel owns must be written
        const expected = new Float32Array(columnsOffset + rows * ld).fill(Number.NaN);
        const actual = make(expected.length).fill(Number.NaN);
        im2col(...sizes, image, imageOffset, expected, columnsOffset, ld);
        wasm.im2col(...sizes, image, imageOffset, actual, columnsOffset, ld);
        assert.deepEqual(actual, expected);

        const back = Float32Array.from(image);
        const wasmBack = make(image.length);
        wasmBack.set(image);
        for (let i = 0; i < actual.length; i++) if (Number.isNaN(actual[i])) actual[i] = 0;
        col2im(...sizes, actual, columnsOffset, ld, back, imageOffset);
        wasm.col2im(...sizes, actual, columnsOffset, ld, wasmBack, imageOffset);
        assert.deepEqual(wasmBack, back);
      });
    }
  }

  it('checks its arguments before touching memory', () => {
    const image = wasm.allocate(9);
    const columns = wasm.allocate(16);
    assert.throws(
      () => wasm.im2col(1, 3, 3, 2, 1, 0, image, 1, columns, 0, 4),
      /needs 10 elements but its array holds 9/,
    );
    assert.throws(
      () => wasm.col2im(1, 3, 3, 4, 1, 0, columns, 0, 4, image, 0),
      /a 4×4 kernel does not fit a 3×3 image/,
    );
  });
});
