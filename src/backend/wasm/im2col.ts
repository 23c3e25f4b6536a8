// The wasm backend's im2col / col2im: the AssemblyScript kernels when image and columns live in wasm
// memory (split by channels over the thread pool when large), the reference kernels otherwise
// (copying in would cost as much as the work itself).

import { checkIm2colArguments, windowOutputSize } from '../checks.js';
import * as reference from '../reference/im2col.js';
import { callKernel } from './call.js';
import type { KernelHost } from './host.js';

/**
 * The im2col half of the wasm Backend, with the same contracts as the reference kernels.
 *
 * @example
 * const { im2col } = wasmIm2col({ kernels: runtime.kernels, heap, pool });
 * im2col(16, 48, 48, 3, 1, 1, x, 0, columns, 0, 48 * 48); // columns [144, 2304]
 */
export function wasmIm2col(host: KernelHost) {
  const { kernels, heap } = host;
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
    windowOutputSize(height, kernelSize, stride, pad) *
    windowOutputSize(width, kernelSize, stride, pad);
  return {
    im2col: callKernel(host, 'im2col', {
      check: (
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
      ) => {
        // biome-ignore format: arguments grouped as (sizes), (image), (columns)
        checkIm2colArguments('im2col', channels, height, width, kernelSize, stride, pad,
          image, imageOffset, columns, columnsOffset, ldColumns);
      },
      inHeap: (_c, _h, _w, _k, _s, _p, image, _imageOffset, columns) =>
        heap.contains(image) && heap.contains(columns),
      reference: reference.im2col,
      work,
      splittable: (channels) => channels > 1,
      // biome-ignore format: arguments grouped as (sizes), (image), (columns), chunks
      setup: (chunks, channels, height, width, kernelSize, stride, pad, image, imageOffset, columns, columnsOffset, ldColumns) =>
        kernels.setupIm2col(channels, height, width, kernelSize, stride, pad,
          image.byteOffset + imageOffset * 4, columns.byteOffset + columnsOffset * 4, ldColumns, chunks),
      // biome-ignore format: arguments grouped as (sizes), (image), (columns)
      serial: (channels, height, width, kernelSize, stride, pad, image, imageOffset, columns, columnsOffset, ldColumns) =>
        kernels.im2col(channels, height, width, kernelSize, stride, pad,
          image.byteOffset + imageOffset * 4, columns.byteOffset + columnsOffset * 4, ldColumns),
    }),
    col2im: callKernel(host, 'col2im', {
      check: (
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
      ) => {
        // biome-ignore format: arguments grouped as (sizes), (image), (columns)
        checkIm2colArguments('col2im', channels, height, width, kernelSize, stride, pad,
          image, imageOffset, columns, columnsOffset, ldColumns);
      },
      inHeap: (_c, _h, _w, _k, _s, _p, columns, _columnsOffset, _ldColumns, image) =>
        heap.contains(image) && heap.contains(columns),
      reference: reference.col2im,
      work,
      splittable: (channels) => channels > 1,
      // biome-ignore format: arguments grouped as (sizes), (columns), (image), chunks
      setup: (chunks, channels, height, width, kernelSize, stride, pad, columns, columnsOffset, ldColumns, image, imageOffset) =>
        kernels.setupCol2im(channels, height, width, kernelSize, stride, pad,
          columns.byteOffset + columnsOffset * 4, ldColumns, image.byteOffset + imageOffset * 4, chunks),
      // biome-ignore format: arguments grouped as (sizes), (columns), (image)
      serial: (channels, height, width, kernelSize, stride, pad, columns, columnsOffset, ldColumns, image, imageOffset) =>
        kernels.col2im(channels, height, width, kernelSize, stride, pad,
          columns.byteOffset + columnsOffset * 4, ldColumns, image.byteOffset + imageOffset * 4),
    }),
  };
}
