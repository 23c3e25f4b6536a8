// The wasm backend's max pooling and its backward: the AssemblyScript kernels when every array lives
// in wasm memory (split by planes over the thread pool when large), the reference kernels otherwise.

import { checkMaxPoolArguments, checkMaxPoolBackwardArguments } from '../checks.js';
import * as reference from '../reference/pool.js';
import { callKernel } from './call.js';
import type { KernelHost } from './host.js';

/**
 * The pooling part of the wasm Backend, with the reference kernel's contract.
 *
 * @example
 * const { maxPool2d } = wasmPool({ kernels: runtime.kernels, heap, pool });
 * maxPool2d(8 * 16, 96, 96, 2, 2, 0, x, y, argmax); // y [8, 16, 48, 48]
 */
export function wasmPool(host: KernelHost) {
  const { kernels, heap } = host;
  // The argmax scan of checkMaxPoolBackwardArguments, in wasm (argmax lives in wasm memory here).
  const firstArgmaxOutside = (argmax: Int32Array, outputSize: number, planeSize: number) =>
    kernels.firstArgmaxOutside(argmax.length / outputSize, outputSize, planeSize, argmax.byteOffset);
  // the heap knows arrays by their buffer, whatever their element type
  const inWasm = (a: Float32Array, b: Float32Array, indices: Int32Array) =>
    heap.contains(a) && heap.contains(b) && heap.contains(indices);
  return {
    maxPool2d: callKernel(host, 'maxPool2d', {
      check: (
        planes: number,
        height: number,
        width: number,
        kernelSize: number,
        stride: number,
        pad: number,
        x: Float32Array,
        y: Float32Array,
        argmax: Int32Array,
      ) => {
        checkMaxPoolArguments(planes, height, width, kernelSize, stride, pad, x, y, argmax);
      },
      inHeap: (_planes, _h, _w, _k, _s, _p, x, y, argmax) => inWasm(x, y, argmax),
      reference: reference.maxPool2d,
      work: (_planes, _h, _w, _k, _s, _p, x) => x.length,
      splittable: (planes) => planes > 1,
      // biome-ignore format: arguments grouped as (sizes), (arrays), chunks
      setup: (chunks, planes, height, width, kernelSize, stride, pad, x, y, argmax) =>
        kernels.setupMaxPool2d(planes, height, width, kernelSize, stride, pad,
          x.byteOffset, y.byteOffset, argmax.byteOffset, chunks),
      // biome-ignore format: arguments grouped as (sizes), (arrays)
      serial: (planes, height, width, kernelSize, stride, pad, x, y, argmax) =>
        kernels.maxPool2d(planes, height, width, kernelSize, stride, pad,
          x.byteOffset, y.byteOffset, argmax.byteOffset),
    }),
    // the reference kernel runs the same check (only there: it reads all of argmax); here in SIMD
    maxPool2dBackward: callKernel(host, 'maxPool2dBackward', {
      check: (planes: number, dy: Float32Array, argmax: Int32Array, dx: Float32Array) =>
        checkMaxPoolBackwardArguments(planes, dy, argmax, dx, firstArgmaxOutside),
      inHeap: (_planes, dy, argmax, dx) => inWasm(dy, dx, argmax),
      reference: reference.maxPool2dBackward,
      work: (_planes, _dy, _argmax, dx) => dx.length,
      splittable: (planes) => planes > 1,
      // biome-ignore format: arguments grouped as (sizes), (arrays), chunks
      setup: (chunks, planes, dy, argmax, dx) =>
        kernels.setupMaxPool2dBackward(planes, dx.length / planes, dy.length / planes,
          dy.byteOffset, argmax.byteOffset, dx.byteOffset, chunks),
      // biome-ignore format: arguments grouped as (sizes), (arrays), dx.length, (planes)
      serial: (planes, dy, argmax, dx) =>
        kernels.maxPool2dBackward(dx.length / planes, dy.length / planes,
          dy.byteOffset, argmax.byteOffset, dx.byteOffset, dx.length, 0, planes),
    }),
  };
}
