// WasmHeap: a size-class allocator over WebAssembly linear memory, so that tensors live where the
// kernels read them (no copy per call), plus scratch space for packing and for copying foreign arrays.

import { nodeBuiltin } from './module.js';

/** Bytes per WebAssembly page. */
const PAGE = 65536;
/** Blocks are 64-byte aligned: whole cache lines, and v128 loads never straddle one needlessly. */
const ALIGN = 64;
/** Size classes per doubling: a freed block serves any request of its class (at most 12.5% unused). */
const CLASSES_PER_DOUBLING = 8;

/** Thrown when WebAssembly memory cannot grow to hold an allocation. */
export class WasmMemoryError extends Error {
  override name = 'WasmMemoryError';
}

/**
 * Allocates Float32Arrays inside a WebAssembly.Memory. Blocks whose array has been garbage-collected
 * are reused by later allocations of the same size class. The engine does not see wasm memory as
 * memory pressure, so before the memory grows the heap asks for a full collection (Node) and takes
 * back every block whose array is gone. Arrays made during the current synchronous run stay alive
 * until it returns to the event loop (WeakRef semantics): a loop that allocates fresh tensors on
 * every iteration without yielding grows memory; layers and optimizers reuse theirs, so training
 * steps do not.
 *
 * Views: a shared memory keeps old views valid (at their old length) when it grows; an ordinary one
 * detaches them, so tensors are only placed here when the memory is shared. A `subarray` of a tensor's
 * data keeps its block alive only while the original array is reachable.
 *
 * @example
 * const heap = new WasmHeap(memory, 4096);
 * const data = heap.allocate(784); // zero-filled, data.byteOffset is its wasm address
 */
export class WasmHeap {
  private top: number;
  private readonly free = new Map<number, number[]>();
  private readonly buffers = new Set<ArrayBufferLike>();
  private bytes: Uint8Array;
  /** Every block handed out as an array, with a weak reference to the array. */
  private live: { array: WeakRef<Float32Array | Int32Array>; address: number; size: number }[] = [];
  private readonly collectGarbage = fullCollection();
  private scratchAddress = 0;
  private scratchSize = 0;

  /**
   * @param memory the module's memory
   * @param base the first byte the heap may use (below it is the module's fixed layout)
   * @param maximumPages the memory's declared maximum, for error messages and growth limits
   */
  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
    private readonly maximumPages: number,
  ) {
    this.top = roundUp(base, ALIGN);
    this.bytes = new Uint8Array(memory.buffer);
    this.buffers.add(memory.buffer);
  }

  /** True when `array` is a view of this memory (taken before or after any growth). */
  contains(array: { readonly buffer: ArrayBufferLike }): boolean {
    return this.buffers.has(array.buffer);
  }

  /** A zero-filled Float32Array of `size` elements inside wasm memory, freed when it is collected. */
  allocate(size: number): Float32Array {
    return this.allocateTyped(Float32Array, size);
  }

  /**
   * A zero-filled Int32Array of `size` elements inside wasm memory, freed when it is collected: integer
   * data the kernels read or write (max pooling's argmax indices).
   */
  allocateInt32(size: number): Int32Array {
    return this.allocateTyped(Int32Array, size);
  }

  // A block of `size` 4-byte elements viewed as `Type`, tracked by a weak reference to that view.
  private allocateTyped<T extends Float32Array | Int32Array>(
    Type: new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T,
    size: number,
  ): T {
    if (size === 0) return new Type(this.currentBuffer(), this.top, 0);
    const blockSize = sizeClass(size * 4);
    const address = this.reuse(blockSize) ?? this.bump(blockSize, size);
    const array = new Type(this.currentBuffer(), address, size);
    array.fill(0);
    this.live.push({ array: new WeakRef(array), address, size: blockSize });
    return array;
  }

  /**
   * The address of a scratch area of at least `bytes` bytes, reused by every call (kernels use it for
   * packed panels and copies). Valid until the next `scratch` call.
   */
  scratch(bytes: number): number {
    if (bytes > this.scratchSize) {
      // The old area goes back to the free lists; grow geometrically so a range of sizes settles fast.
      if (this.scratchSize > 0) this.release(this.scratchAddress, this.scratchSize);
      const size = sizeClass(Math.max(bytes, this.scratchSize * 2));
      this.scratchAddress = this.reuse(size) ?? this.bump(size, size / 4);
      this.scratchSize = size;
    }
    return this.scratchAddress;
  }

  /** A Float32Array over the whole memory as it is now (re-created after growth). */
  floats(): Float32Array {
    return new Float32Array(this.currentBuffer());
  }

  /** The memory's size in bytes now. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  private currentBuffer(): ArrayBufferLike {
    if (this.bytes.buffer !== this.memory.buffer) {
      this.bytes = new Uint8Array(this.memory.buffer);
      this.buffers.add(this.memory.buffer);
    }
    return this.bytes.buffer;
  }

  private reuse(blockSize: number): number | undefined {
    return this.free.get(blockSize)?.pop();
  }

  // Moves the blocks of collected arrays to the free lists.
  private reclaim(): void {
    const stillLive = [];
    for (const block of this.live) {
      if (block.array.deref() === undefined) this.release(block.address, block.size);
      else stillLive.push(block);
    }
    this.live = stillLive;
  }

  private release(address: number, size: number): void {
    let list = this.free.get(size);
    if (list === undefined) {
      list = [];
      this.free.set(size, list);
    }
    list.push(address);
  }

  // A new block at the top of the heap, growing memory (doubling where the limit allows).
  private bump(blockSize: number, elements: number): number {
    const pages = this.memory.buffer.byteLength / PAGE;
    if (this.top + blockSize > pages * PAGE) {
      this.collectGarbage?.();
      this.reclaim();
      const reused = this.reuse(blockSize);
      if (reused !== undefined) return reused;
    }
    const end = this.top + blockSize;
    if (end > pages * PAGE) {
      const needed = Math.ceil(end / PAGE);
      const doubled = Math.min(this.maximumPages, Math.max(needed, pages * 2));
      if (needed > this.maximumPages || !(this.grow(doubled - pages) || this.grow(needed - pages))) {
        const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
        throw new WasmMemoryError(
          `wasm backend: cannot allocate ${elements} 4-byte values (${mib(blockSize)}): WebAssembly memory holds ` +
            `${mib(pages * PAGE)} and may grow to at most ${mib(this.maximumPages * PAGE)}; use smaller tensors ` +
            'or ZERODL_BACKEND=reference',
        );
      }
    }
    const address = this.top;
    this.top = end;
    return address;
  }

  private grow(deltaPages: number): boolean {
    if (deltaPages <= 0 || this.memory.buffer.byteLength / PAGE + deltaPages > this.maximumPages)
      return false;
    try {
      this.memory.grow(deltaPages);
    } catch {
      return false;
    }
    this.currentBuffer();
    return true;
  }
}

// The block size for a request: 64-byte multiples below 4 KiB, then 8 classes per doubling.
function sizeClass(bytes: number): number {
  if (bytes <= 4096) return roundUp(bytes, ALIGN);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - Math.log2(CLASSES_PER_DOUBLING));
  return roundUp(bytes, step);
}

// A synchronous full garbage collection where Node can provide one (exposing V8's gc function to a
// fresh context), else undefined: in browsers blocks come back as the engine collects by itself.
function fullCollection(): (() => void) | undefined {
  const v8 = nodeBuiltin<typeof import('node:v8')>('node:v8');
  const vm = nodeBuiltin<typeof import('node:vm')>('node:vm');
  if (v8 === undefined || vm === undefined) return undefined;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
