// Parity of the wasm gemm with the reference gemm (the specification) on random seeded shapes, both
// transposes, alpha/beta, offsets and padded leading dimensions, on both builds of the kernels (SIMD128
// and relaxed SIMD); argument errors; allocation errors.
//
// @backend-independent: runs wasm backends it creates itself (both builds), never the installed one

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ShapeError } from '../../util/errors.js';
import { Random } from '../../util/random.js';
import { gemm as referenceGemm } from '../reference/gemm.js';
import { createWasmBackend, type WasmBackend } from './index.js';
import { WasmMemoryError } from './memory.js';
import { SIMD_LEVELS } from './module.js';

// The default build, for the argument and memory checks (which do not depend on the build).
const oneThread = createWasmBackend({ threads: 1 });
after(() => oneThread.close());

interface Case {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  offsets: [number, number, number];
  /** Extra row stride beyond the stored columns of A, B, C. */
  pads: [number, number, number];
  /** The fraction of A's entries that are not zero (default 1). */
  density?: number;
}

/**
 * Runs one case on `backend` and on the reference, from the same random inputs, and compares C. The
 * tolerance scales with Σ|alpha·A·B| + |beta·C| per element: blocking changes the summation order.
 */
function checkCase(backend: WasmBackend, rng: Random, test: Case, resident: boolean): void {
  const { transA, transB, m, n, k, alpha, beta, offsets, pads } = test;
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = aCols + pads[0];
  const ldb = bCols + pads[1];
  const ldc = n + pads[2];
  const make = (length: number, density = 1) => {
    const data = resident ? backend.allocate(length) : new Float32Array(length);
    for (let i = 0; i < length; i++) data[i] = density < 1 && rng.uniform() >= density ? 0 : rng.randn();
    return data;
  };
  const a = make(offsets[0] + aRows * lda, test.density);
  const b = make(offsets[1] + bRows * ldb);
  const c = make(offsets[2] + m * ldc);
  const expected = Float32Array.from(c);
  const scale = new Float64Array(c.length);
  referenceGemm(
    transA,
    transB,
    m,
    n,
    k,
    alpha,
    a,
    offsets[0],
    lda,
    b,
    offsets[1],
    ldb,
    beta,
    expected,
    offsets[2],
    ldc,
  );
  // Σ|A||B| per element, by the reference itself on absolute values.
  const absolute = (x: Float32Array) => x.map(Math.abs);
  const bound = new Float32Array(c.length);
  referenceGemm(
    transA,
    transB,
    m,
    n,
    k,
    Math.abs(alpha),
    absolute(a),
    offsets[0],
    lda,
    absolute(b),
    offsets[1],
    ldb,
    0,
    bound,
    offsets[2],
    ldc,
  );
  for (let i = 0; i < c.length; i++) scale[i] = bound[i] + Math.abs(beta * c[i]);
  backend.gemm(
    transA,
    transB,
    m,
    n,
    k,
    alpha,
    a,
    offsets[0],
    lda,
    b,
    offsets[1],
    ldb,
    beta,
    c,
    offsets[2],
    ldc,
  );
  for (let i = 0; i < c.length; i++) {
    const error = Math.abs(c[i] - expected[i]);
    if (!(error <= 1e-4 * scale[i] + 1e-30)) {
      assert.fail(
        `${describeCase(test)}${resident ? '' : ' (copied in)'}: C[${i}] = ${c[i]}, reference ${expected[i]} (relative error ${error / scale[i]})`,
      );
    }
  }
}

function describeCase(test: Case): string {
  const { transA, transB, m, n, k, alpha, beta, offsets, pads } = test;
  return `gemm(${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}, m ${m}, n ${n}, k ${k}, alpha ${alpha}, beta ${beta}, offsets ${offsets}, pads ${pads})`;
}

// 1, primes, and sizes around the SIMD width (4), the panel sizes (4, 8) and the streaming limit (8).
const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33, 64, 97];

