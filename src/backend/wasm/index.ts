// The WebAssembly SIMD backend: the AssemblyScript kernels behind the Backend interface, with tensors
// allocated in wasm memory and a thread pool for large products and large parallel-for kernels.

import type { Backend } from '../backend.js';
import { wasmConv2d } from './conv2d.js';
import { wasmElementwise } from './elementwise.js';
import { wasmGemm } from './gemm.js';
import { wasmIm2col } from './im2col.js';
import { WasmHeap } from './memory.js';
import {
  compileWasmRuntime,
  loadWasmRuntime,
  type SimdChoice,
  simdSupported,
  type WasmRuntime,
  type WasmSource,
} from './module.js';
import type { PlacementPolicy } from './placement.js';
import { wasmPool } from './pool.js';
import { ThreadPool } from './thread_pool.js';

/** The wasm backend plus what it owns: its heap (where tensors should live) and its threads. */
export interface WasmBackend extends Backend {
  readonly runtime: WasmRuntime;
  readonly heap: WasmHeap;
  /** Threads large kernels run on (1 when shared memory or worker threads are unavailable). */
  readonly threads: number;
  /** The thread pool: its measured core-to-core round trip and its placement rules (`pool.policy`). */
  readonly pool: ThreadPool;
  /** Zero-filled Float32Array in wasm memory; install with `setFloat32Allocator` to place tensors there. */
  allocate(size: number): Float32Array;
  /** Zero-filled Int32Array in wasm memory; install with `setInt32Allocator` (max pooling's argmax). */
  allocateInt32(size: number): Int32Array;
  /** Stops the worker threads. */
  close(): Promise<void>;
}

export interface WasmBackendOptions {
  /** Threads for large products, main thread included; default 1. */
  threads?: number;
  /** Kernels already compiled and instantiated (`compileWasmRuntime`); default: load them now. */
  runtime?: WasmRuntime;
  /** Which build to load when `runtime` is not given: 'relaxed', 'simd128' or 'auto' (the default). */
  simd?: SimdChoice;
  /** Placement rules to change from DEFAULT_PLACEMENT (placement.ts); the pool keeps them in `pool.policy`. */
  placement?: Partial<PlacementPolicy>;
}

/** True when the wasm backend can run here (WebAssembly SIMD128 exists). */
export function wasmBackendAvailable(): boolean {
  return simdSupported();
}

/**
 * Compiles the kernels, makes a heap in wasm memory and starts `threads − 1` workers.
 * Throws when WebAssembly SIMD128 or the compiled .wasm file is missing.
 *
 * @example
 * const wasm = createWasmBackend({ threads: 2 });
 * setBackend(wasm);
 * setFloat32Allocator(wasm.allocate); // tensors made from now on live in wasm memory
 * setInt32Allocator(wasm.allocateInt32); // and integer buffers (max pooling's argmax)
 */
export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  const runtime = options.runtime ?? loadWasmRuntime(options.simd);
  const heap = new WasmHeap(runtime.memory, runtime.layout.heapBase, runtime.maximumPages);
  const pool = new ThreadPool(runtime, options.threads ?? 1, options.placement);
  const host = { kernels: runtime.kernels, heap, pool };
  const backend: WasmBackend = {
    name: 'wasm',
    runtime,
    heap,
    threads: pool.threads,
    pool,
    gemm: wasmGemm(host),
    ...wasmIm2col(host),
    ...wasmConv2d(host),
    ...wasmPool(host),
    ...wasmElementwise(host),
    allocate: (size) => heap.allocate(size),
    allocateInt32: (size) => heap.allocateInt32(size),
    close: () => pool.close(),
  };
  warmUp(backend);
  return backend;
}

/**
 * `createWasmBackend` with the kernels compiled asynchronously: for browsers (see
 * `compileWasmRuntime`), where there are no worker_threads, so the backend runs on one thread.
 *
 * @example
 * setBackend(await loadWasmBackend()); // fetches zerodl.wasm beside the module
 */
export async function loadWasmBackend(
  options: Omit<WasmBackendOptions, 'runtime'> & { source?: WasmSource } = {},
): Promise<WasmBackend> {
  const runtime = await compileWasmRuntime(options.source, options.simd);
  return createWasmBackend({ threads: options.threads, runtime, placement: options.placement });
}

// V8 first runs wasm in its baseline compiler (about 1/8 speed); run every path a few times so the
// optimising tier is in place before anything is timed.
function warmUp(backend: WasmBackend): void {
  const size = 64;
  const a = backend.allocate(size * size);
  const b = backend.allocate(size * size);
  const c = backend.allocate(size * size);
  for (let round = 0; round < 20; round++) {
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      backend.gemm(transA, transB, size, size, size, 1, a, 0, size, b, 0, size, 1, c, 0, size); // [64,64]·[64,64]
      backend.gemm(transA, transB, 1, size, size, 1, a, 0, size, b, 0, size, 1, c, 0, size); // [1,64]·[64,64]
      backend.gemm(transA, transB, 4, size, size, 1, a, 0, size, b, 0, size, 0, c, 0, size); // [4,64]·[64,64]
    }
    // a direct 3×3 convolution, pad 1: 4 channels of 16×16 → 8 filters (W [8, 4, 3, 3] from a, b [8])
    backend.conv2d(1, 4, 16, 16, 8, 3, 1, 1, b, 0, a, c, c, 1024);
    // and its weight gradient: dy [1, 8, 16, 16] from c, dW [8, 4, 3, 3] into a
    backend.conv2dWeightGrad(1, 4, 16, 16, 8, 3, 1, 1, b, 0, c, 1024, a);
    // and its input gradient: dx [1, 4, 16, 16] into b
    backend.conv2dInputGrad(1, 4, 16, 16, 8, 3, 1, 1, c, 1024, a, b, 0);
  }
}
