// A pool of worker threads that share the kernels' memory and run two kinds of job: the packed GEMM
// (pack chunks, then compute chunks) and parallel-for kernels (assembly/parallel.ts: im2col, pooling,
// activations …). Chunks are handed out by Atomics.add on shared counters, so a descheduled thread
// delays nothing but its current chunk.

import type { WasmKernels } from './kernels.js';
import { instantiateKernels, nodeBuiltin, type WasmRuntime } from './module.js';
import { DEFAULT_PLACEMENT, type PlacementPolicy } from './placement.js';

// Control words (Int32 indices from the module's CONTROL_ADDRESS), used by the main thread and serveJobs.
const GENERATION = 0;
const PACK_CLAIM = 1;
const PACK_DONE = 2;
const COMPUTE_CLAIM = 3;
const COMPUTE_DONE = 4;
const PACK_TOTAL = 5;
const COMPUTE_TOTAL = 6;
/** Which job the compute chunks belong to: PACKED_GEMM (computeChunk) or PARALLEL_FOR (parallelChunk). */
const JOB_KIND = 7;
const PACKED_GEMM = 0;
const PARALLEL_FOR = 1;
/** Worker w's state word is STATE + w: IDLE, BUSY (running a job) or WRITING (the main thread posts one). */
const STATE = 8;
const IDLE = 0;
const BUSY = 1;
const WRITING = 2;
/**
 * The main thread writes PING and worker 1 copies it to PONG while it polls for jobs: the pool's probe
 * of how far apart the two cores are (ThreadPool.coreRoundTripNs). Each word on its own cache line.
 */
const PING = 32;
const PONG = 48;
/** 1 when the two threads of a two-thread pool claim chunks from opposite ends (see chunkOf). */
const TWO_ENDED = 64;
/** Words the control block spans (CONTROL_ADDRESS .. CONTROL_ADDRESS + 4·CONTROL_WORDS). */
const CONTROL_WORDS = 128;

/** What a worker thread is started with. */
export interface WorkerSetup {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  controlAddress: number;
  /** 1, 2, …: the edge-tile scratch index; the main thread is 0. */
  thread: number;
}

/**
 * Claims pack chunks, waits until every pack chunk is done, then claims compute chunks: the same loop
 * on the main thread and in workers. A parallel-for job has no pack chunks.
 */
function takePart(kernels: WasmKernels, control: Int32Array, thread: number): void {
  const packTotal = Atomics.load(control, PACK_TOTAL);
  const computeTotal = Atomics.load(control, COMPUTE_TOTAL);
  const twoEnded = Atomics.load(control, TWO_ENDED) === 1;
  let own = 0; // chunks this thread has claimed in the current phase
  if (Atomics.load(control, JOB_KIND) === PARALLEL_FOR) {
    for (let claim = Atomics.add(control, COMPUTE_CLAIM, 1); claim < computeTotal; ) {
      kernels.parallelChunk(chunkOf(claim, own++, computeTotal, thread, twoEnded));
      Atomics.add(control, COMPUTE_DONE, 1);
      claim = Atomics.add(control, COMPUTE_CLAIM, 1);
    }
    return;
  }
  for (let claim = Atomics.add(control, PACK_CLAIM, 1); claim < packTotal; ) {
    kernels.packChunk(chunkOf(claim, own++, packTotal, thread, twoEnded));
    Atomics.add(control, PACK_DONE, 1);
    claim = Atomics.add(control, PACK_CLAIM, 1);
  }
  // Another thread may be finishing a pack chunk that this one's compute chunks read.
  waitUntilAtLeast(control, PACK_DONE, packTotal);
  own = 0;
  for (let claim = Atomics.add(control, COMPUTE_CLAIM, 1); claim < computeTotal; ) {
    kernels.computeChunk(chunkOf(claim, own++, computeTotal, thread, twoEnded), thread);
    Atomics.add(control, COMPUTE_DONE, 1);
    claim = Atomics.add(control, COMPUTE_CLAIM, 1);
  }
}

