// The streaming GEMM for products with at most 8 rows (batch-1 training): B read in place, unpacked,
// one to four rows of C at a time, or dot products against stored rows of a transposed B; shared by
// threads in column ranges of C or depth ranges of k (setupStreaming).

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
  J_TRANS_A,
  J_TRANS_B,
  min,
  ptr,
  STREAMING_JOB,
  setF,
  setI,
} from './job';
import { storeRow } from './packed';

/**
 * Describes a streaming-path product (see gemmSmall) split into chunks that threads can share, e.g.
 * 1×9216 · 9216×256, whose 9.4 MB of B one core streams more slowly than two. It has no pack chunks;
 * run it like a packed job. With `partials` = 0 the chunks are column ranges of C, `chunkSize` wide (a
 * multiple of 8): for stored-transposed B (each chunk reads whole stored rows) or k ≤ 4. Otherwise
 * they are depth ranges of `chunkSize` (B rows read whole and in order, as one thread would), each
 * writing its m×n partial product at `partials` (ceil(k / chunkSize)·m·n floats); finishSplitK() then
 * sums them into C.
 */
export function setupStreaming(
  transA: i32,
  transB: i32,
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
  chunkSize: i32,
  partials: i32,
): void {
  setI(J_KIND, STREAMING_JOB);
  setI(J_TRANS_A, transA);
  setI(J_TRANS_B, transB);
  setI(J_M, m);
  setI(J_N, n);
  setI(J_K, k);
  setF(J_ALPHA, alpha);
  setI(J_A, a);
  setI(J_LDA, lda);
  setI(J_B, b);
  setI(J_LDB, ldb);
  setF(J_BETA, beta);
  setI(J_C, c);
  setI(J_LDC, ldc);
  setI(J_CHUNK_SIZE, chunkSize);
  setI(J_PARTIALS, partials);
}

// One chunk of a streaming job: columns [j0, j0 + size) of C, reading B's columns (or stored rows,
// when transposed) of that range only; or, split along k, the partial product of depths
// [p0, p0 + size): op(A)[:, p0:p0+size] · B[p0:p0+size, :] (m×n) into its own slot of the partials.
export function streamingChunk(chunk: i32): void {
  const transA = getI(J_TRANS_A);
  const transB = getI(J_TRANS_B);
  const m = getI(J_M);
  const n = getI(J_N);
  const k = getI(J_K);
  const lda = getI(J_LDA);
  const ldb = getI(J_LDB);
  const size = getI(J_CHUNK_SIZE);
  const partials = getI(J_PARTIALS);
  if (partials === 0) {
    const j0 = chunk * size;
    const b = getI(J_B) + ((transB ? j0 * ldb : j0) << 2);
    gemmSmall(
      transA,
      transB,
      m,
      min(size, n - j0),
      k,
      getF(J_ALPHA),
      getI(J_A),
      lda,
      b,
      ldb,
      getF(J_BETA),
      getI(J_C) + (j0 << 2),
      getI(J_LDC),
    );
    return;
  }
  const p0 = chunk * size;
  // A[i][p] lives at a + (i·strideI + p·strideP) floats (see gemmSmall); B is not transposed here.
  const a = getI(J_A) + ((transA ? p0 * lda : p0) << 2);
  const b = getI(J_B) + ((p0 * ldb) << 2);
  const partial = partials + ((chunk * m * n) << 2);
  gemmSmall(transA, 0, m, n, min(size, k - p0), 1, a, lda, b, ldb, 0, partial, n);
}

/**
 * The streaming path for few rows of C (m ≤ 8, e.g. batch-1 training): no packing, B is read where it
 * lies, so a 1×784 · 784×500 product touches each element of B once.
 */
export function gemmSmall(
  transA: i32,
  transB: i32,
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
): void {
  // A[i][p] lives at a + (i·strideI + p·strideP) floats.
  const strideI = transA ? 1 : lda;
  const strideP = transA ? lda : 1;
  if (transB) {
    // blocks of 16 stored rows of B (16 KB at k = 256) stay in L1 while every pair of A rows reads them
    for (let j = 0; j < n; j += 16) {
      const cols = min(16, n - j);
      const bBlock = b + ((j * ldb) << 2);
      let i = 0;
      for (; i + 2 <= m; i += 2) {
        dotRows2(
          ptr(a, i * strideI),
          strideI,
          strideP,
          cols,
          k,
          alpha,
          bBlock,
          ldb,
          beta,
          ptr(c, i * ldc + j),
          ldc,
        );
      }
      if (i < m) dotRow(ptr(a, i * strideI), strideP, cols, k, alpha, bBlock, ldb, beta, ptr(c, i * ldc + j));
    }
    return;
  }
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    streamRows4(ptr(a, i * strideI), strideI, strideP, n, k, alpha, b, ldb, beta, ptr(c, i * ldc), ldc);
  }
  for (; i < m; i++) {
    streamRow1(ptr(a, i * strideI), strideP, n, k, alpha, b, ldb, beta, ptr(c, i * ldc));
  }
}

