// Argument checks shared by every backend's kernels: they run before any memory is touched.

import { ShapeError } from '../util/errors.js';

/**
 * Checks gemm's sizes, offsets and leading dimensions against the arrays, before any memory is touched.
 * Throws a ShapeError that names the argument and the numbers.
 */
export function checkGemmArguments(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  aOffset: number,
  lda: number,
  b: Float32Array,
  bOffset: number,
  ldb: number,
  c: Float32Array,
  cOffset: number,
  ldc: number,
): void {
  for (const [name, value] of [
    ['m', m],
    ['n', n],
    ['k', k],
    ['aOffset', aOffset],
    ['bOffset', bOffset],
    ['cOffset', cOffset],
  ] as const) {
    if (!Number.isInteger(value) || value < 0)
      throw new ShapeError(`gemm: ${name} = ${value} must be a whole number >= 0`);
  }
  // A as stored is (transA ? k×m : m×k); its rows are lda apart.
  checkMatrix('A', a, aOffset, lda, transA ? k : m, transA ? m : k);
  checkMatrix('B', b, bOffset, ldb, transB ? n : k, transB ? k : n);
  checkMatrix('C', c, cOffset, ldc, m, n);
}

function checkMatrix(
  name: string,
  array: Float32Array,
  offset: number,
  ld: number,
  rows: number,
  cols: number,
): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) {
    throw new ShapeError(
      `gemm: ld${name.toLowerCase()} = ${ld} is smaller than the ${cols} columns of ${name} as stored`,
    );
  }
  if (rows === 0 || cols === 0) return;
  const end = offset + (rows - 1) * ld + cols;
  if (end > array.length) {
    throw new ShapeError(
      `gemm: ${name} (${rows}×${cols}, ld ${ld}, offset ${offset}) needs ${end} elements but its array holds ${array.length}`,
    );
  }
}