/**
 * The chunk that a thread's `own`-th claim of a phase (the job's `claim`-th) stands for. In claim order,
 * or with two threads from opposite ends: thread 0 from the first chunk up, thread 1 from the last down.
 * Each claim still takes one of the `total` chunks (a thread may take more than half when the other is
 * slow), and no chunk twice: thread 0 has taken chunks 0 … a − 1, thread 1 chunks total − b … total − 1,
 * with a + b claims ≤ total. But call after call, each thread now mostly takes the same chunks, and so
 * writes the same rows of C or the same part of an array: the next call, and the next job that splits
 * the same array the same way (an optimizer update after the gemm that wrote its gradient), find them in
 * that thread's own caches. That matters when the two vCPUs share no L3 (see PlacementPolicy.farCores).
 */
export function chunkOf(
  claim: number,
  own: number,
  total: number,
  thread: number,
  twoEnded: boolean,
): number {
  if (!twoEnded) return claim;
  return thread === 0 ? own : total - 1 - own;
}

/**
 * Decides when large products skip the workers, from how the parallel calls before went: after a
 * stall, for `firstBackoffCalls` calls; after stalls in a row, `repeatedBackoffCalls`, then twice as
 * many each time, up to `maxBackoffCalls` (PlacementPolicy); a parallel call without a stall ends the
 * series.
 *
 * @example
 * const backoff = new StallBackoff();
 * backoff.record(true);   // a parallel call stalled
 * backoff.shareNext();    // false, twice; then true again
 */
export class StallBackoff {
  /** Calls still to run on one thread. */
  private remaining = 0;
  /** How long the next stall makes the backoff. */
  private next: number;

  constructor(private readonly policy: Readonly<PlacementPolicy> = DEFAULT_PLACEMENT) {
    this.next = policy.firstBackoffCalls;
  }

  /** Whether the next large product should be shared with the workers (counts down a backoff). */
  shareNext(): boolean {
    if (this.remaining === 0) return true;
    this.remaining--;
    return false;
  }

  /** Records whether a parallel call stalled, that is waited longer for a worker than it computed. */
  record(stalled: boolean): void {
    if (!stalled) {
      this.remaining = 0;
      this.next = this.policy.firstBackoffCalls;
      return;
    }
    const { firstBackoffCalls, repeatedBackoffCalls, maxBackoffCalls } = this.policy;
    this.remaining = this.next;
    this.next =
      this.next === firstBackoffCalls ? repeatedBackoffCalls : Math.min(2 * this.next, maxBackoffCalls);
  }
}

/** Which kind of parallel-for job: most kernels, or an optimizer update (a few operations per float). */
export type JobWeight = 'compute' | 'update';

/** How long a thread waits for another's chunk before concluding that the other thread has died. */
const STALL_LIMIT_MS = 30_000;

// Spins until control[index] ≥ target. A worker that crashed can never finish its chunk: after
// STALL_LIMIT_MS this throws rather than hanging the process.
function waitUntilAtLeast(control: Int32Array, index: number, target: number): void {
  if (Atomics.load(control, index) >= target) return;
  const start = performance.now();
  for (let spins = 1; Atomics.load(control, index) < target; spins++) {
    if ((spins & 0xfffff) === 0 && performance.now() - start > STALL_LIMIT_MS) {
      throw new Error(
        `wasm backend: a worker thread has not finished its part for ${STALL_LIMIT_MS / 1000} s`,
      );
    }
  }
}

/**
 * The main thread plus `threads − 1` persistent workers (Node worker_threads). Workers start
 * asynchronously; until one is running, the main thread simply claims every chunk itself.
 *
 * @example
 * const pool = new ThreadPool(runtime, 2);
 * runtime.kernels.setupPacked(...); pool.runPacked(runtime.kernels);
 * pool.runParallel(runtime.kernels, runtime.kernels.setupIm2col(..., pool.chunksFor(floats)));
 */