@inline function update4(c: usize, acc: v128, va: v128, beta: f32): void {
  if (beta === 0) v128.store(c, f32x4.mul(acc, va));
  else v128.store(c, f32x4.add(f32x4.mul(acc, va), f32x4.mul(v128.load(c), f32x4.splat(beta))));
}

@inline export function update1(c: usize, acc: f32, alpha: f32, beta: f32): void {
  store<f32>(c, beta === 0 ? alpha * acc : alpha * acc + beta * load<f32>(c));
}

// One row of C, accumulated in place (it stays in L1) while B's rows stream past, four rows of B per
// pass over C (one load and one store of C per 16 multiply-adds instead of per 4). Zeros of A are
// skipped, as reference BLAS skips zeros of B: a batch-1 MNIST input is about 80% zeros, so the rows of
// B that meet a nonzero of A are gathered four at a time. (So a zero times an Inf or NaN in B
// contributes 0 here rather than NaN.)
function streamRow1(
  aRow: usize,
  strideP: i32,
  n: i32,
  k: i32,
  alpha: f32,
  b: i32,
  ldb: i32,
  beta: f32,
  cRow: usize,
): void {
  const n4 = n & ~3;
  const vb = f32x4.splat(beta);
  for (let j = 0; j < n4; j += 4) {
    const at = cRow + ((<usize>j) << 2);
    v128.store(at, beta === 0 ? f32x4.splat(0) : f32x4.mul(v128.load(at), vb));
  }
  for (let j = n4; j < n; j++) {
    const at = cRow + ((<usize>j) << 2);
    store<f32>(at, beta === 0 ? 0 : beta * load<f32>(at));
  }
  const aStep = (<usize>strideP) << 2;
  const bStep = (<usize>ldb) << 2;
  // Scales alpha·A[p] ≠ 0 and their rows of B gathered so far (at most three wait here).
  let scale0: f32 = 0;
  let scale1: f32 = 0;
  let scale2: f32 = 0;
  let row0: usize = 0;
  let row1: usize = 0;
  let row2: usize = 0;
  let gathered = 0;
  let ap = aRow;
  let bRow = <usize>b;
  for (let p = 0; p < k; p++) {
    const scale = alpha * load<f32>(ap);
    if (scale !== 0) {
      if (gathered === 0) {
        scale0 = scale;
        row0 = bRow;
        gathered = 1;
      } else if (gathered === 1) {
        scale1 = scale;
        row1 = bRow;
        gathered = 2;
      } else if (gathered === 2) {
        scale2 = scale;
        row2 = bRow;
        gathered = 3;
      } else {
        addRows4(cRow, n, scale0, row0, scale1, row1, scale2, row2, scale, bRow);
        gathered = 0;
      }
    }
    ap += aStep;
    bRow += bStep;
  }
  if (gathered > 0) addRow(cRow, n, scale0, row0);
  if (gathered > 1) addRow(cRow, n, scale1, row1);
  if (gathered > 2) addRow(cRow, n, scale2, row2);
}

// c[0:n] += s·r[0:n] (rows of n floats at byte addresses).
function addRow(c: usize, n: i32, s: f32, r: usize): void {
  const v = f32x4.splat(s);
  const n4 = n & ~3;
  for (let j = 0; j < n4; j += 4) {
    const offset = (<usize>j) << 2;
    v128.store(c + offset, f32x4.add(v128.load(c + offset), f32x4.mul(v, v128.load(r + offset))));
  }
  for (let j = n4; j < n; j++) {
    const offset = (<usize>j) << 2;
    store<f32>(c + offset, load<f32>(c + offset) + s * load<f32>(r + offset));
  }
}

// c[0:n] += s0·r0[0:n] + s1·r1[0:n] + s2·r2[0:n] + s3·r3[0:n] (rows of n floats at byte addresses).
function addRows4(
  c: usize,
  n: i32,
  s0: f32,
  r0: usize,
  s1: f32,
  r1: usize,
  s2: f32,
  r2: usize,
  s3: f32,
  r3: usize,
): void {
  const v0 = f32x4.splat(s0);
  const v1 = f32x4.splat(s1);
  const v2 = f32x4.splat(s2);
  const v3 = f32x4.splat(s3);
  const n4 = n & ~3;
  for (let j = 0; j < n4; j += 4) {
    const offset = (<usize>j) << 2;
    const sum01 = f32x4.add(f32x4.mul(v0, v128.load(r0 + offset)), f32x4.mul(v1, v128.load(r1 + offset)));
    const sum23 = f32x4.add(f32x4.mul(v2, v128.load(r2 + offset)), f32x4.mul(v3, v128.load(r3 + offset)));
    v128.store(c + offset, f32x4.add(v128.load(c + offset), f32x4.add(sum01, sum23)));
  }
  for (let j = n4; j < n; j++) {
    const offset = (<usize>j) << 2;
    const sum =
      s0 * load<f32>(r0 + offset) +
      s1 * load<f32>(r1 + offset) +
      (s2 * load<f32>(r2 + offset) + s3 * load<f32>(r3 + offset));
    store<f32>(c + offset, load<f32>(c + offset) + sum);
  }
}

