// Float32 GEMM for WebAssembly SIMD128: C = alpha·op(A)·op(B) + beta·C, BLAS/darknet conventions.
// Large products pack A into 4-row and B into 8-column k-major panels (B's panels are read in place when
// B is not transposed) and run a 4×8 register-blocked micro-kernel; products with at most 8 rows stream B
// unpacked (batch-1 training); products whose A is mostly zeros add only the rows of B that meet a
// nonzero (sparse rows: MNIST batches).

// All pointers are byte addresses in the (imported, possibly shared) linear memory; leading dimensions
// and sizes count float32 elements. The packed path is split into chunks (pack chunks, then compute
// chunks) so that several threads, each with its own instance on the same memory, can claim them.

import { madd, transpose4x4Store } from './simd';

/** Where the job descriptor of the packed path lives: every instance (thread) reads the same one. */
export const JOB_ADDRESS: u32 = 64;
/** Per-thread 4×8 tiles for partial micro-tiles at the matrix edges (128 bytes each, 16 threads). */
export const TILE_ADDRESS: u32 = 1024;
/** Control words the JavaScript thread pool uses (generation, claim and done counters). */
export const CONTROL_ADDRESS: u32 = 512;
/** First byte the JavaScript allocator may hand out; below it is the fixed layout above. */
export const HEAP_BASE: u32 = 4096;

/** Micro-kernel rows (A panel height) and columns (B panel width). */
const MR: i32 = 4;
const NR: i32 = 8;
/** k-block depth: a B micro-panel (KC×NR floats = 8 KiB) stays in L1 while A panels stream. */
const KC: i32 = 256;
/** Upper bounds of the rows and columns of C one compute chunk covers. */
const MC: i32 = 128;
const NC: i32 = 256;

// Job descriptor fields (i32 or f32 slots at JOB_ADDRESS).
const J_TRANS_A: i32 = 0;
const J_TRANS_B: i32 = 1;
const J_M: i32 = 2;
const J_N: i32 = 3;
const J_K: i32 = 4;
const J_ALPHA: i32 = 5;
const J_A: i32 = 6;
const J_LDA: i32 = 7;
const J_B: i32 = 8;
const J_LDB: i32 = 9;
const J_BETA: i32 = 10;
const J_C: i32 = 11;
const J_LDC: i32 = 12;
const J_PACK_A: i32 = 13;
const J_PACK_B: i32 = 14;
const J_MC: i32 = 15;
const J_NC: i32 = 16;
const J_ROW_BLOCKS: i32 = 17;
const J_COL_BLOCKS: i32 = 18;
const J_K_BLOCKS: i32 = 19;
const J_M_PAD: i32 = 20;
const J_N_PAD: i32 = 21;
const J_KC: i32 = 22;
/** PACKED_JOB, STREAMING_JOB or SPARSE_ROWS_JOB: what computeChunk runs. */
const J_KIND: i32 = 23;
/** Columns of C (or, split along k, depths) per chunk of a streaming job; rows of a sparse-rows job. */
const J_CHUNK_SIZE: i32 = 24;
/**
 * Where a job split along k writes its partial products: a streaming job's depth chunks, or a packed
 * job's depth ranges (0: not split along k).
 */
const J_PARTIALS: i32 = 25;
/** Depth ranges a packed job is split into (1: none; see splitDepth). */
const J_K_SPLITS: i32 = 26;
/**
 * 1 when compute chunks read B's whole 8-column panels where B is stored (B not transposed) instead of
 * a packed copy: the micro-kernel loads 8 floats per step of k either way, ldb apart in place (the
 * stride prefetcher follows); only the edge panel is packed. Skips a copy of B (1.5 MB for 784×500),
 * which two threads otherwise wait on before computing.
 */
const J_B_IN_PLACE: i32 = 27;
/** 1 when each compute chunk packs its own column block of B (see packBInCompute). */
const J_PACK_B_LOCAL: i32 = 29;
/** Where a sparse-rows job keeps its rows' nonzero counts (its lists are at J_PARTIALS). */
const J_SPARSE_COUNTS: i32 = 28;
const PACKED_JOB: i32 = 0;
const STREAMING_JOB: i32 = 1;
const SPARSE_ROWS_JOB: i32 = 2;

