// The optimizer kernels of both backends (Momentum, the batch-1 outer-product Momentum, Adam's two
// moments) flush their states: with no gradient a state decays to exactly 0, never to a subnormal; while
// values are normal the result is, bit for bit, the unflushed update computed in float32 with one
// rounding per operation (the model below). The wasm kernels run on both builds (simd128 and relaxed).
//
// @backend-independent: calls the kernels of backends it creates itself, never the installed one

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FLOAT32_MIN_NORMAL } from '../util/float32.js';
import { Random } from '../util/random.js';
import type { Backend } from './backend.js';
import { referenceBackend } from './reference/index.js';
import { createWasmBackend } from './wasm/index.js';
import { SIMD_LEVELS } from './wasm/module.js';

const wasmBuilds = SIMD_LEVELS.map((simd) => createWasmBackend({ threads: 1, simd }));
after(() => Promise.all(wasmBuilds.map((wasm) => wasm.close())));

/** Each backend with an allocator for its fast path (wasm: arrays in its memory, or it falls back). */
const BACKENDS: { name: string; backend: Backend; allocate: (size: number) => Float32Array }[] = [
  { name: 'reference', backend: referenceBackend, allocate: (size) => new Float32Array(size) },
  ...wasmBuilds.map((wasm) => ({
    name: `wasm ${wasm.runtime.simd}`,
    backend: wasm,
    allocate: wasm.allocate,
  })),
];

const f = Math.fround;
const isSubnormal = (x: number) => x !== 0 && Math.abs(x) < FLOAT32_MIN_NORMAL;
/** What a flushing kernel stores for the float32 value x. */
const flush = (x: number) => (Math.abs(x) < FLOAT32_MIN_NORMAL ? 0 : x);
const keep = (x: number) => x;
type Store = (x: number) => number;

// The unflushed updates (store = keep) and the flushed ones (store = flush), in float32 arithmetic in
// the order the kernels compute, on plain arrays.
const LR = 0.01;
const MOMENTUM = 0.9;
const [BETA1, BETA2, EPSILON] = [0.9, 0.999, 1e-7];

function momentumModel(store: Store, [w, v, g]: Float32Array[]): void {
  for (let i = 0; i < w.length; i++) {
    v[i] = store(f(f(f(MOMENTUM) * v[i]) - f(f(LR) * g[i]))); // v = momentum·v − lr·g
    w[i] = f(w[i] + v[i]); // w += v
  }
}

function outerModel(store: Store, [w, v, x, dy]: Float32Array[]): void {
  for (let i = 0; i < x.length; i++) {
    const rate = f(f(LR) * x[i]);
    for (let j = 0; j < dy.length; j++) {
      const at = i * dy.length + j;
      v[at] = store(f(f(f(MOMENTUM) * v[at]) - f(rate * dy[j]))); // v = momentum·v − lr·x[i]·dy[j]
      w[at] = f(w[at] + v[at]);
    }
  }
}

function adamModel(store: Store, [w, m, v, g]: Float32Array[]): void {
  const [b1, b2] = [f(BETA1), f(BETA2)];
  for (let i = 0; i < w.length; i++) {
    m[i] = store(f(f(b1 * m[i]) + f(f(1 - b1) * g[i]))); // m = β₁m + (1 − β₁)g
    v[i] = store(f(f(b2 * v[i]) + f(f(1 - b2) * f(g[i] * g[i])))); // v = β₂v + (1 − β₂)g²
    w[i] = f(w[i] - f(f(f(LR) * m[i]) / f(f(Math.sqrt(v[i])) + f(EPSILON)))); // w −= lr·m / (√v + ε)
  }
}

/** A kernel under test: its array count, which arrays are state, and how to call and model it. */
interface Case {
  name: string;
  /** Array sizes for a size parameter n (the outer update: w, v [n, 5], x [n], dy [5]). */
  sizes: (n: number) => number[];
  /** The arrays that are optimizer state (flushed), by index. */
  state: number[];
  /** The arrays that are the gradient (zero for the decay test), by index. */
  gradient: number[];
  run: (backend: Backend, arrays: Float32Array[]) => void;
  model: (store: Store, arrays: Float32Array[]) => void;
}

