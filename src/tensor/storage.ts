// Where tensor data lives. By default in ordinary JavaScript memory; the WebAssembly backend installs
// allocators that place tensors (float32) and integer buffers (int32: max pooling's argmax) in its
// linear memory, so kernels read them without copying. The
// first allocation before any backend was chosen chooses the default one (util/first_use.ts), so that
// a model's weights are made where its kernels will read them.

import { firstUse } from '../util/first_use.js';

/** Returns a zero-filled Float32Array of `size` elements. */
export type Float32Allocator = (size: number) => Float32Array;

const javascriptAllocator: Float32Allocator = (size) => new Float32Array(size);
// undefined until a backend installs its allocator (or JavaScript memory)
let allocator: Float32Allocator | undefined;

/** A zero-filled Float32Array from the current allocator: every tensor's data comes from here. */
export function allocateFloat32(size: number): Float32Array {
  if (allocator === undefined) firstUse();
  return (allocator ?? javascriptAllocator)(size);
}

/** Installs the allocator new tensors use (`undefined` restores ordinary JavaScript memory). */
export function setFloat32Allocator(next: Float32Allocator | undefined): void {
  allocator = next ?? javascriptAllocator;
}

/** Returns a zero-filled Int32Array of `size` elements. */
export type Int32Allocator = (size: number) => Int32Array;

const javascriptInt32Allocator: Int32Allocator = (size) => new Int32Array(size);
let int32Allocator: Int32Allocator | undefined;

/**
 * A zero-filled Int32Array from the current int32 allocator: integer buffers kernels read or write
 * (max pooling's argmax indices) come from here, so that they live where the float data does.
 *
 * @example
 * const argmax = allocateInt32(8 * 16 * 48 * 48); // in wasm memory when the wasm backend is in use
 */
export function allocateInt32(size: number): Int32Array {
  if (int32Allocator === undefined) firstUse();
  return (int32Allocator ?? javascriptInt32Allocator)(size);
}

/**
 * Installs the allocator new int32 buffers use (`undefined` restores ordinary JavaScript memory).
 * A backend that installs a float32 allocator installs this one beside it.
 */
export function setInt32Allocator(next: Int32Allocator | undefined): void {
  int32Allocator = next ?? javascriptInt32Allocator;
}
