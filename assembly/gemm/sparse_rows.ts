// The sparse-rows GEMM for a mostly-zero op(A) (MNIST batches are 17–19% nonzero): each row of C adds
// only the rows of B that meet a nonzero of A, from per-row lists of (offset, scale) built per chunk.

import { madd } from '../simd';
import {
  getF,
  getI,
  J_A,
  J_ALPHA,
  J_B,
  J_BETA,
  J_C,
  J_CHUNK_SIZE,
  J_K,
  J_KIND,
  J_LDA,
  J_LDB,
  J_LDC,
  J_M,
  J_N,
  J_PARTIALS,
  J_SPARSE_COUNTS,
  J_TRANS_A,
  min,
  ptr,
  SPARSE_ROWS_JOB,
  setI,
} from './job';
import { setupStreaming } from './streaming';

/**
 * Describes a product whose op(A) is mostly zeros (B not transposed), e.g. a batch of MNIST images
 * (about 81% zero pixels) times W1: only the rows of B that meet a nonzero of A are added — a fifth of
 * the multiply-adds for MNIST. Each chunk of `rowsPerChunk` rows of C first lists its rows' nonzeros
 * (the byte offset of their row of B and alpha·value, 8 bytes each) in its thread's slot — thread t's
 * lists at `lists` + t·rowsPerChunk·8k, counts at `counts` + t·rowsPerChunk·4, so threads·rowsPerChunk·
 * (8k + 4) bytes of scratch in all — then goes over C in stripes of SPARSE_STRIPE
 * columns, so that the stripe of B (k·96 floats, 300 KB at k = 784) stays in the core's L2 while every
 * row of the chunk reads it (1000×784 MNIST · 784×500, one thread: stripes of 48 columns 7.1 ms, 96–192
 * 6.0 ms). Run it like a packed job (it has no pack chunks).
 */
export function setupSparseRows(
  transA: i32,
  m: i32,
  n: i32,
  k: i32,
  alpha: f32,
  a: i32,
  lda: i32,
  b: i32,
  ldb: i32,
  beta: f32,
  c: i32,
  ldc: i32,
  rowsPerChunk: i32,
  lists: i32,
  counts: i32,
): void {
  setupStreaming(transA, 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, rowsPerChunk, lists);
  setI(J_KIND, SPARSE_ROWS_JOB);
  setI(J_SPARSE_COUNTS, counts);
}

/** Columns of C per stripe of a sparse-rows chunk, and rows per block that go through the stripes together. */
const SPARSE_STRIPE: i32 = 96;
const SPARSE_ROW_BLOCK: i32 = 256;

// Rows [i0, i0 + rowsPerChunk) of a sparse-rows job, listed in `thread`'s slot of the scratch.
export function sparseRowsChunk(chunk: i32, thread: i32): void {
  const m = getI(J_M);
  const n = getI(J_N);
  const k = getI(J_K);
  const size = getI(J_CHUNK_SIZE);
  const transA = getI(J_TRANS_A);
  const lda = getI(J_LDA);
  const a = getI(J_A);
  const b = getI(J_B);
  const bRowBytes = getI(J_LDB) << 2;
  const c = getI(J_C);
  const ldc = getI(J_LDC);
  const alpha = getF(J_ALPHA);
  const beta = getF(J_BETA);
  // this thread's slot: rowsPerChunk lists of up to k entries, and their counts
  const lists = <usize>getI(J_PARTIALS) + <usize>thread * <usize>size * ((<usize>k) << 3);
  const counts = <usize>getI(J_SPARSE_COUNTS) + ((<usize>(thread * size)) << 2);
  // A[i][p] lives at a + (i·strideI + p·strideP) floats.
  const aStep = (<usize>(transA ? lda : 1)) << 2;
  const i0 = chunk * size;
  const i1 = min(m, i0 + size);
  for (let i = i0; i < i1; i++) {
    let ap = ptr(a, transA ? i : i * lda);
    let entry = lists + ((<usize>(i - i0) * <usize>k) << 3);
    // Four entries of A at a time when contiguous: most groups of four MNIST pixels are all zero and
    // are skipped whole; within a group, every entry is written and kept only when nonzero.
    const start = entry;
    let p = 0;
    if (!transA) {
      for (; p + 4 <= k; p += 4) {
        if (!v128.any_true(f32x4.ne(v128.load(ap), f32x4.splat(0)))) {
          ap += 16;
          continue;
        }
        for (let q = 0; q < 4; q++) {
          const value = load<f32>(ap);
          store<i32>(entry, (p + q) * bRowBytes);
          store<f32>(entry, alpha * value, 4);
          entry += select<usize>(8, 0, value !== 0);
          ap += 4;
        }
      }
    }
    for (; p < k; p++) {
      const value = load<f32>(ap);
      store<i32>(entry, p * bRowBytes);
      store<f32>(entry, alpha * value, 4);
      entry += select<usize>(8, 0, value !== 0);
      ap += aStep;
    }
    store<i32>(counts + ((<usize>(i - i0)) << 2), <i32>((entry - start) >> 3));
  }
  // blocks of rows (their lists, about 1 KB each for MNIST, stay in L2 beside the stripe of B; blocks
  // of 256 rather than 64 rows read each stripe of B a quarter as often: 1000×784 · 784×500 inside the
  // MLP's inference on two threads 4.1 → 3.5 ms)
  for (let r0 = i0; r0 < i1; r0 += SPARSE_ROW_BLOCK) {
    const r1 = min(i1, r0 + SPARSE_ROW_BLOCK);
    for (let j0 = 0; j0 < n; j0 += SPARSE_STRIPE) {
      const width = min(SPARSE_STRIPE, n - j0);
      const bStripe = <usize>b + ((<usize>j0) << 2);
      for (let i = r0; i < r1; i++) {
        const cRow = ptr(c, i * ldc + j0);
        const first = lists + ((<usize>(i - i0) * <usize>k) << 3);
        const end = first + ((<usize>load<i32>(counts + ((<usize>(i - i0)) << 2))) << 3);
        // 24 columns at a time in six registers, through every nonzero of the row
        let j = 0;
        for (; j + 24 <= width; j += 24)
          sparseSegment24(cRow + ((<usize>j) << 2), bStripe + ((<usize>j) << 2), first, end, beta);
        // the last width mod 24 columns: four at a time, then one at a time
        for (; j + 4 <= width; j += 4) {
          const bColumns = bStripe + ((<usize>j) << 2);
          let sum = f32x4.splat(0);
          for (let entry = first; entry < end; entry += 8) {
            sum = madd(v128.load32_splat(entry, 4), v128.load(bColumns + <usize>load<i32>(entry)), sum);
          }
          const at = cRow + ((<usize>j) << 2);
          v128.store(at, beta === 0 ? sum : f32x4.add(sum, f32x4.mul(f32x4.splat(beta), v128.load(at))));
        }
        for (; j < width; j++) {
          let sum: f32 = 0;
          const bColumn = bStripe + ((<usize>j) << 2);
          for (let entry = first; entry < end; entry += 8)
            sum += load<f32>(entry, 4) * load<f32>(bColumn + <usize>load<i32>(entry));
          const at = cRow + ((<usize>j) << 2);
          store<f32>(at, beta === 0 ? sum : sum + beta * load<f32>(at));
        }
      }
    }
  }
}

