// The wasm backend's max pooling and its backward: the AssemblyScript kernels when every array lives
// in wasm memory (split by planes over the thread pool when large), the reference kernels otherwise.

import { checkMaxPoolArguments, checkMaxPoolBackwardArguments } from '../checks.js';
import * as reference from '../reference/pool.js';
import type { GemmContext } from './gemm.js';

/** The pooling kernels the module exports (byte addresses). */
export interface PoolKernels {
  maxPool2d(
    planes: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    x: number,
    y: number,
    argmax: number,
  ): void;
  /** maxPool2d as a parallel-for job over planes (assembly/parallel.ts); returns the chunk count. */
  setupMaxPool2d(
    planes: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    x: number,
    y: number,
    argmax: number,
    chunks: number,
  ): number;
  /** The backward's parallel-for job: planes of planeSize (dx) and outputSize (dy, argmax) floats. */
  setupMaxPool2dBackward(
    planes: number,
    planeSize: number,
    outputSize: number,
    dy: number,
    argmax: number,
    dx: number,
    chunks: number,
  ): number;
  /** The backward on planes [first, last) of `dxSize` floats in all (one thread's part). */
  maxPool2dBackward(
    planeSize: number,
    outputSize: number,
    dy: number,
    argmax: number,
    dx: number,
    dxSize: number,
    first: number,
    last: number,
  ): void;
  /** The first argmax entry outside its own plane, or -1 (maxPool2dBackward's argument check, SIMD). */
  firstArgmaxOutside(planes: number, outputSize: number, planeSize: number, argmax: number): number;
}

/**
 * The pooling part of the wasm Backend, with the reference kernel's contract.
 *
 * @example
 * const { maxPool2d } = wasmPool({ kernels: runtime.kernels, heap, pool });
 * maxPool2d(8 * 16, 96, 96, 2, 2, 0, x, y, argmax); // y [8, 16, 48, 48]
 */
export function wasmPool({ kernels, heap, pool }: GemmContext) {
  // The argmax scan of checkMaxPoolBackwardArguments, in wasm (argmax lives in wasm memory here).
  const firstArgmaxOutside = (argmax: Int32Array, outputSize: number, planeSize: number) =>
    kernels.firstArgmaxOutside(argmax.length / outputSize, outputSize, planeSize, argmax.byteOffset);
  // the heap knows arrays by their buffer, whatever their element type
  const inWasm = (a: Float32Array, b: Float32Array, indices: Int32Array) =>
    heap.contains(a) && heap.contains(b) && heap.contains(indices as unknown as Float32Array);
  return {
    maxPool2d(
      planes: number,
      height: number,
      width: number,
      kernelSize: number,
      stride: number,
      pad: number,
      x: Float32Array,
      y: Float32Array,
      argmax: Int32Array,
    ): void {
      const sizes = [planes, height, width, kernelSize, stride, pad] as const;
      checkMaxPoolArguments(...sizes, x, y, argmax);
      if (!inWasm(x, y, argmax)) {
        reference.maxPool2d(...sizes, x, y, argmax);
        return;
      }
      const chunks = planes > 1 ? pool.chunksFor(x.length) : 1;
      if (chunks > 1) {
        const job = kernels.setupMaxPool2d(...sizes, x.byteOffset, y.byteOffset, argmax.byteOffset, chunks);
        pool.runParallel(kernels, job);
      } else {
        kernels.maxPool2d(...sizes, x.byteOffset, y.byteOffset, argmax.byteOffset);
      }
    },
    maxPool2dBackward(planes: number, dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
      if (!inWasm(dy, dx, argmax)) {
        // the reference kernel runs the same check (not twice: it reads all of argmax)
        reference.maxPool2dBackward(planes, dy, argmax, dx);
        return;
      }
      checkMaxPoolBackwardArguments(planes, dy, argmax, dx, firstArgmaxOutside);
      const planeSize = dx.length / planes;
      const outputSize = dy.length / planes;
      const addresses = [dy.byteOffset, argmax.byteOffset, dx.byteOffset] as const;
      const chunks = planes > 1 ? pool.chunksFor(dx.length) : 1;
      if (chunks > 1) {
        pool.runParallel(
          kernels,
          kernels.setupMaxPool2dBackward(planes, planeSize, outputSize, ...addresses, chunks),
        );
      } else {
        kernels.maxPool2dBackward(planeSize, outputSize, ...addresses, dx.length, 0, planes);
      }
    },
  };
}