export class ThreadPool {
  readonly threads: number;
  private readonly control: Int32Array;
  /** The placement rules (placement.ts): the defaults unless the backend was given others. */
  readonly policy: PlacementPolicy;
  /** When large products run on one thread after stalled parallel ones (see useWorkers). */
  private readonly backoff: StallBackoff;
  private readonly workers: { terminate(): Promise<number> }[] = [];
  private roundTripNs = 0;
  private pings = 0;
  private jobs = 0;
  private probeUnanswered = false;

  constructor(runtime: WasmRuntime, threads: number, policy: Partial<PlacementPolicy> = {}) {
    this.policy = { ...DEFAULT_PLACEMENT, ...policy };
    this.backoff = new StallBackoff(this.policy);
    this.control = new Int32Array(runtime.memory.buffer, runtime.layout.controlAddress, CONTROL_WORDS);
    const workerThreads = nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
    const usable = runtime.shared && workerThreads !== undefined ? threads : 1;
    this.threads = Math.max(1, Math.min(usable, CONTROL_WORDS - STATE, 16));
    for (let thread = 1; thread < this.threads && workerThreads !== undefined; thread++) {
      const workerData: WorkerSetup = {
        module: runtime.module,
        memory: runtime.memory,
        controlAddress: runtime.layout.controlAddress,
        thread,
      };
      const worker = new workerThreads.Worker(new URL('./worker.js', import.meta.url), { workerData });
      worker.unref(); // an idle pool must not keep the process alive
      this.workers.push(worker);
    }
  }

  /**
   * Whether the next large product (`flops` useful flops, if it matters) should be shared with the
   * workers: not for a while after one in which the main thread waited longer for a worker than it
   * computed itself (another process holds the second core and descheduled the worker in the middle of
   * a chunk; one thread is then faster), and not below policy.farParallelFlops while the cores are far apart.
   */
  useWorkers(flops = Number.POSITIVE_INFINITY): boolean {
    if (this.threads === 1) return false;
    if (this.coresFar() && flops < this.policy.farParallelFlops) return false;
    return this.backoff.shareNext();
  }

  /** The core-to-core round trip measured last (ns; 0 before the first measurement). */
  get coreRoundTripNs(): number {
    return this.roundTripNs;
  }

  // True while the last probe found the cores far apart (policy.farRoundTripNs), unless switched off.
  private coresFar(): boolean {
    return this.policy.farCores && this.roundTripNs > this.policy.farRoundTripNs;
  }

  // Times policy.probeRoundTrips round trips to worker 1, which answers while it polls for the next job.
  // The shortest of the round trips: one that a descheduled thread made long says nothing of the cores.
  private probeCores(): void {
    const control = this.control;
    const { probeRoundTrips, probeSpins } = this.policy;
    let shortest = Number.POSITIVE_INFINITY;
    for (let trip = 0; trip < probeRoundTrips; trip++) {
      const value = ++this.pings;
      const start = performance.now();
      Atomics.store(control, PING, value);
      for (let spins = 0; Atomics.load(control, PONG) !== value; spins++) {
        if (spins > probeSpins) {
          this.probeUnanswered = true; // worker 1 is not polling yet: try again after the next job
          return;
        }
      }
      shortest = Math.min(shortest, performance.now() - start);
    }
    this.roundTripNs = shortest * 1e6;
    this.probeUnanswered = false;
  }

  /** Runs the job `kernels.setupPacked` described on every thread of the pool; returns when C is done. */
  runPacked(kernels: WasmKernels): void {
    this.run(kernels, PACKED_GEMM, kernels.packChunks(), kernels.computeChunks());
  }

