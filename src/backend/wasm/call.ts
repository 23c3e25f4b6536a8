// The one way a wasm wrapper calls a kernel: check the arguments, run the reference kernel when an
// array lies outside the wasm heap (copying in would cost as much as the work itself), otherwise split
// the work into chunks and run them on the thread pool, or run the kernel here when that does not pay.

import type { Backend } from '../backend.js';
import type { KernelHost } from './host.js';
import type { JobWeight } from './thread_pool.js';

/** What every kernel call gives: its argument checks and, for kernels that need wasm memory, the fallback. */
interface KernelCallBase<Args extends unknown[]> {
  /** Throws a ShapeError before anything is touched (the reference kernels run their own checks). */
  check(...args: Args): void;
  /**
   * Whether every array the kernel touches lies in the wasm heap; the reference kernel runs when not.
   * Omitted: the kernel takes arrays from anywhere (gemm copies foreign ones into scratch).
   */
  inHeap?(...args: Args): boolean;
  /** The reference kernel, with the same contract: run when `inHeap` is false. */
  reference?(...args: Args): void;
}

/** A kernel that is one parallel-for job (assembly/parallel.ts) or one call on this thread. */
export interface ParallelForCall<Args extends unknown[]> extends KernelCallBase<Args> {
  /** Floats the kernel reads and writes: how the pool decides whether to split it (ThreadPool.chunksFor). */
  work(...args: Args): number;
  /** An optimizer update (a few operations per float) or an ordinary kernel (the default). */
  weight?: JobWeight;
  /** Whether the work can be split at all (e.g. more than one channel); default yes. */
  splittable?(...args: Args): boolean;
  /** Describes the job in `chunks` chunks (a `setup…` export); returns the chunk count. */
  setup(chunks: number, ...args: Args): number;
  /** Runs the whole kernel on this thread. */
  serial(...args: Args): void;
}

/**
 * A kernel that runs several jobs in a row (conv2d: pad, pack, compute) or places its work itself (gemm):
 * `run` does the work once the checks passed and the arrays are known to be usable.
 */
export interface StagedCall<Args extends unknown[]> extends KernelCallBase<Args> {
  run(...args: Args): void;
}

export type KernelCall<Args extends unknown[]> = ParallelForCall<Args> | StagedCall<Args>;

/**
 * The Backend method for a kernel: checks → in the wasm heap? (else the reference kernel) → chunks →
 * on the pool or on this thread. Made once per backend; each call allocates nothing beyond its
 * arguments.
 *
 * @example
 * const sgdUpdate = callKernel(host, 'sgdUpdate', {
 *   check: (w, g) => checkSameLengths('sgdUpdate', w, g),
 *   inHeap: (w, g) => heap.contains(w) && heap.contains(g),
 *   reference: reference.sgdUpdate,
 *   work: (w) => 2 * w.length,
 *   setup: (chunks, w, g, lr) => kernels.setupSgd(w.byteOffset, g.byteOffset, w.length, lr, chunks),
 *   serial: (w, g, lr) => kernels.sgdUpdate(w.byteOffset, g.byteOffset, w.length, lr),
 * });
 */
export function callKernel<Name extends KernelName>(
  host: KernelHost,
  name: Name,
  call: KernelCall<Parameters<Backend[Name]>>,
): Backend[Name] {
  return wrap(host, name, call) as Backend[Name];
}

/** The Backend's kernel methods. */
export type KernelName = Exclude<keyof Backend, 'name'>;

function wrap<Args extends unknown[]>(
  host: KernelHost,
  name: string,
  call: KernelCall<Args>,
): (...args: Args) => void {
  const { kernels, pool } = host;
  const { inHeap, reference } = call;
  if ((inHeap === undefined) !== (reference === undefined))
    throw new Error(`callKernel(${name}): give both inHeap and reference, or neither`);
  if ('run' in call) {
    const { check, run } = call;
    return (...args: Args) => {
      if (inHeap !== undefined && reference !== undefined && !inHeap(...args)) return reference(...args);
      check(...args);
      run(...args);
    };
  }
  const { check, work, weight = 'compute', splittable, setup, serial } = call;
  return (...args: Args) => {
    if (inHeap !== undefined && reference !== undefined && !inHeap(...args)) return reference(...args);
    check(...args);
    const chunks =
      splittable === undefined || splittable(...args) ? pool.chunksFor(work(...args), weight) : 1;
    if (chunks > 1) pool.runParallel(kernels, setup(chunks, ...args));
    else serial(...args);
  };
}

/**
 * Runs a parallel-for job that a `setup…` export described in `chunks` chunks (its return value): on the
 * pool, or here when it has a single chunk. For the stages of a StagedCall.
 */
export function runJob(host: KernelHost, chunks: number): void {
  if (chunks > 1) host.pool.runParallel(host.kernels, chunks);
  else host.kernels.parallelChunk(0);
}
