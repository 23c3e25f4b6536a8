// What a wasm wrapper needs to run a kernel: the calling thread's instance of the module (its exports),
// the heap the tensors live in, and the thread pool. One per backend (createWasmBackend).

import type { WasmKernels } from './kernels.js';
import type { WasmHeap } from './memory.js';
import type { ThreadPool } from './thread_pool.js';

/**
 * The kernel host: the module's exports on this thread, the wasm heap (arrays inside it are passed by
 * address; scratch space for packing and copies) and the threads that share parallel jobs.
 *
 * @example
 * const host: KernelHost = { kernels: runtime.kernels, heap, pool };
 * const { conv2d } = wasmConv2d(host);
 */
export interface KernelHost {
  readonly kernels: WasmKernels;
  readonly heap: WasmHeap;
  readonly pool: ThreadPool;
}