// c[0:24] = Σ over the entries (offset, scale) in [first, end) of scale·b[offset + 0:24] + beta·c[0:24].
// Six accumulators: with eight (32 columns) V8 loaded all eight B vectors before multiplying and spilled
// an accumulator to the stack (8 + 8 + 1 registers of its 15).
function sparseSegment24(c: usize, b: usize, first: usize, end: usize, beta: f32): void {
  let c0 = f32x4.splat(0);
  let c1 = f32x4.splat(0);
  let c2 = f32x4.splat(0);
  let c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0);
  let c5 = f32x4.splat(0);
  for (let entry = first; entry < end; entry += 8) {
    const row = b + <usize>load<i32>(entry);
    const scale = v128.load32_splat(entry, 4);
    c0 = madd(scale, v128.load(row), c0);
    c1 = madd(scale, v128.load(row, 16), c1);
    c2 = madd(scale, v128.load(row, 32), c2);
    c3 = madd(scale, v128.load(row, 48), c3);
    c4 = madd(scale, v128.load(row, 64), c4);
    c5 = madd(scale, v128.load(row, 80), c5);
  }
  if (beta !== 0) {
    const vb = f32x4.splat(beta);
    c0 = madd(vb, v128.load(c), c0);
    c1 = madd(vb, v128.load(c, 16), c1);
    c2 = madd(vb, v128.load(c, 32), c2);
    c3 = madd(vb, v128.load(c, 48), c3);
    c4 = madd(vb, v128.load(c, 64), c4);
    c5 = madd(vb, v128.load(c, 80), c5);
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
  v128.store(c, c2, 32);
  v128.store(c, c3, 48);
  v128.store(c, c4, 64);
  v128.store(c, c5, 80);
}

/**
 * How many of the rows×cols matrix's entries (row stride ld, byte address a) are not zero, or, once
 * more than `limit` are counted, that partial count (a dense matrix stops after about limit/cols rows):
 * the gemm wrapper's test for setupSparseRows.
 */
export function countNonzeros(rows: i32, cols: i32, a: i32, ld: i32, limit: i32): i32 {
  let count = 0;
  const zero = f32x4.splat(0);
  const cols4 = cols & ~3;
  for (let i = 0; i < rows; i++) {
    const row = ptr(a, i * ld);
    // lanes of f32x4.ne are all ones (−1 as i32) where nonzero: subtracting them counts up
    let counts = i32x4.splat(0);
    for (let j = 0; j < cols4; j += 4)
      counts = i32x4.sub(counts, f32x4.ne(v128.load(row + ((<usize>j) << 2)), zero));
    count += i32x4.extract_lane(counts, 0) + i32x4.extract_lane(counts, 1);
    count += i32x4.extract_lane(counts, 2) + i32x4.extract_lane(counts, 3);
    for (let j = cols4; j < cols; j++) if (load<f32>(row + ((<usize>j) << 2)) !== 0) count++;
    if (count > limit) break;
  }
  return count;
}
