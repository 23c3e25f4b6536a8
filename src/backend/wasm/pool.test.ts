// Parity of the wasm max pooling with the reference kernel (the specification): stride ≠ kernel,
// padding, odd sizes, ties, arrays in wasm memory and outside it; argument errors.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Random } from '../../util/random.js';
import { maxPool2d } from '../reference/pool.js';
import { createWasmBackend } from './index.js';

const wasm = createWasmBackend({ threads: 1 });
after(() => wasm.close());

const CASES = [
  // planes, height, width, kernelSize, stride, pad
  [6, 8, 8, 2, 2, 0],
  [3, 9, 21, 2, 2, 1],
  [2, 7, 19, 2, 2, 0],
  [4, 7, 9, 3, 2, 1],
  [4, 5, 5, 2, 1, 0],
  [2, 8, 7, 3, 3, 1],
  [3, 6, 6, 4, 2, 2],
  [1, 1, 1, 1, 1, 0],
];

describe('wasm maxPool2d', () => {
  for (const resident of [true, false]) {
    for (const [planes, height, width, kernelSize, stride, pad] of CASES) {
      it(`agrees exactly with the reference (${resident ? 'in wasm memory' : 'JavaScript arrays'}; ${planes}×${height}×${width}, k ${kernelSize}, stride ${stride}, pad ${pad})`, () => {
        const rng = new Random(planes * 10 + kernelSize);
        const outH = Math.floor((height + 2 * pad - kernelSize) / stride) + 1;
        const outW = Math.floor((width + 2 * pad - kernelSize) / stride) + 1;
        const make = (size: number) => (resident ? wasm.allocate(size) : new Float32Array(size));
        const x = make(planes * height * width);
        // a coarse grid of values, so windows have ties (the first maximum must win in both)
        for (let i = 0; i < x.length; i++) x[i] = Math.floor(rng.uniform() * 6) - 3;
        const size = planes * outH * outW;
        const [y, yWasm] = [new Float32Array(size), make(size)];
        const argmax = new Int32Array(size);
        const storage = make(size);
        const argmaxWasm = new Int32Array(storage.buffer, storage.byteOffset, size);
        const sizes = [planes, height, width, kernelSize, stride, pad] as const;
        maxPool2d(...sizes, x, y, argmax);
        wasm.maxPool2d(...sizes, x, yWasm, argmaxWasm);
        assert.deepEqual(yWasm, y);
        assert.deepEqual(argmaxWasm, argmax);
      });
    }
  }

  it('checks its arguments before touching memory', () => {
    const x = wasm.allocate(16);
    const y = wasm.allocate(4);
    assert.throws(
      () => wasm.maxPool2d(1, 4, 4, 2, 2, 0, x, y, new Int32Array(3)),
      /y and argmax of 4 elements, received 16, 4, 3/,
    );
    assert.throws(
      () => wasm.maxPool2d(1, 4, 4, 2, 2, 2, x, y, new Int32Array(4)),
      /a 2×2 window with pad 2 does not fit/,
    );
  });
});