@inline function getI(field: i32): i32 {
  return load<i32>(JOB_ADDRESS + ((<u32>field) << 2));
}
@inline function getF(field: i32): f32 {
  return load<f32>(JOB_ADDRESS + ((<u32>field) << 2));
}
@inline function setI(field: i32, value: i32): void {
  store<i32>(JOB_ADDRESS + ((<u32>field) << 2), value);
}
@inline function setF(field: i32, value: f32): void {
  store<f32>(JOB_ADDRESS + ((<u32>field) << 2), value);
}
@inline function ptr(base: i32, index: i32): usize {
  return <usize>base + ((<usize>index) << 2);
}
@inline function roundUp(value: i32, multiple: i32): i32 {
  return ((value + multiple - 1) / multiple) * multiple;
}
@inline function min(x: i32, y: i32): i32 {
  return x < y ? x : y;
}

/**
 * Describes a packed-path product in the job descriptor. packA needs ceil(m/4)·4·k floats and packB
 * k·ceil(n/8)·8 floats. Afterwards packChunks() + computeChunks() chunks can be run in any order within
 * each phase, all pack chunks before any compute chunk.
 */
export function setupPacked(
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
  packA: i32,
  packB: i32,
): void {
  setI(J_KIND, PACKED_JOB);
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
  setI(J_PACK_A, packA);
  setI(J_PACK_B, packB);
  setBlocks((m + MC - 1) / MC, (n + NC - 1) / NC);
  // Even k blocks too: 784 = 4 × 196 rather than 3 × 256 + 16, whose last block would pay a whole
  // pass over C for 16 steps of k.
  const kBlocks = (k + KC - 1) / KC;
  setI(J_K_BLOCKS, kBlocks);
  setI(J_KC, (k + kBlocks - 1) / kBlocks);
  setI(J_M_PAD, roundUp(m, MR));
  setI(J_N_PAD, roundUp(n, NR));
  setI(J_K_SPLITS, 1);
  setI(J_PARTIALS, 0);
  // In place only where the rows' stride spreads a panel over L1's sets: with ldb a multiple of 64
  // floats (512: 2 KB apart) a k block's rows fall into a few sets and evict each other (gemm_512 ran at
  // 35 instead of 46 GFLOP/s in place).
  setI(J_B_IN_PLACE, !transB && ldb % 64 !== 0 ? 1 : 0);
  setI(J_PACK_B_LOCAL, 0);
}

/**
 * Splits the current packed job along k too, into `splits` depth ranges of whole k blocks (the block
 * count is rounded up to a multiple of `splits`), for products whose C is too small to keep the
 * threads busy but whose k is long (conv weight gradients, 32×144 · 144×2304ᵀ). Each compute chunk is
 * then a block of C over one depth range, written (alpha 1, beta 0) into that range's m×n partial
 * product at `partials` (splits·m·n floats); finishSplitK() sums them into C. Call after setupPacked
 * (and splitForThreads), with k ≥ splits.
 */
export function splitDepth(splits: i32, partials: i32): void {
  const k = getI(J_K);
  const kBlocks = roundUp((k + KC - 1) / KC, splits);
  const kc = (k + kBlocks - 1) / kBlocks;
  // (With k ≥ 2·splits·… as the caller ensures, every block holds some depth; an empty one adds 0.)
  setI(J_K_BLOCKS, kBlocks);
  setI(J_KC, kc);
  setI(J_K_SPLITS, splits);
  setI(J_PARTIALS, partials);
}

// Splits C into about rowBlocks × colBlocks even blocks (rather than MC-sized ones and a small
// remainder), which balances the chunks between threads; the counts are re-derived after rounding the
// block sizes up to whole panels.
function setBlocks(rowBlocks: i32, colBlocks: i32): void {
  const m = getI(J_M);
  const n = getI(J_N);
  const mc = roundUp((m + rowBlocks - 1) / rowBlocks, MR);
  const nc = roundUp((n + colBlocks - 1) / colBlocks, NR);
  setI(J_MC, mc);
  setI(J_NC, nc);
  setI(J_ROW_BLOCKS, (m + mc - 1) / mc);
  setI(J_COL_BLOCKS, (n + nc - 1) / nc);
}

/**
 * For threads sharing a product with few rows (one row block) whose B must be packed (B transposed):
 * C is split into about `chunks` column blocks only, and each compute chunk packs its own column
 * block's B panels just before using them, so no thread waits at a barrier for all of B to be packed
 * (only A, small here, is packed first). Call after setupPacked, instead of splitForThreads.
 */
