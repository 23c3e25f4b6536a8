// Parity of the wasm elementwise kernels (LeakyReLU forward/backward, sumRows, Momentum, SGD) with the
// reference ones on random seeded sizes around the SIMD width; bad lengths throw before any write.
//
// @backend-independent: runs a wasm backend it creates itself, never the installed one

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { assertClose } from '../../../test/close.js';
import { ShapeError } from '../../util/errors.js';
import { Random } from '../../util/random.js';
import type { Backend } from '../backend.js';
import { referenceBackend } from '../reference/index.js';
import { createWasmBackend } from './index.js';

const wasm = createWasmBackend({ threads: 1 });
after(() => wasm.close());

// 1, primes and sizes around the SIMD width (4), plus a layer's worth.
const SIZES = [1, 2, 3, 4, 5, 7, 8, 13, 31, 64, 97, 500, 1021];

/** Random arrays in wasm memory (`resident`) or ordinary memory, with a copy for the reference. */
function arrays(rng: Random, count: number, size: number, resident: boolean): Float32Array[] {
  return Array.from({ length: count }, () => {
    const array = resident ? wasm.allocate(size) : new Float32Array(size);
    for (let i = 0; i < size; i++) array[i] = rng.randn();
    // Exact zeros: LeakyReLU treats x = 0 as negative.
    if (size > 2) array[1] = 0;
    return array;
  });
}

/** Runs `kernel` on wasm-resident (or foreign) arrays and on copies with the reference; compares all. */
function compare(
  name: string,
  count: number,
  kernel: (backend: Backend, arrays: Float32Array[]) => void,
): void {
  const rng = new Random(11);
  for (const resident of [true, false]) {
    for (const size of SIZES) {
      const ours = arrays(rng, count, size, resident);
      const theirs = ours.map((array) => Float32Array.from(array));
      kernel(wasm, ours);
      kernel(referenceBackend, theirs);
      // float32 arithmetic (wasm) against float64 intermediates (reference): w + v cancels, hence atol.
      for (let i = 0; i < count; i++) {
        assertClose(ours[i], theirs[i], { rtol: 1e-5, atol: 1e-6, what: `${name} size ${size} array ${i}` });
      }
    }
  }
}

describe('wasm elementwise kernels agree with the reference', () => {
  it('leakyRelu', () => compare('leakyRelu', 2, (backend, [x, y]) => backend.leakyRelu(x, y, 0.1)));
  it('leakyRelu in place', () => compare('leakyRelu', 1, (backend, [x]) => backend.leakyRelu(x, x, 0.2)));
  it('leakyReluBackward', () =>
    compare('leakyReluBackward', 3, (backend, [x, dy, dx]) => backend.leakyReluBackward(x, dy, dx, 0.1)));
  it('momentumUpdate', () =>
    compare('momentumUpdate', 3, (backend, [w, v, g]) => backend.momentumUpdate(w, v, g, 0.01, 0.9)));
  it('adamUpdate', () =>
    compare('adamUpdate', 4, (backend, [w, m, v, g]) => {
      v.forEach((value, i) => {
        v[i] = value * value; // a second moment is never negative
      });
      backend.adamUpdate(w, m, v, g, 0.001, 0.9, 0.999, 1e-7);
    }));
  it('sgdUpdate', () => compare('sgdUpdate', 2, (backend, [w, g]) => backend.sgdUpdate(w, g, 0.05)));
  it('momentumOuterUpdate on rows × cols around the SIMD width', () => {
    const rng = new Random(13);
    for (const resident of [true, false]) {
      for (const rows of [1, 3, 8]) {
        for (const cols of SIZES) {
          const [w, v] = arrays(rng, 2, rows * cols, resident);
          const [x] = arrays(rng, 1, rows, resident);
          const [dy] = arrays(rng, 1, cols, resident);
          const [w2, v2] = [Float32Array.from(w), Float32Array.from(v)];
          wasm.momentumOuterUpdate(w, v, x, dy, 0.01, 0.9);
          referenceBackend.momentumOuterUpdate(w2, v2, x, dy, 0.01, 0.9);
          assertClose(v, v2, { rtol: 1e-5, atol: 1e-6, what: `momentumOuterUpdate v ${rows}×${cols}` });
          assertClose(w, w2, { rtol: 1e-5, atol: 1e-6, what: `momentumOuterUpdate w ${rows}×${cols}` });
        }
      }
    }
  });

  it('sumRows over 1 to 9 rows', () => {
    const rng = new Random(12);
    for (const resident of [true, false]) {
      for (const rows of [1, 2, 5, 9]) {
        for (const cols of SIZES) {
          const [m] = arrays(rng, 1, rows * cols, resident);
          const out = resident ? wasm.allocate(cols) : new Float32Array(cols);
          const expected = new Float32Array(cols);
          wasm.sumRows(m, rows, cols, out);
          referenceBackend.sumRows(m, rows, cols, expected);
          assertClose(out, expected, { rtol: 1e-6, atol: 1e-6, what: `sumRows ${rows}×${cols}` });
        }
      }
    }
  });
});

describe('wasm elementwise kernels reject bad lengths before writing', () => {
  it('throws ShapeError and leaves the outputs untouched', () => {
    const a = wasm.allocate(8).fill(1);
    const b = wasm.allocate(7).fill(2);
    const c = wasm.allocate(8).fill(3);
    assert.throws(() => wasm.leakyRelu(a, b, 0.1), ShapeError);
    assert.throws(() => wasm.leakyReluBackward(a, c, b, 0.1), ShapeError);
    assert.throws(() => wasm.momentumUpdate(a, b, c, 0.1, 0.9), ShapeError);
    assert.throws(() => wasm.sgdUpdate(a, b, 0.1), ShapeError);
    assert.throws(() => wasm.sumRows(a, 2, 3, c), ShapeError);
    assert.throws(() => wasm.momentumOuterUpdate(a, c, b, a, 0.1, 0.9), ShapeError);
    assert.ok(
      a.every((value) => value === 1) && b.every((value) => value === 2) && c.every((value) => value === 3),
    );
  });
});
