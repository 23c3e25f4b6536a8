// The GEMM job that threads share (assembly/gemm/): the fixed memory layout, the job descriptor every
// instance reads at JOB_ADDRESS, the micro-kernel's block sizes, and the chunk entry points the thread
// pool calls: packChunk, and computeChunk, which hands streaming and sparse-rows chunks to their files
// and runs the packed compute loop itself (kept here so that the micro-kernel inlines into it exactly
// as before the split); plus finishSplitK and scaleC.
//
// All pointers are byte addresses in the (imported, possibly shared) linear memory; leading dimensions
// and sizes count float32 elements. The packed path is split into chunks (pack chunks, then compute
// chunks) so that several threads, each with its own instance on the same memory, can claim them.

import { microKernel, packABlock, packBBlock } from './packed';
import { sparseRowsChunk } from './sparse_rows';
import { streamingChunk, update1 } from './streaming';

/** Where the job descriptor of the packed path lives: every instance (thread) reads the same one. */
export const JOB_ADDRESS: u32 = 64;
/** Per-thread 4×8 tiles for partial micro-tiles at the matrix edges (128 bytes each, 16 threads). */
export const TILE_ADDRESS: u32 = 1024;
/** Control words the JavaScript thread pool uses (generation, claim and done counters). */
export const CONTROL_ADDRESS: u32 = 512;
/** First byte the JavaScript allocator may hand out; below it is the fixed layout above. */
export const HEAP_BASE: u32 = 4096;

/** Micro-kernel rows (A panel height) and columns (B panel width). */
export const MR: i32 = 4;
export const NR: i32 = 8;
/** k-block depth: a B micro-panel (KC×NR floats = 8 KiB) stays in L1 while A panels stream. */
export const KC: i32 = 256;
/** Upper bounds of the rows and columns of C one compute chunk covers. */
export const MC: i32 = 128;
export const NC: i32 = 256;

// Job descriptor fields (i32 or f32 slots at JOB_ADDRESS).
export const J_TRANS_A: i32 = 0;
export const J_TRANS_B: i32 = 1;
export const J_M: i32 = 2;
export const J_N: i32 = 3;
export const J_K: i32 = 4;
export const J_ALPHA: i32 = 5;
export const J_A: i32 = 6;
export const J_LDA: i32 = 7;
export const J_B: i32 = 8;
export const J_LDB: i32 = 9;
export const J_BETA: i32 = 10;
export const J_C: i32 = 11;
export const J_LDC: i32 = 12;
export const J_PACK_A: i32 = 13;
export const J_PACK_B: i32 = 14;
export const J_MC: i32 = 15;
export const J_NC: i32 = 16;
export const J_ROW_BLOCKS: i32 = 17;
export const J_COL_BLOCKS: i32 = 18;
export const J_K_BLOCKS: i32 = 19;
export const J_M_PAD: i32 = 20;
export const J_N_PAD: i32 = 21;
export const J_KC: i32 = 22;
/** PACKED_JOB, STREAMING_JOB or SPARSE_ROWS_JOB: what computeChunk runs. */
export const J_KIND: i32 = 23;
/** Columns of C (or, split along k, depths) per chunk of a streaming job; rows of a sparse-rows job. */
export const J_CHUNK_SIZE: i32 = 24;
/**
 * Where a job split along k writes its partial products: a streaming job's depth chunks, or a packed
 * job's depth ranges (0: not split along k).
 */
export const J_PARTIALS: i32 = 25;
/** Depth ranges a packed job is split into (1: none; see splitDepth). */
export const J_K_SPLITS: i32 = 26;
/**
 * 1 when compute chunks read B's whole 8-column panels where B is stored (B not transposed) instead of
 * a packed copy: the micro-kernel loads 8 floats per step of k either way, ldb apart in place (the
 * stride prefetcher follows); only the edge panel is packed. Skips a copy of B (1.5 MB for 784×500),
 * which two threads otherwise wait on before computing.
 */
export const J_B_IN_PLACE: i32 = 27;
/** 1 when each compute chunk packs its own column block of B (see packBInCompute). */
export const J_PACK_B_LOCAL: i32 = 29;
/** Where a sparse-rows job keeps its rows' nonzero counts (its lists are at J_PARTIALS). */
export const J_SPARSE_COUNTS: i32 = 28;
export const PACKED_JOB: i32 = 0;
export const STREAMING_JOB: i32 = 1;
export const SPARSE_ROWS_JOB: i32 = 2;

@inline export function getI(field: i32): i32 {
  return load<i32>(JOB_ADDRESS + ((<u32>field) << 2));
}
@inline export function getF(field: i32): f32 {
  return load<f32>(JOB_ADDRESS + ((<u32>field) << 2));
}
@inline export function setI(field: i32, value: i32): void {
  store<i32>(JOB_ADDRESS + ((<u32>field) << 2), value);
}
@inline export function setF(field: i32, value: f32): void {
  store<f32>(JOB_ADDRESS + ((<u32>field) << 2), value);
}
@inline export function ptr(base: i32, index: i32): usize {
  return <usize>base + ((<usize>index) << 2);
}
@inline export function roundUp(value: i32, multiple: i32): i32 {
  return ((value + multiple - 1) / multiple) * multiple;
}
@inline export function min(x: i32, y: i32): i32 {
  return x < y ? x : y;
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