export function packBInCompute(chunks: i32): void {
  const n = getI(J_N);
  setBlocks(1, max(1, min(chunks, (n + MIN_SPLIT_COLS - 1) / MIN_SPLIT_COLS)));
  setI(J_PACK_B_LOCAL, 1);
}

/** Smallest blocks of C a split for threads makes: below them the micro-kernel's loads dominate. */
const MIN_SPLIT_ROWS: i32 = 16;
const MIN_SPLIT_COLS: i32 = 32;

/**
 * Splits the current job's C into at least `chunks` compute chunks where the blocks stay at least
 * MIN_SPLIT_ROWS × MIN_SPLIT_COLS, so that threads can share a mid-size product (100×100 C: 2 chunks
 * by default) and a descheduled thread holds up only a small part. Call after setupPacked.
 */
export function splitForThreads(chunks: i32): void {
  let rowBlocks = getI(J_ROW_BLOCKS);
  let colBlocks = getI(J_COL_BLOCKS);
  const m = getI(J_M);
  const n = getI(J_N);
  while (rowBlocks * colBlocks < chunks) {
    const rows = m / (rowBlocks + 1);
    const cols = n / (colBlocks + 1);
    // Split the dimension whose blocks are larger relative to their minimum.
    if (rows >= MIN_SPLIT_ROWS && rows * MIN_SPLIT_COLS >= cols * MIN_SPLIT_ROWS) rowBlocks++;
    else if (cols >= MIN_SPLIT_COLS) colBlocks++;
    else if (rows >= MIN_SPLIT_ROWS) rowBlocks++;
    else break;
  }
  setBlocks(rowBlocks, colBlocks);
}

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
function sparseRowsChunk(chunk: i32, thread: i32): void {
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

/** Number of pack chunks of the current job: one per (k block, row block of A or column block of B). */
export function packChunks(): i32 {
  if (getI(J_KIND) !== PACKED_JOB) return 0;
  return getI(J_K_BLOCKS) * (getI(J_ROW_BLOCKS) + (getI(J_PACK_B_LOCAL) ? 0 : getI(J_COL_BLOCKS)));
}

/** Number of compute chunks of the current job: one per (row block, column block) of C. */
export function computeChunks(): i32 {
  if (getI(J_KIND) === SPARSE_ROWS_JOB) return (getI(J_M) + getI(J_CHUNK_SIZE) - 1) / getI(J_CHUNK_SIZE);
  if (getI(J_KIND) === STREAMING_JOB) {
    const size = getI(J_CHUNK_SIZE);
    return ((getI(J_PARTIALS) === 0 ? getI(J_N) : getI(J_K)) + size - 1) / size;
  }
  return getI(J_ROW_BLOCKS) * getI(J_COL_BLOCKS) * getI(J_K_SPLITS);
}

// One chunk of a streaming job: columns [j0, j0 + size) of C, reading B's columns (or stored rows,
// when transposed) of that range only; or, split along k, the partial product of depths
// [p0, p0 + size): op(A)[:, p0:p0+size] · B[p0:p0+size, :] (m×n) into its own slot of the partials.
function streamingChunk(chunk: i32): void {
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
 * C = alpha·(sum of the partial products) + beta·C, after a job split along k (a streaming job with
 * partials, or a packed job after splitDepth) has run.
 */
export function finishSplitK(): void {
  const m = getI(J_M);
  const n = getI(J_N);
  const c = getI(J_C);
  const ldc = getI(J_LDC);
  const alpha = getF(J_ALPHA);
  const beta = getF(J_BETA);
  const partials = getI(J_PARTIALS);
  const chunks = getI(J_KIND) === STREAMING_JOB ? computeChunks() : getI(J_K_SPLITS);
  const partialBytes = (<usize>(m * n)) << 2;
  for (let i = 0; i < m; i++) {
    const row = ptr(c, i * ldc);
    const first = ptr(partials, i * n);
    for (let j = 0; j < n; j++) {
      const offset = (<usize>j) << 2;
      let sum: f32 = 0;
      let at = first + offset;
      for (let chunk = 0; chunk < chunks; chunk++) {
        sum += load<f32>(at);
        at += partialBytes;
      }
      update1(row + offset, sum, alpha, beta);
    }
  }
}

/** Packs one chunk: rows of A or columns of B for one k block. */
export function packChunk(chunk: i32): void {
  const rowBlocks = getI(J_ROW_BLOCKS);
  const perK = rowBlocks + (getI(J_PACK_B_LOCAL) ? 0 : getI(J_COL_BLOCKS));
  const kb = chunk / perK;
  const block = chunk % perK;
  if (block < rowBlocks) packABlock(kb, block);
  else packBBlock(kb, block - rowBlocks);
}

/**
 * Computes one rows×columns block of C over the whole k range (or, after splitDepth, over one depth
 * range into its partial product); `thread` picks the edge tile scratch.
 */
export function computeChunk(chunk: i32, thread: i32): void {
  if (getI(J_KIND) === STREAMING_JOB) {
    streamingChunk(chunk);
    return;
  }
  if (getI(J_KIND) === SPARSE_ROWS_JOB) {
    sparseRowsChunk(chunk, thread);
    return;
  }
  const colBlocks = getI(J_COL_BLOCKS);
  const blocks = getI(J_ROW_BLOCKS) * colBlocks;
  const splits = getI(J_K_SPLITS);
  const split = chunk / blocks;
  chunk %= blocks;
  const mc = getI(J_MC);
  const nc = getI(J_NC);
  const m = getI(J_M);
  const n = getI(J_N);
  const k = getI(J_K);
  const mPad = getI(J_M_PAD);
  const nPad = getI(J_N_PAD);
  const kBlocks = getI(J_K_BLOCKS);
  const kcBlock = getI(J_KC);
  let alpha = getF(J_ALPHA);
  let beta = getF(J_BETA);
  let c = getI(J_C);
  let ldc = getI(J_LDC);
  let kb0 = 0;
  let kb1 = kBlocks;
  if (splits > 1) {
    // This depth range's k blocks, into its own partial product (finishSplitK applies alpha, beta).
    const perSplit = kBlocks / splits;
    kb0 = split * perSplit;
    kb1 = kb0 + perSplit;
    alpha = 1;
    beta = 0;
    c = getI(J_PARTIALS) + ((split * m * n) << 2);
    ldc = n;
  }
  const packA = getI(J_PACK_A);
  const packB = getI(J_PACK_B);
  const bInPlace = getI(J_B_IN_PLACE) !== 0;
  const b = getI(J_B);
  const ldb = getI(J_LDB);
  const tile = TILE_ADDRESS + ((<u32>thread) << 7);
  const i0 = (chunk / colBlocks) * mc;
  const j0 = (chunk % colBlocks) * nc;
  const i1 = min(m, i0 + mc);
  const j1 = min(n, j0 + nc);
  const packBHere = getI(J_PACK_B_LOCAL) !== 0;
  for (let kb = kb0; kb < kb1; kb++) {
    const p0 = kb * kcBlock;
    const kc = min(kcBlock, k - p0);
    // Later k blocks accumulate onto what the first one wrote.
    const betaBlock: f32 = kb === kb0 ? beta : 1;
    // this chunk is the only reader of its column block's B panels (see packBInCompute)
    if (packBHere) packBBlock(kb, chunk % colBlocks);
    const aBlock = packA + ((p0 * mPad) << 2);
    const bBlock = packB + ((p0 * nPad) << 2);
    for (let j = j0; j < j1; j += NR) {
      const cols = min(NR, n - j);
      // a whole panel of B in place (see bInPlace), or its packed copy: 8 floats per step of k either way
      const inPlace = cols === NR && bInPlace;
      const bPanel: usize = inPlace ? ptr(b, p0 * ldb + j) : bBlock + ((j * kc) << 2);
      const bStep: usize = inPlace ? (<usize>ldb) << 2 : 32;
      for (let i = i0; i < i1; i += MR) {
        microKernel(
          aBlock + ((i * kc) << 2),
          bPanel,
          bStep,
          kc,
          ptr(c, i * ldc + j),
          ldc,
          min(MR, m - i),
          cols,
          alpha,
          betaBlock,
          tile,
        );
      }
    }
  }
}

/** Runs the whole current packed job on the calling thread. */
export function runPacked(): void {
  const packs = packChunks();
  for (let chunk = 0; chunk < packs; chunk++) packChunk(chunk);
  const computes = computeChunks();
  for (let chunk = 0; chunk < computes; chunk++) computeChunk(chunk, 0);
}

// A k-major panel of 4 rows: element (row r, depth p) at panel[p·4 + r]; rows past m are zero.
function packABlock(kb: i32, rowBlock: i32): void {
  const transA = getI(J_TRANS_A);
  const m = getI(J_M);
  const k = getI(J_K);
  const a = getI(J_A);
  const lda = getI(J_LDA);
  const mc = getI(J_MC);
  const mPad = getI(J_M_PAD);
  const kcBlock = getI(J_KC);
  const p0 = kb * kcBlock;
  const kc = min(kcBlock, k - p0);
  const i0 = rowBlock * mc;
  const i1 = min(mPad, i0 + mc);
  const block = getI(J_PACK_A) + ((p0 * mPad) << 2);
  for (let i = i0; i < i1; i += MR) {
    let dst = <usize>block + ((i * kc) << 2);
    const rows = min(MR, m - i);
    if (transA && rows === MR) {
      // Stored A is k×m: the 4 rows of a panel are 4 consecutive floats of each stored row.
      let src = ptr(a, p0 * lda + i);
      const step = (<usize>lda) << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        src += step;
        dst += 16;
      }
    } else if (rows === MR) {
      // Stored A is m×k: 4 depths of the 4 rows at a time, a 4×4 transpose in registers.
      let r0 = ptr(a, i * lda + p0);
      const step = (<usize>lda) << 2;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        transpose4x4Store(
          v128.load(r0),
          v128.load(r0 + step),
          v128.load(r0 + 2 * step),
          v128.load(r0 + 3 * step),
          dst,
          16,
        );
        r0 += 16;
        dst += 64;
      }
      for (; p < kc; p++) {
        store<f32>(dst, load<f32>(r0));
        store<f32>(dst, load<f32>(r0 + step), 4);
        store<f32>(dst, load<f32>(r0 + 2 * step), 8);
        store<f32>(dst, load<f32>(r0 + 3 * step), 12);
        r0 += 4;
        dst += 16;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          let value: f32 = 0;
          if (r < rows) {
            value = transA
              ? load<f32>(ptr(a, (p0 + p) * lda + i + r))
              : load<f32>(ptr(a, (i + r) * lda + p0 + p));
          }
          store<f32>(dst + ((<usize>r) << 2), value);
        }
        dst += 16;
      }
    }
  }
}

