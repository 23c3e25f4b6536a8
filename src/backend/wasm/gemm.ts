// The wasm backend's gemm: validates, finds (or copies in) the operands in wasm memory, and picks the
// streaming kernel (few rows), the zero-skipping sparse-rows kernel (mostly-zero A) or the packed kernel,
// on one thread or shared with the thread pool.

import type { Backend } from '../backend.js';
import { checkGemmArguments } from '../checks.js';
import { callKernel } from './call.js';
import type { KernelHost } from './host.js';

/** At most this many rows of C: stream B in place (packing would cost more than it saves). */
const STREAMING_ROWS = 8;
/**
 * At most this deep (k): stream too when B is not transposed; e.g. dW = xᵀ·dy at batch 1 is an outer
 * product, k = 1. (With B transposed the streaming kernel takes dot products, slow for tiny k: the
 * packed kernel runs dx = dy·Wᵀ of a 3-output layer, 100×3 · 3×100, about 5× faster.)
 */
const STREAMING_DEPTH = 4;
/**
 * A product with B not transposed, more than STREAMING_ROWS rows and at least SPARSE_FLOPS flops counts
 * the nonzeros of A (8 µs for 100×784, 80 µs for 1000×784; a dense A stops the count after a quarter of
 * its rows); at most SPARSE_DENSITY of them nonzero, it skips the zeros (setupSparseRows) instead of
 * packing. MNIST images are 17–19% nonzero: x·W1 and xᵀ·dy
 * then do a fifth of the multiply-adds. The zero-skipping kernel runs at about 22 GFLOP/s of useful
 * work on one thread against the packed kernel's 46 (1000×784 MNIST · 784×500: 6.0 vs 16.5 ms), so it
 * pays below about 45% nonzeros; the threshold keeps a margin.
 */
const SPARSE_FLOPS = 4e6;
const SPARSE_DENSITY = 0.25;
// Whether and how a product is shared with the threads: host.pool.policy (placement.ts).

/**
 * The wasm backend's gemm: C = alpha·op(A)·op(B) + beta·C on the wasm kernels; same contract as
 * `Backend.gemm`, except that the one-row streaming kernel, used for single rows and for mostly-zero A,
 * skips zeros of A (as reference BLAS skips zeros of B), so 0·Inf there gives 0, not NaN. Arrays
 * outside wasm memory are copied into scratch space first (correct, but slower: keep tensors in wasm
 * memory), so there is no reference fallback.
 */
export function wasmGemm(host: KernelHost): Backend['gemm'] {
  return callKernel(host, 'gemm', {
    // biome-ignore format: arguments grouped as (transposes, sizes), alpha, (A), (B), beta, (C)
    check: (transA, transB, m, n, k, _alpha, a, aOffset, lda, b, bOffset, ldb, _beta, c, cOffset, ldc) =>
      checkGemmArguments(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc),
    run: (...args) => placeGemm(host, ...args),
  });
}

