// The wasm backend's direct stride-1 convolution over a batch, forward and weight gradient: the
// AssemblyScript kernels (assembly/conv2d.ts) when every array lives in wasm memory, the reference
// kernels otherwise. Each call pads the whole batch once (planes shared by the threads) and then runs
// one parallel-for job over the batch's output rows (forward) or over (filter block, tap block) pairs
// (weight gradient), so a batch costs two or three thread hand-offs rather than a few per image.

import { checkConv2dArguments, checkConv2dWeightGradArguments, windowOutputSize } from '../checks.js';
import * as reference from '../reference/conv2d.js';
import { callKernel, runJob } from './call.js';
import type { KernelHost } from './host.js';

// Rounded up to a multiple of 16 bytes: sizes and addresses, so that every part of the scratch area stays
// aligned for v128 loads.
function aligned(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * The convolution part of the wasm Backend, with the reference kernels' contracts.
 *
 * @example
 * const { conv2d } = wasmConv2d({ kernels: runtime.kernels, heap, pool });
 * conv2d(8, 1, 96, 96, 16, 3, 1, x, 0, W, b, y, 0); // y [8, 16, 96, 96]
 */
export function wasmConv2d(host: KernelHost) {
  const { kernels, heap, pool } = host;
  // Copies `planes` H×W planes at byte address `x` into `padded` [planes, H + 2p, W + 2p] (zero border).
  const padPlanes = (
    planes: number,
    height: number,
    width: number,
    pad: number,
    x: number,
    padded: number,
  ) => {
    const chunks = Math.min(planes, pool.chunksFor(planes * (height + 2 * pad) * (width + 2 * pad)));
    runJob(host, kernels.setupPadPlanes(planes, height, width, pad, x, padded, chunks));
  };
  return {
    conv2d: callKernel(host, 'conv2d', {
      check: (
        images: number,
        channels: number,
        height: number,
        width: number,
        filters: number,
        kernelSize: number,
        pad: number,
        x: Float32Array,
        xOffset: number,
        weights: Float32Array,
        bias: Float32Array,
        y: Float32Array,
        yOffset: number,
        slope = 1,
      ) => {
        // biome-ignore format: arguments grouped as (sizes), (arrays), slope
        checkConv2dArguments(images, channels, height, width, filters, kernelSize, pad,
          x, xOffset, weights, bias, y, yOffset, slope);
      },
      inHeap: (_i, _c, _h, _w, _f, _k, _p, x, _xOffset, weights, bias, y) =>
        heap.contains(x) && heap.contains(weights) && heap.contains(bias) && heap.contains(y),
      reference: reference.conv2d,
      run(
        images,
        channels,
        height,
        width,
        filters,
        kernelSize,
        pad,
        x,
        xOffset,
        weights,
        bias,
        y,
        yOffset,
        slope = 1,
      ) {
        if (images === 0) return;
        const [paddedH, paddedW] = [height + 2 * pad, width + 2 * pad];
        const [outH, outW] = [
          windowOutputSize(height, kernelSize, 1, pad),
          windowOutputSize(width, kernelSize, 1, pad),
        ];
        const taps = channels * kernelSize * kernelSize;
        // scratch: padded images [images, C, paddedH, paddedW] | weight panels [⌈F/4⌉, taps, 4] | tap offsets [taps]
        const paddedBytes = aligned(images * channels * paddedH * paddedW * 4);
        const panelBytes = aligned(Math.ceil(filters / 4) * taps * 16);
        const padded = aligned(heap.scratch(16 + paddedBytes + panelBytes + taps * 4));
        const panels = padded + paddedBytes;
        const offsets = panels + panelBytes;
        padPlanes(images * channels, height, width, pad, x.byteOffset + xOffset * 4, padded);
        kernels.packConvWeights(filters, taps, weights.byteOffset, panels);
        kernels.tapOffsets(channels, kernelSize, paddedH, paddedW, offsets);
        const rows = images * outH;
        // the work grows with the taps, not only with the output: weigh the output by its patch size
        const chunks = Math.min(rows, pool.chunksFor((images * filters * outH * outW * taps) / 8));
        // biome-ignore format: arguments grouped as (sizes), (padded images, panels, offsets), (bias, y, slope), chunks
        runJob(host, kernels.setupConv2d(images, channels, paddedH, paddedW, filters, kernelSize,
          padded, panels, offsets,
          bias.byteOffset, y.byteOffset + yOffset * 4, slope, chunks));
      },
    }),

    conv2dWeightGrad: callKernel(host, 'conv2dWeightGrad', {
      check: (
        images: number,
        channels: number,
        height: number,
        width: number,
        filters: number,
        kernelSize: number,
        pad: number,
        x: Float32Array,
        xOffset: number,
        dy: Float32Array,
        dyOffset: number,
        dW: Float32Array,
      ) => {
        // biome-ignore format: arguments grouped as (sizes), (arrays)
        checkConv2dWeightGradArguments(images, channels, height, width, filters, kernelSize, pad,
          x, xOffset, dy, dyOffset, dW);
      },
      inHeap: (_i, _c, _h, _w, _f, _k, _p, x, _xOffset, dy, _dyOffset, dW) =>
        heap.contains(x) && heap.contains(dy) && heap.contains(dW),
      reference: reference.conv2dWeightGrad,
      run(images, channels, height, width, filters, kernelSize, pad, x, xOffset, dy, dyOffset, dW) {
        const taps = channels * kernelSize * kernelSize;
        if (images === 0) {
          dW.fill(0, 0, filters * taps);
          return;
        }
        const [paddedH, paddedW] = [height + 2 * pad, width + 2 * pad];
        const pixels =
          windowOutputSize(height, kernelSize, 1, pad) * windowOutputSize(width, kernelSize, 1, pad);
        const filterBlocks = Math.ceil(filters / 8);
        const tapBlocks = Math.ceil(taps / 4);
        const items = filterBlocks * tapBlocks;
        // scratch: padded images | dy panels [images, ⌈F/8⌉, pixels, 8] | sums [items, 4, 8] | tap offsets [taps]
        const paddedBytes = aligned(images * channels * paddedH * paddedW * 4);
        const panelBytes = images * filterBlocks * pixels * 32;
        const sumBytes = items * 128;
        const padded = aligned(heap.scratch(16 + paddedBytes + panelBytes + sumBytes + taps * 4));
        const dyPanels = padded + paddedBytes;
        const sums = dyPanels + panelBytes;
        const offsets = sums + sumBytes;
        padPlanes(images * channels, height, width, pad, x.byteOffset + xOffset * 4, padded);
        const panelItems = images * filterBlocks;
        const dyAt = dy.byteOffset + dyOffset * 4;
        const packChunks = Math.min(panelItems, pool.chunksFor(panelItems * pixels * 8));
        runJob(host, kernels.setupPackGradientPanels(images, filters, pixels, dyAt, dyPanels, packChunks));
        kernels.tapOffsets(channels, kernelSize, paddedH, paddedW, offsets);
        // A chunk is a run of tap blocks of one filter block: the filter block's dy panels stream through
        // once per chunk and serve all its tap blocks from L1. Chunks of fewer than about 8 tap blocks
        // would re-stream the panels more often than the threads gain (the first layer's 3 tap blocks
        // per filter block make 1 chunk each).
        const wanted = pool.chunksFor((images * filters * pixels * taps) / 8);
        const chunks =
          wanted > 1 ? Math.max(pool.threads, Math.min(wanted, filterBlocks * Math.ceil(tapBlocks / 8))) : 1;
        // biome-ignore format: arguments grouped as (sizes), (padded images, offsets, dy panels, sums), dW, chunks
        runJob(host, kernels.setupConv2dWeightGrad(images, channels, paddedH, paddedW, filters, kernelSize,
          padded, offsets, dyPanels, sums,
          dW.byteOffset, chunks));
      },
    }),
  };
}
