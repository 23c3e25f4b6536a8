// The wasm backend's im2col / col2im: the AssemblyScript kernels when image and columns live in wasm
// memory, the reference kernels otherwise (copying in would cost as much as the work itself).

import { checkIm2colArguments } from '../checks.js';
import * as reference from '../reference/im2col.js';
import type { WasmHeap } from './memory.js';

/** The im2col kernels the module exports (byte addresses of the first elements). */
export interface Im2colKernels {
  im2col(
    channels: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    image: number,
    columns: number,
    ldColumns: number,
  ): void;
  col2im(
    channels: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    columns: number,
    ldColumns: number,
    image: number,
  ): void;
}

/**
 * The im2col half of the wasm Backend, with the same contracts as the reference kernels.
 *
 * @example
 * const { im2col } = wasmIm2col(runtime.kernels, heap);
 * im2col(16, 48, 48, 3, 1, 1, x, 0, columns, 0, 48 * 48); // columns [144, 2304]
 */
export function wasmIm2col(kernels: Im2colKernels, heap: WasmHeap) {
  return {
    im2col(
      channels: number,
      height: number,
      width: number,
      kernelSize: number,
      stride: number,
      pad: number,
      image: Float32Array,
      imageOffset: number,
      columns: Float32Array,
      columnsOffset: number,
      ldColumns: number,
    ): void {
      const args = [channels, height, width, kernelSize, stride, pad] as const;
      checkIm2colArguments('im2col', ...args, image, imageOffset, columns, columnsOffset, ldColumns);
      if (heap.contains(image) && heap.contains(columns)) {
        const imageAddress = image.byteOffset + imageOffset * 4;
        kernels.im2col(...args, imageAddress, columns.byteOffset + columnsOffset * 4, ldColumns);
      } else {
        reference.im2col(...args, image, imageOffset, columns, columnsOffset, ldColumns);
      }
    },
    col2im(
      channels: number,
      height: number,
      width: number,
      kernelSize: number,
      stride: number,
      pad: number,
      columns: Float32Array,
      columnsOffset: number,
      ldColumns: number,
      image: Float32Array,
      imageOffset: number,
    ): void {
      const args = [channels, height, width, kernelSize, stride, pad] as const;
      checkIm2colArguments('col2im', ...args, image, imageOffset, columns, columnsOffset, ldColumns);
      if (heap.contains(image) && heap.contains(columns)) {
        const columnsAddress = columns.byteOffset + columnsOffset * 4;
        kernels.col2im(...args, columnsAddress, ldColumns, image.byteOffset + imageOffset * 4);
      } else {
        reference.col2im(...args, columns, columnsOffset, ldColumns, image, imageOffset);
      }
    },
  };
}
