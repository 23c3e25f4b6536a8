// Reference GEMM in plain TypeScript: the specification the WebAssembly kernels must agree with.
// C = alpha·op(A)·op(B) + beta·C with the i-k-j loop order (darknet's gemm_nn), written to be read.

import { checkGemmArguments } from '../checks.js';

/**
 * C = alpha·op(A)·op(B) + beta·C. See `Backend.gemm` for the arguments.
 *
 * @example
 * const c = new Float32Array(4);
 * gemm(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), 0, 2, new Float32Array([5, 6, 7, 8]), 0, 2, 0, c, 0, 2);
 * // c = [19, 22, 43, 50]
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  aOffset: number,
  lda: number,
  b: Float32Array,
  bOffset: number,
  ldb: number,
  beta: number,
  c: Float32Array,
  cOffset: number,
  ldc: number,
): void {
  checkGemmArguments(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
  // A[i][p] and B[p][j] after the optional transposes:
  const aStrideI = transA ? 1 : lda;
  const aStrideP = transA ? lda : 1;
  const bStrideP = transB ? 1 : ldb;
  const bStrideJ = transB ? ldb : 1;
  for (let i = 0; i < m; i++) {
    const cRow = cOffset + i * ldc;
    for (let j = 0; j < n; j++) c[cRow + j] = beta === 0 ? 0 : beta * c[cRow + j];
    for (let p = 0; p < k; p++) {
      const aip = alpha * a[aOffset + i * aStrideI + p * aStrideP]; // hoisted A[i][p], as darknet's A_PART
      const bRow = bOffset + p * bStrideP;
      for (let j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j * bStrideJ];
    }
  }
}