// Four rows of C, 8 columns at a time: the micro-kernel's register shape with A and B read in place.
function streamRows4(
  a0: usize,
  strideI: i32,
  strideP: i32,
  n: i32,
  k: i32,
  alpha: f32,
  b: i32,
  ldb: i32,
  beta: f32,
  c0: usize,
  ldc: i32,
): void {
  const va = f32x4.splat(alpha);
  const aRowStep = (<usize>strideI) << 2;
  const aStep = (<usize>strideP) << 2;
  const bStep = (<usize>ldb) << 2;
  const cStep = (<usize>ldc) << 2;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    let c00 = f32x4.splat(0);
    let c01 = f32x4.splat(0);
    let c10 = f32x4.splat(0);
    let c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0);
    let c21 = f32x4.splat(0);
    let c30 = f32x4.splat(0);
    let c31 = f32x4.splat(0);
    let ap = a0;
    let bp = ptr(b, j);
    for (let p = 0; p < k; p++) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let av = v128.load32_splat(ap);
      c00 = madd(av, b0, c00);
      c01 = madd(av, b1, c01);
      av = v128.load32_splat(ap + aRowStep);
      c10 = madd(av, b0, c10);
      c11 = madd(av, b1, c11);
      av = v128.load32_splat(ap + 2 * aRowStep);
      c20 = madd(av, b0, c20);
      c21 = madd(av, b1, c21);
      av = v128.load32_splat(ap + 3 * aRowStep);
      c30 = madd(av, b0, c30);
      c31 = madd(av, b1, c31);
      ap += aStep;
      bp += bStep;
    }
    const cp = c0 + ((<usize>j) << 2);
    storeRow(cp, c00, c01, va, beta);
    storeRow(cp + cStep, c10, c11, va, beta);
    storeRow(cp + 2 * cStep, c20, c21, va, beta);
    storeRow(cp + 3 * cStep, c30, c31, va, beta);
  }
  for (let r = 0; r < 4; r++) {
    const aRow = a0 + <usize>r * aRowStep;
    const cRow = c0 + <usize>r * cStep;
    for (let jj = j; jj < n; jj++) {
      let s: f32 = 0;
      let ap = aRow;
      let bp = ptr(b, jj);
      for (let p = 0; p < k; p++) {
        s += load<f32>(ap) * load<f32>(bp);
        ap += aStep;
        bp += bStep;
      }
      update1(cRow + ((<usize>jj) << 2), s, alpha, beta);
    }
  }
}

// One row of C against stored rows of B (transB): four dot products at a time along k.
function dotRow(
  aRow: usize,
  strideP: i32,
  n: i32,
  k: i32,
  alpha: f32,
  b: i32,
  ldb: i32,
  beta: f32,
  cRow: usize,
): void {
  const aStep = (<usize>strideP) << 2;
  const bRowStep = (<usize>ldb) << 2;
  const k4 = k & ~3;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    let b0 = ptr(b, j * ldb);
    let ap = aRow;
    for (let p = 0; p < k4; p += 4) {
      const av = loadA4(ap, aStep);
      s0 = madd(av, v128.load(b0), s0);
      s1 = madd(av, v128.load(b0 + bRowStep), s1);
      s2 = madd(av, v128.load(b0 + 2 * bRowStep), s2);
      s3 = madd(av, v128.load(b0 + 3 * bRowStep), s3);
      ap += aStep << 2;
      b0 += 16;
    }
    let d0 = horizontalSum(s0);
    let d1 = horizontalSum(s1);
    let d2 = horizontalSum(s2);
    let d3 = horizontalSum(s3);
    for (let p = k4; p < k; p++) {
      const av = load<f32>(ap);
      d0 += av * load<f32>(b0);
      d1 += av * load<f32>(b0 + bRowStep);
      d2 += av * load<f32>(b0 + 2 * bRowStep);
      d3 += av * load<f32>(b0 + 3 * bRowStep);
      ap += aStep;
      b0 += 4;
    }
    const cp = cRow + ((<usize>j) << 2);
    update1(cp, d0, alpha, beta);
    update1(cp + 4, d1, alpha, beta);
    update1(cp + 8, d2, alpha, beta);
    update1(cp + 12, d3, alpha, beta);
  }
  for (; j < n; j++) {
    let s = f32x4.splat(0);
    let bp = ptr(b, j * ldb);
    let ap = aRow;
    for (let p = 0; p < k4; p += 4) {
      s = madd(loadA4(ap, aStep), v128.load(bp), s);
      ap += aStep << 2;
      bp += 16;
    }
    let d = horizontalSum(s);
    for (let p = k4; p < k; p++) {
      d += load<f32>(ap) * load<f32>(bp);
      ap += aStep;
      bp += 4;
    }
    update1(cRow + ((<usize>j) << 2), d, alpha, beta);
  }
}