// A k-major panel of 8 columns: element (depth p, column c) at panel[p·8 + c]; columns past n are zero.
function packBBlock(kb: i32, colBlock: i32): void {
  const transB = getI(J_TRANS_B);
  const n = getI(J_N);
  const k = getI(J_K);
  const b = getI(J_B);
  const ldb = getI(J_LDB);
  const nc = getI(J_NC);
  const nPad = getI(J_N_PAD);
  const kcBlock = getI(J_KC);
  const p0 = kb * kcBlock;
  const kc = min(kcBlock, k - p0);
  const j0 = colBlock * nc;
  const j1 = min(nPad, j0 + nc);
  const block = getI(J_PACK_B) + ((p0 * nPad) << 2);
  for (let j = j0; j < j1; j += NR) {
    const panel = <usize>block + ((j * kc) << 2);
    const cols = min(NR, n - j);
    if (!transB && cols === NR && getI(J_B_IN_PLACE) !== 0) continue; // read in place by computeChunk
    if (!transB && cols === NR) {
      let src = ptr(b, p0 * ldb + j);
      let dst = panel;
      const step = (<usize>ldb) << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += step;
        dst += 32;
      }
    } else if (transB && cols === NR) {
      // Stored B is n×k: 4 depths of the 8 stored rows at a time, two 4×4 transposes in registers
      // (columns 0–3 of the panel, then 4–7).
      let r0 = ptr(b, j * ldb + p0);
      const r4 = <usize>(ldb << 4);
      const step = (<usize>ldb) << 2;
      let dst = panel;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        transpose4x4Store(
          v128.load(r0),
          v128.load(r0 + step),
          v128.load(r0 + 2 * step),
          v128.load(r0 + 3 * step),
          dst,
          32,
        );
        const r1 = r0 + r4;
        transpose4x4Store(
          v128.load(r1),
          v128.load(r1 + step),
          v128.load(r1 + 2 * step),
          v128.load(r1 + 3 * step),
          dst + 16,
          32,
        );
        r0 += 16;
        dst += 128;
      }
      for (; p < kc; p++) {
        for (let col = 0; col < NR; col++) {
          store<f32>(dst + ((<usize>col) << 2), load<f32>(r0 + <usize>col * step));
        }
        r0 += 4;
        dst += 32;
      }
    } else if (transB) {
      // Edge panel of stored B (n×k): read each stored row contiguously, write it down one column.
      for (let col = 0; col < NR; col++) {
        let dst = panel + ((<usize>col) << 2);
        if (col < cols) {
          let src = ptr(b, (j + col) * ldb + p0);
          for (let p = 0; p < kc; p++) {
            store<f32>(dst, load<f32>(src));
            src += 4;
            dst += 32;
          }
        } else {
          for (let p = 0; p < kc; p++) {
            store<f32>(dst, 0);
            dst += 32;
          }
        }
      }
    } else {
      let dst = panel;
      for (let p = 0; p < kc; p++) {
        const row = ptr(b, (p0 + p) * ldb + j);
        for (let col = 0; col < NR; col++) {
          store<f32>(dst + ((<usize>col) << 2), col < cols ? load<f32>(row + ((<usize>col) << 2)) : 0);
        }
        dst += 32;
      }
    }
  }
}

