// Where tensor data lives. By default in ordinary JavaScript memory; the WebAssembly backend installs
// an allocator that places tensors in its linear memory, so kernels read them without copying. The
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