// Picks the kernel and the threads for a checked product, copies foreign operands in and runs it.
function placeGemm(
  host: KernelHost,
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
  if (m === 0 || n === 0) return;
  const { heap, pool } = host;
  const policy = pool.policy;
  const kernels = host.kernels;
  const flops = 2 * m * n * k;
  const sparseLimit = Math.floor(SPARSE_DENSITY * m * k);
  const sparseCandidate =
    !transB &&
    m > STREAMING_ROWS &&
    k > STREAMING_DEPTH &&
    alpha !== 0 &&
    flops >= SPARSE_FLOPS &&
    heap.contains(a);
  const nonzeros = sparseCandidate
    ? kernels.countNonzeros(transA ? k : m, transA ? m : k, a.byteOffset + aOffset * 4, lda, sparseLimit)
    : -1;
  const sparse = sparseCandidate && nonzeros <= sparseLimit;
  // The multiply-adds done (a sparse-rows product skips those of A's zeros), by which the pool decides
  // whether to share a packed or sparse product while the cores are far apart (useWorkers). Streaming
  // products (m ≤ 8) mostly read weights that nothing wrote since the last call, so sharing them moves
  // no data between the cores; they are not counted against that rule.
  const usefulFlops = sparse ? 2 * nonzeros * n : m > STREAMING_ROWS ? flops : Number.POSITIVE_INFINITY;
  const packed = m > STREAMING_ROWS && (k > STREAMING_DEPTH || transB) && k > 0 && alpha !== 0 && !sparse;
  // A packed product with a small C and a long k may be split along k (policy.splitDepth…).
  const depthCandidate = packed && k >= policy.splitDepth && m * n <= policy.splitDepthArea;
  const parallel =
    k > 0 &&
    alpha !== 0 &&
    (flops >= policy.gemmParallelFlops || (depthCandidate && flops >= policy.splitDepthFlops)) &&
    pool.useWorkers(usefulFlops);
  // A parallel streaming product with few rows and B not transposed is split along k, so that each
  // thread reads whole rows of B in order; its chunks' m×n partial products need scratch space.
  const streamingDepth =
    parallel && !packed && !sparse && !transB && k > STREAMING_DEPTH
      ? Math.ceil(k / (policy.streamingDepthChunksPerThread * pool.threads) / 4) * 4
      : 0;
  const partialsBytes = streamingDepth > 0 ? align(Math.ceil(k / streamingDepth) * m * n * 4) : 0;
  // a sparse-rows product's rows per chunk, and each thread's nonzero lists and counts (setupSparseRows)
  const sparseRows = Math.min(
    policy.sparseMaxChunkRows,
    parallel ? Math.ceil(m / (policy.sparseChunksPerThread * pool.threads)) : m,
  );
  const sparseListBytes = align(pool.threads * sparseRows * k * 8);
  const sparseBytes = sparse ? sparseListBytes + align(pool.threads * sparseRows * 4) : 0;
  const depthSplits = parallel && depthCandidate ? pool.threads : 0;
  // Scratch: [packed A | packed B, partial products or sparse lists | packed partial products | copies of foreign
  // A, B, C], 64-byte aligned.
  const packABytes = packed ? align(Math.ceil(m / 4) * 4 * k * 4) : 0;
  const packBBytes = packed ? align(k * Math.ceil(n / 8) * 8 * 4) : Math.max(partialsBytes, sparseBytes);
  const depthPartialsBytes = align(depthSplits * m * n * 4);
  const aSpan = k === 0 ? 0 : span(transA ? k : m, transA ? m : k, lda);
  const bSpan = k === 0 ? 0 : span(transB ? n : k, transB ? k : n, ldb);
  const cSpan = span(m, n, ldc);
  const copyA = !heap.contains(a);
  const copyB = !heap.contains(b);
  const copyC = !heap.contains(c);
  const aCopyAt = packABytes + packBBytes + depthPartialsBytes;
  const bCopyAt = aCopyAt + (copyA ? align(aSpan * 4) : 0);
  const cCopyAt = bCopyAt + (copyB ? align(bSpan * 4) : 0);
  const scratchBytes = cCopyAt + (copyC ? align(cSpan * 4) : 0);
  const scratch = scratchBytes > 0 ? heap.scratch(scratchBytes) : 0;
  const memory = copyA || copyB || copyC ? heap.floats() : undefined;
  const aAddress = place(memory, a, aOffset, aSpan, copyA, scratch + aCopyAt);
  const bAddress = place(memory, b, bOffset, bSpan, copyB, scratch + bCopyAt);
  // All of C's span goes in, so that the copy back leaves elements between its rows (ldc > n) intact.
  const cAddress = place(memory, c, cOffset, cSpan, copyC, scratch + cCopyAt);
  const tA = transA ? 1 : 0;
  const tB = transB ? 1 : 0;
  if (k === 0 || alpha === 0) {
    kernels.scaleC(m, n, beta, cAddress, ldc);
  } else if (sparse) {
    // biome-ignore format: arguments grouped as (transA, m, n, k), (alpha, A), (B), (beta, C), (chunks, lists, counts)
    kernels.setupSparseRows(tA, m, n, k,
      alpha, aAddress, lda,
      bAddress, ldb,
      beta, cAddress, ldc, sparseRows, scratch + packABytes, scratch + packABytes + sparseListBytes);
    if (parallel) pool.runPacked(kernels);
    else kernels.runPacked();
  } else if (!packed) {
    if (streamingDepth > 0 || (parallel && n >= 2 * policy.streamingChunkCols)) {
      // Shared by the threads: along k when B is not transposed (e.g. 1×9216 · 9216×256: each thread
      // streams whole rows of B for its ranges of k, into partial products that finishSplitK adds),
      // otherwise in column ranges of C (stored-transposed B: each column of C reads one stored row).
      const splitK = streamingDepth > 0;
      // biome-ignore format: arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C), (split)
      kernels.setupStreaming(tA, tB, m, n, k,
        alpha, aAddress, lda,
        bAddress, ldb,
        beta, cAddress, ldc,
        splitK ? streamingDepth : policy.streamingChunkCols, splitK ? scratch + packABytes : 0);
      pool.runPacked(kernels);
      if (splitK) kernels.finishSplitK();
    } else {
      kernels.gemmSmall(tA, tB, m, n, k, alpha, aAddress, lda, bAddress, ldb, beta, cAddress, ldc);
    }
  } else {
    kernels.setupPacked(
      tA,
      tB,
      m,
      n,
      k,
      alpha,
      aAddress,
      lda,
      bAddress,
      ldb,
      beta,
      cAddress,
      ldc,
      scratch,
      scratch + packABytes,
    );
    if (parallel && transB && m <= policy.packBLocalRows && depthSplits === 0) {
      kernels.packBInCompute(policy.packBLocalChunksPerThread * pool.threads);
      pool.runPacked(kernels);
    } else if (parallel) {
      kernels.splitForThreads(policy.gemmChunksPerThread * pool.threads);
      const splitK =
        depthSplits > 0 && kernels.computeChunks() < policy.splitDepthChunksPerThread * pool.threads;
      if (splitK) kernels.splitDepth(depthSplits, scratch + packABytes + packBBytes);
      pool.runPacked(kernels);
      if (splitK) kernels.finishSplitK();
    } else {
      kernels.runPacked();
    }
  }
  if (copyC && memory !== undefined) {
    const cElement = cAddress / 4;
    c.set(memory.subarray(cElement, cElement + cSpan), cOffset);
  }
}

// The byte address of an operand: where it lies in wasm memory, or its copy at `at` in scratch.
function place(
  memory: Float32Array | undefined,
  array: Float32Array,
  offset: number,
  length: number,
  copy: boolean,
  at: number,
): number {
  if (!copy || memory === undefined) return array.byteOffset + offset * 4;
  memory.set(array.subarray(offset, offset + length), at / 4);
  return at;
}

// Elements a rows×cols matrix with row stride ld occupies from its first to its last element.
function span(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}
