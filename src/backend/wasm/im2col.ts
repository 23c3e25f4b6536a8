// The wasm backend's im2col / col2im: the AssemblyScript kernels when image and columns live in wasm
// memory (split by channels over the thread pool when large), the reference kernels otherwise
// (copying in would cost as much as the work itself).

import { checkIm2colArguments } from '../checks.js';
import * as reference from '../reference/im2col.js';
import type { GemmContext } from './gemm.js';

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
  /** The same two as parallel-for jobs over channels (assembly/parallel.ts); return the chunk count. */
  setupIm2col(
    channels: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    image: number,
    columns: number,
    ldColumns: number,
    chunks: number,
  ): number;
  setupCol2im(
    channels: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    columns: number,
    ldColumns: number,
    image: number,
    chunks: number,
  ): number;
}

/**
 * The im2col half of the wasm Backend, with the same contracts as the reference kernels.
 *
 * @example
 * const { im2col } = wasmIm2col({ kernels: runtime.kernels, heap, pool });
 * im2col(16, 48, 48, 3, 1, 1, x, 0, columns, 0, 48 * 48); // columns [144, 2304]
 */
export function wasmIm2col({ kernels, heap, pool }: GemmContext) {
  // floats written (im2col) or read (col2im): the columns, C·k·k rows of outH·outW
  const work = (
    channels: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
  ) =>
    channels *
    kernelSize *
    kernelSize *
    windows(height, kernelSize, stride, pad) *
    windows(width, kernelSize, stride, pad);
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
        const columnsAddress = columns.byteOffset + columnsOffset * 4;
        const chunks = channels > 1 ? pool.chunksFor(work(...args)) : 1;
        if (chunks > 1)
          pool.runParallel(
            kernels,
            kernels.setupIm2col(...args, imageAddress, columnsAddress, ldColumns, chunks),
          );
        else kernels.im2col(...args, imageAddress, columnsAddress, ldColumns);
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
        const imageAddress = image.byteOffset + imageOffset * 4;
        const chunks = channels > 1 ? pool.chunksFor(work(...args)) : 1;
        if (chunks > 1)
          pool.runParallel(
            kernels,
            kernels.setupCol2im(...args, columnsAddress, ldColumns, imageAddress, chunks),
          );
        else kernels.col2im(...args, columnsAddress, ldColumns, imageAddress);
      } else {
        reference.col2im(...args, columns, columnsOffset, ldColumns, image, imageOffset);
      }
    },
  };
}

// Window positions along one axis: ⌊(size + 2·pad − k) / stride⌋ + 1.
function windows(size: number, kernelSize: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernelSize) / stride) + 1;
}
