// Where the wasm backend's work runs: every rule that decides which kernels are shared with the thread
// pool, into how many chunks, and when the pool holds back (after stalls, or while the two vCPUs sit far
// apart), as one plain object. The defaults below are the measured ones; a backend takes a copy
// (createWasmBackend's `placement` option), and tests and benches switch rules off on `pool.policy`.
// Which kernel computes a product (streaming, sparse rows, packed) is not placement: gemm.ts decides it.

/** The placement rules of one thread pool (ThreadPool.policy); all numbers plain, all switches booleans. */
export interface PlacementPolicy {
  // Parallel-for jobs (assembly/parallel.ts: im2col, pooling, activations, bias, batch norm, updates).
  /** Below about this many floats read or written, a parallel-for job stays on one thread. */
  parallelFloats: number;
  /** Chunks per thread of a parallel-for job: a descheduled thread then holds back only a small part. */
  chunksPerThread: number;

  // Backoff after stalls (StallBackoff).
  /**
   * Large products run on one thread for a while after a parallel one stalled on a descheduled worker:
   * `firstBackoffCalls` after a lone stall, `repeatedBackoffCalls` after the second stall in a row, twice
   * as many after each further one, at most `maxBackoffCalls`. A lone stall is mostly a hiccup of the
   * host (on these virtual machines one comes every 100–300 ms and costs a call 2–5 ms), after which two
   * threads are at once faster again; stalls in a row mean another process holds a core. (Backing off 32
   * calls after every stall ran 5–15% of an idle machine's calls at half speed: gemm_512 on two threads
   * fell from 103 to 52 GFLOP/s in some runs.)
   */
  firstBackoffCalls: number;
  repeatedBackoffCalls: number;
  maxBackoffCalls: number;
  /**
   * A wait for the workers shorter than this is not a stall, however small the job: waking a sleeping
   * worker takes 20–50 µs, while a worker descheduled by another process costs milliseconds (a time slice).
   */
  stallFloorMs: number;

  // The far-cores rule.
  /**
   * Whether the pool shares less while the cores are far apart (off for comparisons). Where the
   * hypervisor puts the two vCPUs changes within minutes on these machines: on cores that share an L3
   * (a round trip between them of about 130 ns) or on cores that do not (about 520 ns). Far apart, every
   * shared job first pulls the data the other core wrote last across, at a few GB/s: the seed network's
   * batch-100 training step took 2.85 ms on two threads against 2.16 ms on one (1.36 ms on two when
   * near), while the conv bench's step still gained from two threads (21.9 ms against 35). So the pool
   * measures the round trip now and then (the shortest of `probeRoundTrips` right after every
   * `probeEvery`-th shared job, while worker 1 polls), and while it is above `farRoundTripNs` shares only
   * products of at least `farParallelFlops` useful flops and no optimizer update below
   * `farUpdateFloats` (activations are shared as before: with two-ended claims each thread reads back
   * the part of a feature map it wrote; restricting them too cost the conv step 3% more and the MLP
   * step nothing).
   */
  farCores: boolean;
  farRoundTripNs: number;
  farParallelFlops: number;
  farUpdateFloats: number;
  probeRoundTrips: number;
  probeEvery: number;
  /** How long (in polls, about 10–30 µs) a probe waits for worker 1 to answer before giving up. */
  probeSpins: number;

  /**
   * Whether the two threads of a two-thread pool claim chunks from opposite ends (chunkOf in
   * thread_pool.ts), so that each mostly takes the same chunks call after call (off for comparisons).
   */
  twoEnded: boolean;

  // Products (gemm.ts).
  /** Below this many flops a product stays on one thread: waking a worker costs about 1–20 µs. */
  gemmParallelFlops: number;
  /**
   * Compute chunks per thread a parallel product is split into at least (when C is large enough): the
   * thread that finishes first waits at most one chunk for the other, but smaller blocks re-read packed
   * panels more often. At 2 threads, 3 (x·W1 at batch 100 keeps its 8 blocks of 52×128) beat 8 (21
   * blocks of 36×72): 100×500×784 median 1.05–1.10 vs 1.13–1.14 ms; the other bench shapes unchanged.
   */
  gemmChunksPerThread: number;
  /**
   * A parallel packed product whose C splits into fewer compute chunks than `splitDepthChunksPerThread`
   * per thread is split along k too (each thread's depth range into a partial m×n product, summed by
   * finishSplitK), when k is at least `splitDepth` and C at most `splitDepthArea` elements: the conv
   * weight gradients dW = dY·columnsᵀ, e.g. 32×144 · (144×2304)ᵀ. Such products are shared from
   * `splitDepthFlops` flops (rather than gemmParallelFlops): 16×9 · (9×9216)ᵀ, 2.7 Mflop, 143 → 81–84 µs
   * min on 2 threads.
   */
  splitDepthChunksPerThread: number;
  splitDepth: number;
  splitDepthArea: number;
  splitDepthFlops: number;
  /**
   * Chunks per thread of a parallel sparse-rows product, and at most this many rows per chunk: the
   * scratch for the nonzero lists is threads × rows × 8k bytes (3.2 MB at k = 784 on two threads),
   * however many images a batch has.
   */
  sparseChunksPerThread: number;
  sparseMaxChunkRows: number;
  /**
   * A parallel packed product with B transposed and at most `packBLocalRows` rows is split by columns
   * only, each compute chunk packing its own column block of B (packBInCompute), in
   * `packBLocalChunksPerThread` chunks per thread.
   */
  packBLocalRows: number;
  packBLocalChunksPerThread: number;
  /** Columns of C per chunk when threads share a streaming product (a multiple of 8, the kernel's width). */
  streamingChunkCols: number;
  /** Depth chunks per thread when threads share a streaming product along k. */
  streamingDepthChunksPerThread: number;
}

/** The measured defaults (see each field); frozen: a pool takes a copy. */
export const DEFAULT_PLACEMENT: Readonly<PlacementPolicy> = Object.freeze({
  parallelFloats: 1 << 15,
  chunksPerThread: 4,
  firstBackoffCalls: 2,
  repeatedBackoffCalls: 32,
  maxBackoffCalls: 256,
  stallFloorMs: 0.25,
  farCores: true,
  farRoundTripNs: 300,
  farParallelFlops: 2e7,
  farUpdateFloats: 1 << 22,
  probeRoundTrips: 16,
  probeEvery: 64,
  probeSpins: 20_000,
  twoEnded: true,
  gemmParallelFlops: 4e6,
  gemmChunksPerThread: 3,
  splitDepthChunksPerThread: 2,
  splitDepth: 512,
  splitDepthArea: 1 << 15,
  splitDepthFlops: 1e6,
  sparseChunksPerThread: 4,
  sparseMaxChunkRows: 256,
  packBLocalRows: 128,
  packBLocalChunksPerThread: 4,
  streamingChunkCols: 32,
  streamingDepthChunksPerThread: 4,
});