// C[4×8] = alpha·(A panel · B panel) + beta·C, with beta = 0 ignoring C's old contents. Eight f32x4
// accumulators plus two B vectors and one A splat fit V8's 15 xmm registers without spilling; the k
// loop is left for TurboFan to unroll (a hand unroll spilled). Inlined into computeChunk: as a call it
// ran at 0.77 of the bare loop's speed, inlined at 0.9 (measured side by side).
@inline function microKernel(
  aPanel: usize,
  bPanel: usize,
  bStep: usize,
  kc: i32,
  c: usize,
  ldc: i32,
  rows: i32,
  cols: i32,
  alpha: f32,
  beta: f32,
  tile: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let ap = aPanel;
  let bp = bPanel;
  // The A pointer doubles as the loop counter: one add fewer per step of k.
  const aEnd = aPanel + ((<usize>kc) << 4);
  while (ap < aEnd) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load32_splat(ap);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(ap, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(ap, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(ap, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    ap += 16;
    bp += bStep;
  }
  const va = f32x4.splat(alpha);
  if (rows === MR && cols === NR) {
    const step = (<usize>ldc) << 2;
    storeRow(c, c00, c01, va, beta);
    storeRow(c + step, c10, c11, va, beta);
    storeRow(c + 2 * step, c20, c21, va, beta);
    storeRow(c + 3 * step, c30, c31, va, beta);
    return;
  }
  // Edge tile: spill to the thread's scratch tile, then update only the rows and columns inside C.
  v128.store(tile, f32x4.mul(c00, va));
  v128.store(tile, f32x4.mul(c01, va), 16);
  v128.store(tile, f32x4.mul(c10, va), 32);
  v128.store(tile, f32x4.mul(c11, va), 48);
  v128.store(tile, f32x4.mul(c20, va), 64);
  v128.store(tile, f32x4.mul(c21, va), 80);
  v128.store(tile, f32x4.mul(c30, va), 96);
  v128.store(tile, f32x4.mul(c31, va), 112);
  for (let r = 0; r < rows; r++) {
    const row = c + ((<usize>r * <usize>ldc) << 2);
    for (let col = 0; col < cols; col++) {
      const at = row + ((<usize>col) << 2);
      const value = load<f32>(tile + ((<usize>(r * NR + col)) << 2));
      store<f32>(at, beta === 0 ? value : value + beta * load<f32>(at));
    }
  }
}

@inline function storeRow(c: usize, lo: v128, hi: v128, va: v128, beta: f32): void {
  if (beta === 0) {
    v128.store(c, f32x4.mul(lo, va));
    v128.store(c, f32x4.mul(hi, va), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c, f32x4.add(f32x4.mul(lo, va), f32x4.mul(v128.load(c), vb)));
    v128.store(c, f32x4.add(f32x4.mul(hi, va), f32x4.mul(v128.load(c, 16), vb)), 16);
  }
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

@inline function update1(c: usize, acc: f32, alpha: f32, beta: f32): void {
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

/** C = beta·C for an m×n block (k = 0 or alpha = 0); beta = 0 writes zeros whatever C held. */
export function scaleC(m: i32, n: i32, beta: f32, c: i32, ldc: i32): void {
  for (let i = 0; i < m; i++) {
    const row = ptr(c, i * ldc);
    for (let j = 0; j < n; j++) {
      const at = row + ((<usize>j) << 2);
      store<f32>(at, beta === 0 ? 0 : beta * load<f32>(at));
    }
  }
}
