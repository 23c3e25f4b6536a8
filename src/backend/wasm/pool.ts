// The wasm backend's max pooling: the AssemblyScript kernel when x, y and argmax live in wasm memory,
// the reference kernel otherwise.

import { checkMaxPoolArguments } from '../checks.js';
import * as reference from '../reference/pool.js';
import type { WasmHeap } from './memory.js';

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
}

/**
 * The pooling part of the wasm Backend, with the reference kernel's contract.
 *
 * @example
 * const { maxPool2d } = wasmPool(runtime.kernels, heap);
 * maxPool2d(8 * 16, 96, 96, 2, 2, 0, x, y, argmax); // y [8, 16, 48, 48]
 */
export function wasmPool(kernels: PoolKernels, heap: WasmHeap) {
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
      // the heap knows arrays by their buffer, whatever their element type
      if (heap.contains(x) && heap.contains(y) && heap.contains(argmax as unknown as Float32Array)) {
        kernels.maxPool2d(...sizes, x.byteOffset, y.byteOffset, argmax.byteOffset);
      } else {
        reference.maxPool2d(...sizes, x, y, argmax);
      }
    },
  };
}
