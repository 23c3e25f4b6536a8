// Parity of the wasm max pooling with the reference kernel (the specification): stride ≠ kernel,
// padding, odd sizes, ties, arrays in wasm memory and outside it; argument errors, and the backward's
// refusal (on both backends) of argmax indices outside their own plane.
//
// @backend-independent: runs a wasm backend it creates itself, never the installed one

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ShapeError } from '../../util/errors.js';
import { Random } from '../../util/random.js';
import type { Backend } from '../backend.js';
import { referenceBackend } from '../reference/index.js';
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

describe('maxPool2dBackward and its argmax', () => {
  // The reference backend, and wasm's kernel (arrays in wasm memory) and its fallback (JavaScript arrays).
  const runs: [string, Backend, boolean][] = [
    ['reference', referenceBackend, false],
    ['wasm, arrays in wasm memory', wasm, true],
    ['wasm, JavaScript arrays', wasm, false],
  ];
  for (const [name, backend, resident] of runs) {
    const floats = (values: ArrayLike<number>) => {
      const array = resident ? wasm.allocate(values.length) : new Float32Array(values.length);
      array.set(values);
      return array;
    };
    const indices = (values: ArrayLike<number>) => {
      if (!resident) return Int32Array.from(values);
      const storage = wasm.allocate(values.length);
      const array = new Int32Array(storage.buffer, storage.byteOffset, values.length);
      array.set(values);
      return array;
    };

    it(`${name}: scatters a valid argmax from maxPool2d (flat indices into the whole x) as before`, () => {
      // two 2×4 planes pooled 2×2: plane 1's maxima are indexed from 8, not from 0
      const x = floats([1, 2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1]);
      const argmax = indices([0, 0, 0, 0]);
      backend.maxPool2d(2, 2, 4, 2, 2, 0, x, floats([0, 0, 0, 0]), argmax);
      assert.deepEqual([...argmax], [5, 7, 8, 10]);
      const dx = floats(new Array(16).fill(Number.NaN));
      backend.maxPool2dBackward(2, floats([1, 2, 3, 4]), argmax, dx);
      assert.deepEqual([...dx], [0, 0, 0, 0, 0, 1, 0, 2, 3, 0, 4, 0, 0, 0, 0, 0]);
    });

    it(`${name}: adds where overlapping windows share a maximum, as a plain scatter does`, () => {
      const [planes, height, width] = [3, 7, 9];
      const rng = new Random(7);
      // coarse values, so that neighbouring 3×3 stride-1 windows often pick the same pixel
      const x = floats(Array.from({ length: planes * height * width }, () => Math.floor(rng.uniform() * 4)));
      const size = planes * height * width;
      const argmax = indices(new Array(size).fill(0));
      backend.maxPool2d(planes, height, width, 3, 1, 1, x, floats(new Array(size).fill(0)), argmax);
      const dy = floats(Array.from({ length: size }, () => rng.uniform() - 0.5));
      const expected = new Float32Array(size);
      for (let i = 0; i < size; i++) expected[argmax[i]] += dy[i];
      const dx = floats(new Array(size).fill(Number.NaN));
      backend.maxPool2dBackward(planes, dy, argmax, dx);
      assert.deepEqual([...dx], [...expected]);
    });

    // Two 4×4 planes pooled 2×2: argmax[0 … 3] must lie in [0, 16), argmax[4 … 7] in [16, 32).
    const valid = [0, 2, 8, 10, 16, 18, 24, 26];
    for (const [what, at, value, message] of [
      ['below its plane (in plane 0)', 4, 15, /argmax\[4\] = 15 is outside its plane 1: .* \[16, 32\)/],
      ['past its plane (in plane 1)', 3, 16, /argmax\[3\] = 16 is outside its plane 0: .* \[0, 16\)/],
      ['negative', 0, -1, /argmax\[0\] = -1 is outside its plane 0: .* \[0, 16\)/],
      ['past the end of dx', 7, 32, /argmax\[7\] = 32 is outside its plane 1: .* \[16, 32\)/],
    ] as const) {
      it(`${name}: refuses an argmax that is ${what}, before touching dx`, () => {
        const argmax = indices(valid);
        argmax[at] = value;
        const dx = floats(new Array(32).fill(7));
        assert.throws(
          () => backend.maxPool2dBackward(2, floats(new Array(8).fill(1)), argmax, dx),
          (error: unknown) => error instanceof ShapeError && message.test(error.message),
        );
        assert.deepEqual([...dx], new Array(32).fill(7));
      });
    }
  }
});