// Two rows of C against stored rows of B (transB): 2 × 4 dot products at a time along k, so each B
// vector loaded serves two rows of A (dotRow's B traffic halved; eight accumulators fit the registers).
function dotRows2(
  aRow: usize,
  strideI: i32,
  strideP: i32,
  n: i32,
  k: i32,
  alpha: f32,
  b: i32,
  ldb: i32,
  beta: f32,
  cRow: usize,
  ldc: i32,
): void {
  const aStep = (<usize>strideP) << 2;
  const aNext = (<usize>strideI) << 2; // from A's first row to its second
  const bRowStep = (<usize>ldb) << 2;
  const cNext = (<usize>ldc) << 2;
  const k4 = k & ~3;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    let t0 = f32x4.splat(0);
    let t1 = f32x4.splat(0);
    let t2 = f32x4.splat(0);
    let t3 = f32x4.splat(0);
    let b0 = ptr(b, j * ldb);
    let ap = aRow;
    for (let p = 0; p < k4; p += 4) {
      const av = loadA4(ap, aStep);
      const aw = loadA4(ap + aNext, aStep);
      let bv = v128.load(b0);
      s0 = madd(av, bv, s0);
      t0 = madd(aw, bv, t0);
      bv = v128.load(b0 + bRowStep);
      s1 = madd(av, bv, s1);
      t1 = madd(aw, bv, t1);
      bv = v128.load(b0 + 2 * bRowStep);
      s2 = madd(av, bv, s2);
      t2 = madd(aw, bv, t2);
      bv = v128.load(b0 + 3 * bRowStep);
      s3 = madd(av, bv, s3);
      t3 = madd(aw, bv, t3);
      ap += aStep << 2;
      b0 += 16;
    }
    let d0 = horizontalSum(s0);
    let d1 = horizontalSum(s1);
    let d2 = horizontalSum(s2);
    let d3 = horizontalSum(s3);
    let e0 = horizontalSum(t0);
    let e1 = horizontalSum(t1);
    let e2 = horizontalSum(t2);
    let e3 = horizontalSum(t3);
    for (let p = k4; p < k; p++) {
      const av = load<f32>(ap);
      const aw = load<f32>(ap + aNext);
      let bs = load<f32>(b0);
      d0 += av * bs;
      e0 += aw * bs;
      bs = load<f32>(b0 + bRowStep);
      d1 += av * bs;
      e1 += aw * bs;
      bs = load<f32>(b0 + 2 * bRowStep);
      d2 += av * bs;
      e2 += aw * bs;
      bs = load<f32>(b0 + 3 * bRowStep);
      d3 += av * bs;
      e3 += aw * bs;
      ap += aStep;
      b0 += 4;
    }
    const cp = cRow + ((<usize>j) << 2);
    update1(cp, d0, alpha, beta);
    update1(cp + 4, d1, alpha, beta);
    update1(cp + 8, d2, alpha, beta);
    update1(cp + 12, d3, alpha, beta);
    update1(cp + cNext, e0, alpha, beta);
    update1(cp + cNext + 4, e1, alpha, beta);
    update1(cp + cNext + 8, e2, alpha, beta);
    update1(cp + cNext + 12, e3, alpha, beta);
  }
  // the last n mod 4 columns: one row at a time
  if (j < n) {
    const bRest = b + ((j * ldb) << 2);
    dotRow(aRow, strideP, n - j, k, alpha, bRest, ldb, beta, cRow + ((<usize>j) << 2));
    dotRow(aRow + aNext, strideP, n - j, k, alpha, bRest, ldb, beta, cRow + cNext + ((<usize>j) << 2));
  }
}

// Four consecutive A elements along k: one load when contiguous, a gather when A is transposed.
@inline function loadA4(ap: usize, aStep: usize): v128 {
  if (aStep === 4) return v128.load(ap);
  let v = f32x4.splat(load<f32>(ap));
  v = f32x4.replace_lane(v, 1, load<f32>(ap + aStep));
  v = f32x4.replace_lane(v, 2, load<f32>(ap + 2 * aStep));
  return f32x4.replace_lane(v, 3, load<f32>(ap + 3 * aStep));
}

@inline function horizontalSum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3)
  );
}
