// The packed GEMM for large products: A packed into 4-row and B into 8-column k-major panels (B's panels
// are read in place when B is not transposed) and a 4×8 register-blocked micro-kernel; the job's setup
// and its splits for threads (by blocks of C, by columns with B packed per chunk, or along k).

import { madd, transpose4x4Store } from '../simd';
import {
  getI,
  J_A,
  J_ALPHA,
  J_B,
  J_B_IN_PLACE,
  J_BETA,
  J_C,
  J_COL_BLOCKS,
  J_K,
  J_K_BLOCKS,
  J_K_SPLITS,
  J_KC,
  J_KIND,
  J_LDA,
  J_LDB,
  J_LDC,
  J_M,
  J_M_PAD,
  J_MC,
  J_N,
  J_N_PAD,
  J_NC,
  J_PACK_A,
  J_PACK_B,
  J_PACK_B_LOCAL,
  J_PARTIALS,
  J_ROW_BLOCKS,
  J_TRANS_A,
  J_TRANS_B,
  KC,
  MC,
  MR,
  min,
  NC,
  NR,
  PACKED_JOB,
  ptr,
  roundUp,
  setF,
  setI,
} from './job';

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

// A k-major panel of 4 rows: element (row r, depth p) at panel[p·4 + r]; rows past m are zero.
export function packABlock(kb: i32, rowBlock: i32): void {
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
export function packBBlock(kb: i32, colBlock: i32): void {
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
@inline export function microKernel(
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

@inline export function storeRow(c: usize, lo: v128, hi: v128, va: v128, beta: f32): void {
  if (beta === 0) {
    v128.store(c, f32x4.mul(lo, va));
    v128.store(c, f32x4.mul(hi, va), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c, f32x4.add(f32x4.mul(lo, va), f32x4.mul(v128.load(c), vb)));
    v128.store(c, f32x4.add(f32x4.mul(hi, va), f32x4.mul(v128.load(c, 16), vb)), 16);
  }
}