const CASES: Case[] = [
  {
    name: 'momentumUpdate',
    sizes: (n) => [n, n, n],
    state: [1],
    gradient: [2],
    run: (backend, [w, v, g]) => backend.momentumUpdate(w, v, g, LR, MOMENTUM),
    model: momentumModel,
  },
  {
    name: 'momentumOuterUpdate',
    sizes: (n) => [n * 5, n * 5, n, 5],
    state: [1],
    gradient: [2],
    run: (backend, [w, v, x, dy]) => backend.momentumOuterUpdate(w, v, x, dy, LR, MOMENTUM),
    model: outerModel,
  },
  {
    name: 'adamUpdate',
    sizes: (n) => [n, n, n, n],
    state: [1, 2],
    gradient: [3],
    run: (backend, [w, m, v, g]) => backend.adamUpdate(w, m, v, g, LR, BETA1, BETA2, EPSILON),
    model: adamModel,
  },
];

// Sizes around the SIMD width (4): scalar tails, whole vectors, both.
const SIZES = [1, 3, 4, 7, 64, 97];

/** Fails at the first element whose bits differ (so +0 and −0 differ), naming it and both values. */
function assertBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i])
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (bit for bit)`);
  }
}

/** The kernel's arrays (in the backend's memory) and plain copies for the model. */
function setUp(
  allocate: (size: number) => Float32Array,
  sizes: number[],
  fill: (array: number, i: number) => number,
) {
  const arrays = sizes.map((size, a) => {
    const array = allocate(size);
    for (let i = 0; i < size; i++) array[i] = fill(a, i);
    return array;
  });
  return { arrays, copies: arrays.map((array) => Float32Array.from(array)) };
}

for (const { name, backend, allocate } of BACKENDS) {
  describe(`${name}: optimizer states are flushed, never subnormal`, () => {
    for (const kernel of CASES) {
      it(`${kernel.name}: while values are normal, bit for bit the unflushed float32 update`, () => {
        const rng = new Random(3);
        for (const n of SIZES) {
          // Adam's second moment is a mean of squares: start it positive.
          const { arrays, copies } = setUp(allocate, kernel.sizes(n), (a, _i) =>
            kernel.name === 'adamUpdate' && a === 2 ? rng.uniform() + 0.01 : rng.randn(),
          );
          for (let step = 0; step < 5; step++) {
            kernel.run(backend, arrays);
            kernel.model(keep, copies);
            for (const s of kernel.state) assert.ok(!copies[s].some(isSubnormal), 'the data stays normal');
            for (const [a, array] of arrays.entries())
              assertBits(array, copies[a], `${kernel.name} n ${n} step ${step} array ${a}`);
          }
        }
      });

      it(`${kernel.name}: with zero gradient the state decays to exactly +0, never through a subnormal`, () => {
        const rng = new Random(4);
        for (const n of SIZES) {
          // States from just above 2⁻¹²⁶ to 1e-33, of both signs (Adam's v ≥ 0); other arrays normal.
          const tiny = (a: number) => {
            const magnitude = FLOAT32_MIN_NORMAL * 10 ** (5 * rng.uniform());
            return kernel.name === 'adamUpdate' && a === 2
              ? magnitude
              : rng.uniform() < 0.5
                ? -magnitude
                : magnitude;
          };
          const { arrays, copies } = setUp(allocate, kernel.sizes(n), (a) =>
            kernel.state.includes(a) ? tiny(a) : kernel.gradient.includes(a) ? 0 : rng.randn(),
          );
          const unflushed = copies.map((copy) => Float32Array.from(copy));
          let unflushedSubnormals = 0;
          let steps = 0;
          while (kernel.state.some((s) => arrays[s].some((x) => x !== 0))) {
            assert.ok(
              ++steps <= 20_000,
              `${kernel.name} n ${n}: the state has not reached 0 after 20,000 steps`,
            );
            kernel.run(backend, arrays);
            kernel.model(flush, copies);
            kernel.model(keep, unflushed);
            for (const s of kernel.state) {
              assert.ok(
                !arrays[s].some(isSubnormal),
                `${kernel.name} n ${n} step ${steps}: a subnormal state`,
              );
              unflushedSubnormals += unflushed[s].filter(isSubnormal).length;
            }
            for (const [a, array] of arrays.entries())
              assertBits(array, copies[a], `${kernel.name} n ${n} step ${steps} array ${a}`);
          }
          for (const s of kernel.state)
            assert.ok(
              arrays[s].every((x) => Object.is(x, 0)),
              'every state is +0',
            );
          assert.ok(unflushedSubnormals > 0, 'without the flush the same steps would have stored subnormals');
        }
      });
    }

    it('NaN and ±∞ in a state pass through the flush (a diverging run still stops)', () => {
      const [w, v, g] = [allocate(5), allocate(5), allocate(5)];
      v.set([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-39, 1]);
      backend.momentumUpdate(w, v, g, LR, MOMENTUM);
      assert.ok(Number.isNaN(v[0]));
      assert.deepEqual([...v.subarray(1)], [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, f(0.9)]);
    });
  });
}