function randomCases(rng: Random, count: number): Case[] {
  const pick = () => SIZES[rng.int(SIZES.length)];
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    cases.push({
      transA: rng.int(2) === 1,
      transB: rng.int(2) === 1,
      m: pick(),
      n: pick(),
      k: pick(),
      alpha: [1, -0.5, 1.75][rng.int(3)],
      beta: [0, 1, 0.25][rng.int(3)],
      offsets: [rng.int(3) * 5, rng.int(3) * 3, rng.int(3) * 7],
      pads: [rng.int(2) * 3, rng.int(2) * 5, rng.int(2) * 2],
    });
  }
  return cases;
}

// Every parity case runs on both builds of the kernels: plain SIMD128 and relaxed SIMD (fused multiply-adds).
for (const simd of SIMD_LEVELS) {
  describe(`wasm gemm (${simd} build) agrees with the reference gemm`, () => {
    const oneThread = createWasmBackend({ threads: 1, simd });
    const twoThreads = createWasmBackend({ threads: 2, simd });
    after(() => Promise.all([oneThread.close(), twoThreads.close()]));

    it('loads the build asked for', () => {
      assert.equal(oneThread.runtime.simd, simd);
      assert.equal(twoThreads.runtime.simd, simd);
    });

    it('on a mostly-zero A (the zero-skipping sparse-rows path), one and two threads', () => {
      const rng = new Random(11);
      // at least 4 Mflop (the path's threshold), m > 8; n exercises the 32-column segments, 4-column
      // and single-column tails, and several stripes
      for (const backend of [oneThread, twoThreads]) {
        for (const [m, n, k] of [
          [100, 500, 784], // x·W1 at batch 100
          [33, 70, 1000],
          [9, 300, 800],
          [130, 37, 500],
          [300, 40, 800], // more rows than one chunk holds (256): chunks share a thread's list slot
        ]) {
          for (const transA of [false, true]) {
            for (const beta of [0, 1, 0.25]) {
              const test: Case = {
                transA,
                transB: false,
                m,
                n,
                k,
                alpha: 0.5,
                beta,
                offsets: [3, 1, 2],
                pads: [1, 2, 3],
                density: 0.15,
              };
              checkCase(backend, rng, test, true);
            }
          }
        }
      }
    });

    it('propagates a NaN of a mostly-zero A into its row of C', () => {
      const [m, n, k] = [100, 50, 800];
      const a = oneThread.allocate(m * k);
      for (let i = 0; i < a.length; i += 7) a[i] = 1; // 1 in 7 nonzero
      a[5 * k + 3] = Number.NaN;
      const b = oneThread.allocate(k * n).fill(1);
      const c = oneThread.allocate(m * n);
      oneThread.gemm(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, c, 0, n);
      for (let i = 0; i < m; i++) {
        assert.equal(Number.isNaN(c[i * n]), i === 5, `row ${i}`);
      }
    });

    it('on 400 random shapes, transposes, alpha/beta, offsets and padded strides (one thread)', () => {
      const rng = new Random(4);
      for (const test of randomCases(rng, 400)) checkCase(oneThread, rng, test, true);
    });

    it('when the arrays live outside wasm memory (copied into scratch)', () => {
      const rng = new Random(5);
      for (const test of randomCases(rng, 100)) checkCase(oneThread, rng, test, false);
    });

    it('on the seed network shapes, batch 1 and 100, every transpose the layers use', () => {
      const rng = new Random(6);
      const shapes: [boolean, boolean, number, number, number][] = [
        [false, false, 1, 500, 784], // y1[1,500] = x[1,784]·W1[784,500]
        [true, false, 784, 500, 1], // dW1[784,500] = xᵀ·dy1
        [false, true, 1, 784, 500], // dx[1,784] = dy1·W1ᵀ
        [false, false, 100, 500, 784],
        [true, false, 784, 500, 100],
        [false, true, 100, 784, 500],
        [false, false, 100, 3, 100],
        [false, true, 100, 100, 3],
      ];
      for (const [transA, transB, m, n, k] of shapes) {
        for (const beta of [0, 1]) {
          const test: Case = { transA, transB, m, n, k, alpha: 1, beta, offsets: [0, 0, 0], pads: [0, 0, 0] };
          checkCase(oneThread, rng, test, true);
        }
      }
    });

    it('on two threads above the parallel threshold, including ragged edges', () => {
      const rng = new Random(7);
      for (const [m, n, k] of [
        [130, 150, 120],
        [97, 257, 301],
        [512, 17, 300],
        [100, 100, 500], // split into 4 × 2 chunks for the threads
        [33, 700, 200], // split mostly along the columns
        [100, 784, 500], // with B transposed, m ≤ 128: column blocks that pack their own B (packBInCompute)
      ]) {
        for (const [transA, transB] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ] as const) {
          const test: Case = {
            transA,
            transB,
            m,
            n,
            k,
            alpha: 0.5,
            beta: 1,
            offsets: [3, 1, 2],
            pads: [1, 2, 3],
          };
          checkCase(twoThreads, rng, test, true);
        }
      }
    });

    it('on two threads on the streaming path (few rows or k ≤ 4), split into column ranges', () => {
      const rng = new Random(8);
      for (const [m, n, k] of [
        [1, 300, 7000], // like the conv net's 1×9216 · 9216×256
        [5, 301, 3001],
        [8, 77, 9000], // n not a multiple of the 32-column chunks
        [100, 7001, 3], // k ≤ 4 streams too
      ]) {
        for (const [transA, transB] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ] as const) {
          for (const beta of [0, 1]) {
            const test: Case = {
              transA,
              transB,
              m,
              n,
              k,
              alpha: 0.5,
              beta,
              offsets: [3, 1, 2],
              pads: [1, 2, 3],
            };
            checkCase(twoThreads, rng, test, true);
          }
        }
      }
    });

    it('on two threads on packed products with a small C and a long k (split along k into partials)', () => {
      const rng = new Random(10);
      for (const [m, n, k] of [
        [32, 144, 2304], // the conv bench's weight gradients dW = dY·columnsᵀ
        [64, 288, 576],
        [16, 9, 9216],
        [21, 13, 3001], // ragged edges, k not a multiple of the depth ranges
      ]) {
        for (const [transA, transB] of [
          [false, true],
          [false, false],
          [true, true],
        ] as const) {
          for (const [alpha, beta] of [
            [1, 0],
            [1, 1],
            [-0.75, 0.5],
          ]) {
            const test: Case = {
              transA,
              transB,
              m,
              n,
              k,
              alpha,
              beta,
              offsets: [3, 1, 2],
              pads: [1, 2, 3],
            };
            checkCase(twoThreads, rng, test, true);
            if (beta === 0)
              checkCase(twoThreads, rng, { ...test, offsets: [0, 0, 0], pads: [0, 0, 0] }, true);
          }
        }
      }
    });

    it('on the one-row streaming path with mostly-zero A (zeros skipped, nonzeros gathered by four)', () => {
      const rng = new Random(9);
      for (const [k, n] of [
        [784, 500],
        [97, 33],
        [13, 7],
      ]) {
        for (const zeros of [0.8, 0.5, 1]) {
          const a = oneThread.allocate(k);
          for (let p = 0; p < k; p++) a[p] = rng.uniform() < zeros ? 0 : rng.randn();
          const b = oneThread.allocate(k * n);
          for (let i = 0; i < b.length; i++) b[i] = rng.randn();
          const c = oneThread.allocate(n).fill(1);
          const expected = Float32Array.from(c);
          referenceGemm(false, false, 1, n, k, 1.5, a, 0, k, b, 0, n, 0.5, expected, 0, n); // [1,k]·[k,n]
          oneThread.gemm(false, false, 1, n, k, 1.5, a, 0, k, b, 0, n, 0.5, c, 0, n);
          for (let j = 0; j < n; j++) {
            assert.ok(
              Math.abs(c[j] - expected[j]) <= 1e-4 * (1 + Math.abs(expected[j])),
              `k ${k} n ${n} C[${j}]`,
            );
          }
        }
      }
    });

    it('ignores C (even NaN) when beta = 0, and scales C when k = 0 or alpha = 0', () => {
      const a = oneThread.allocate(12 * 5);
      const b = oneThread.allocate(5 * 12);
      a.fill(1);
      b.fill(2);
      for (const m of [1, 12]) {
        const c = oneThread.allocate(m * 12).fill(Number.NaN);
        oneThread.gemm(false, false, m, 12, 5, 1, a, 0, 5, b, 0, 12, 0, c, 0, 12); // [m,5]·[5,12]
        assert.ok(c.every((value) => value === 10));
        oneThread.gemm(false, false, m, 12, 0, 1, a, 0, 5, b, 0, 12, 0.5, c, 0, 12); // k = 0: C = 0.5·C
        assert.ok(c.every((value) => value === 5));
        oneThread.gemm(false, false, m, 12, 5, 0, a, 0, 5, b, 0, 12, 0, c, 0, 12); // alpha = 0, beta = 0
        assert.ok(c.every((value) => value === 0));
      }
    });
  });
}

