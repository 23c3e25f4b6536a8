// The wasm backend's direct stride-1 convolution: the AssemblyScript kernel (assembly/conv2d.ts) when
// every array lives in wasm memory, split by output rows over the thread pool when large; the
// reference kernel otherwise.

import { checkConv2dArguments } from '../checks.js';
import * as reference from '../reference/conv2d.js';
import type { GemmContext } from './gemm.js';

/** The convolution kernels the module exports (byte addresses). */
export interface Conv2dKernels {
  conv2dScratchBytes(
    channels: number,
    height: number,
    width: number,
    filters: number,
    kernelSize: number,
    pad: number,
  ): number;
  /** Copies the padded image and packs the weights into scratch; returns the padded image's address. */
  prepareConv2d(
    channels: number,
    height: number,
    width: number,
    filters: number,
    kernelSize: number,
    pad: number,
    image: number,
    weights: number,
    scratch: number,
  ): number;
  /** conv2dRows as a parallel-for job over output rows (assembly/parallel.ts); returns the chunk count. */
  setupConv2d(
    channels: number,
    height: number,
    width: number,
    filters: number,
    kernelSize: number,
    pad: number,
    padded: number,
    bias: number,
    y: number,
    chunks: number,
  ): number;
}

/**
 * The convolution part of the wasm Backend, with the reference kernel's contract.
 *
 * @example
 * const { conv2d } = wasmConv2d({ kernels: runtime.kernels, heap, pool });
 * conv2d(1, 96, 96, 16, 3, 1, x, 0, W, b, y, 0); // y [16, 96, 96]
 */
export function wasmConv2d({ kernels, heap, pool }: GemmContext) {
  return {
    conv2d(
      channels: number,
      height: number,
      width: number,
      filters: number,
      kernelSize: number,
      pad: number,
      image: Float32Array,
      imageOffset: number,
      weights: Float32Array,
      bias: Float32Array,
      y: Float32Array,
      yOffset: number,
    ): void {
      const sizes = [channels, height, width, filters, kernelSize, pad] as const;
      const { outH, outW } = checkConv2dArguments(...sizes, image, imageOffset, weights, bias, y, yOffset);
      if (![image, weights, bias, y].every((array) => heap.contains(array))) {
        reference.conv2d(...sizes, image, imageOffset, weights, bias, y, yOffset);
        return;
      }
      const scratch = heap.scratch(kernels.conv2dScratchBytes(...sizes));
      const padded = kernels.prepareConv2d(
        ...sizes,
        image.byteOffset + imageOffset * 4,
        weights.byteOffset,
        scratch,
      );
      const y0 = y.byteOffset + yOffset * 4;
      // the work grows with the taps, not only with the output: weigh the output by its patch size
      const chunks =
        outH > 1 ? pool.chunksFor((filters * outH * outW * channels * kernelSize * kernelSize) / 8) : 1;
      const job = kernels.setupConv2d(...sizes, padded, bias.byteOffset, y0, chunks);
      if (chunks > 1) pool.runParallel(kernels, job);
      else kernels.parallelChunk(0);
    },
  };
}