  /**
   * How many chunks a parallel-for job touching about `floats` floats should be split into: 1 (run
   * the kernel directly on this thread) when it is small, when the workers are backing off, or for a
   * an optimizer update below policy.farUpdateFloats while the cores are far apart (placement.ts).
   */
  chunksFor(floats: number, weight: JobWeight = 'compute'): number {
    const policy = this.policy;
    if (weight === 'update' && this.coresFar() && floats < policy.farUpdateFloats) return 1;
    return floats >= policy.parallelFloats && this.useWorkers() ? this.threads * policy.chunksPerThread : 1;
  }

  /** Runs the parallel-for job a `kernels.setup…` call described, in `chunks` chunks, on every thread. */
  runParallel(kernels: WasmKernels, chunks: number): void {
    this.run(kernels, PARALLEL_FOR, 0, chunks);
  }

  // Posts a job, takes the main thread's part and waits for the workers' last chunks.
  private run(kernels: WasmKernels, kind: number, packTotal: number, computeTotal: number): void {
    const control = this.control;
    const start = performance.now();
    for (let w = 1; w < this.threads; w++) {
      while (Atomics.compareExchange(control, STATE + w, IDLE, WRITING) !== IDLE) {
        // Worker w is leaving the previous job (its chunks are done; it is only returning).
      }
    }
    Atomics.store(control, JOB_KIND, kind);
    Atomics.store(control, TWO_ENDED, this.threads === 2 && this.policy.twoEnded ? 1 : 0);
    Atomics.store(control, PACK_TOTAL, packTotal);
    Atomics.store(control, COMPUTE_TOTAL, computeTotal);
    Atomics.store(control, PACK_CLAIM, 0);
    Atomics.store(control, PACK_DONE, 0);
    Atomics.store(control, COMPUTE_CLAIM, 0);
    Atomics.store(control, COMPUTE_DONE, 0);
    for (let w = 1; w < this.threads; w++) Atomics.store(control, STATE + w, IDLE);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    const posted = performance.now();
    takePart(kernels, control, 0);
    const ownPartDone = performance.now();
    waitUntilAtLeast(control, COMPUTE_DONE, computeTotal); // a worker may be finishing its last chunk
    const waited = posted - start + (performance.now() - ownPartDone);
    this.backoff.record(waited > ownPartDone - posted && waited > this.policy.stallFloorMs);
    if (this.jobs++ % this.policy.probeEvery === 0 || this.probeUnanswered) this.probeCores();
  }

  /** Stops the workers (the pool is unusable afterwards). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** How long an idle worker polls for the next job before it sleeps. */
const SPIN_MS = 2;

/** Instantiates the kernels for a worker thread and serves jobs until terminated (worker.ts). */
export function serveJobs(setup: WorkerSetup): void {
  const kernels = instantiateKernels(setup.module, setup.memory);
  const control = new Int32Array(setup.memory.buffer, setup.controlAddress, CONTROL_WORDS);
  const state = STATE + setup.thread;
  // After a job, poll for SPIN_MS before sleeping: jobs come in bursts (a training step runs about a
  // hundred, with a little JavaScript between them), and waking from Atomics.wait costs 20–50 µs.
  let seen = Atomics.load(control, GENERATION);
  for (;;) {
    const idleSince = performance.now();
    for (let spins = 1; Atomics.load(control, GENERATION) === seen; spins++) {
      const ping = Atomics.load(control, PING);
      if (setup.thread === 1 && ping !== Atomics.load(control, PONG)) Atomics.store(control, PONG, ping);
      if ((spins & 1023) === 0 && performance.now() - idleSince > SPIN_MS) {
        Atomics.wait(control, GENERATION, seen);
      }
    }
    while (Atomics.compareExchange(control, state, IDLE, BUSY) !== IDLE) {
      // The main thread is writing a job.
    }
    seen = Atomics.load(control, GENERATION);
    takePart(kernels, control, setup.thread);
    Atomics.store(control, state, IDLE);
  }
}
