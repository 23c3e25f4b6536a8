// The Backend interface: the numeric kernels every backend provides (darknet/BLAS style, offsets
// instead of views), and the active-backend switch.

import { referenceBackend } from './reference/index.js';

/** The numeric kernels of a backend. All arrays are row-major Float32Array. */
export interface Backend {
  readonly name: string;
  /**
   * C = alpha·op(A)·op(B) + beta·C, where op(X) is X or Xᵀ; op(A) is m×k, op(B) is k×n, C is m×n.
   * `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored; `aOffset` etc. where each matrix starts.
   * With beta = 0, C's old contents are ignored (even NaN).
   */
  gemm(
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
  ): void;
}

let active: Backend = referenceBackend;

/** The backend layers call: the reference backend until `setBackend` chooses another. */
export function getBackend(): Backend {
  return active;
}

/** Makes `backend` the one layers call from now on. */
export function setBackend(backend: Backend): void {
  active = backend;
}