describe('wasm gemm rejects bad arguments before touching memory', () => {
  const a = oneThread.allocate(6);
  const b = oneThread.allocate(6);
  it('throws ShapeError on sizes, offsets or leading dimensions that do not fit, leaving C untouched', () => {
    const c = oneThread.allocate(4).fill(7);
    const bad: [string, () => void][] = [
      ['k too large for A', () => oneThread.gemm(false, false, 2, 2, 4, 1, a, 0, 4, b, 0, 2, 0, c, 0, 2)],
      [
        'lda smaller than the columns',
        () => oneThread.gemm(false, false, 2, 2, 3, 1, a, 0, 2, b, 0, 2, 0, c, 0, 2),
      ],
      ['offset past the end', () => oneThread.gemm(false, false, 2, 2, 3, 1, a, 1, 3, b, 0, 2, 0, c, 0, 2)],
      ['C too small', () => oneThread.gemm(false, false, 2, 3, 3, 1, a, 0, 3, b, 0, 3, 0, c, 0, 3)],
      ['negative m', () => oneThread.gemm(false, false, -1, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c, 0, 2)],
      ['fractional n', () => oneThread.gemm(false, true, 2, 1.5, 3, 1, a, 0, 3, b, 0, 3, 0, c, 0, 2)],
    ];
    for (const [what, call] of bad) {
      assert.throws(call, ShapeError, what);
      assert.deepEqual([...c], [7, 7, 7, 7], `${what}: C was changed`);
    }
  });
});

describe('wasm memory', () => {
  it('gives a clear error naming the size when an allocation cannot fit', () => {
    assert.throws(
      () => oneThread.allocate(2 ** 30 + 1),
      (error: unknown) =>
        error instanceof WasmMemoryError && /cannot allocate 1073741825 4-byte values/.test(error.message),
    );
  });

  it('reuses the memory of collected tensors once the allocating job has returned', async () => {
    const before = oneThread.heap.byteLength;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 25; i++) oneThread.allocate(2 ** 18); // 1 MiB each, dropped at once
      await new Promise((resolve) => setImmediate(resolve));
    }
    const grown = (oneThread.heap.byteLength - before) / 2 ** 20;
    assert.ok(grown <= 256, `memory grew by ${grown} MiB for 1000 MiB of short-lived tensors`);
  });

  it('keeps tensors made before a growth readable and usable by the kernels', () => {
    const early = oneThread.allocate(16).fill(3);
    const big = oneThread.allocate(64 * 2 ** 20); // 256 MiB: forces the memory to grow
    big[big.length - 1] = 1;
    const c = oneThread.allocate(16);
    oneThread.gemm(false, false, 4, 4, 4, 1, early, 0, 4, early, 0, 4, 0, c, 0, 4); // [4,4]·[4,4]
    assert.ok(c.every((value) => value === 36));
    assert.equal(early[15], 3);
  });
});
