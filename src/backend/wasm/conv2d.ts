// The wasm backend's direct convolution over a batch, any stride and padding: forward, weight gradient
// and input gradient, with the AssemblyScript kernels (assembly/conv2d.ts) when every array lives in
// wasm memory, the reference kernels otherwise. Each call lays the whole batch out once as the kernels
// read it (zero border; a stride's phases split apart, so that strided taps read neighbouring floats)
// and then runs one parallel-for job over the batch's output rows (forward, input gradient) or over
// (filter block, tap block) pairs (weight gradient): two or three thread hand-offs per batch, never
// one per image. No im2col columns at any stride: a 1×1 stride-1 convolution without padding reads x
// in place (a batched gemm of W with each image), and the input gradient is the forward kernel run on
// dy spaced `stride` apart with the weights flipped.

import {
  checkConv2dArguments,
  checkConv2dInputGradArguments,
  checkConv2dWeightGradArguments,
  windowOutputSize,
} from '../checks.js';
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
 * conv2d(8, 1, 96, 96, 16, 3, 1, 1, x, 0, W, b, y, 0); // y [8, 16, 96, 96]
 */
export function wasmConv2d(host: KernelHost) {
  const { kernels, heap, pool } = host;
  // How the kernels read x for a window of `kernelSize` moved by `stride`: each image as `phases`² phase
  // planes per channel, phaseH × phaseW each (assembly/conv2d.ts, phasePlanes), `imageFloats` floats an
  // image. With stride 1 and no padding that is x as it is, read in place (`copied` false).
  const geometry = (
    channels: number,
    outH: number,
    outW: number,
    kernelSize: number,
    stride: number,
    pad: number,
  ) => {
    const phases = Math.min(stride, kernelSize);
    const phaseH = outH + Math.floor((kernelSize - 1) / stride);
    const phaseW = outW + Math.floor((kernelSize - 1) / stride);
    const imageFloats = channels * phases * phases * phaseH * phaseW;
    return { phases, phaseH, phaseW, imageFloats, copied: stride > 1 || pad > 0 };
  };
  // Lays out `planes` H×W planes at byte address `x` into `dst` as phasePlanes does.
  const phasePlanes = (
    planes: number,
    height: number,
    width: number,
    stride: number,
    pad: number,
    layout: { phases: number; phaseH: number; phaseW: number },
    x: number,
    dst: number,
  ) => {
    const { phases, phaseH, phaseW } = layout;
    const chunks = Math.min(planes, pool.chunksFor(planes * phases * phases * phaseH * phaseW));
    // biome-ignore format: arguments grouped as (sizes), (layout), (src, dst), chunks
    runJob(host, kernels.setupPhasePlanes(planes, height, width, stride, pad,
      phases, phaseH, phaseW,
      x, dst, chunks));
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
        stride: number,
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
        checkConv2dArguments(images, channels, height, width, filters, kernelSize, stride, pad,
          x, xOffset, weights, bias, y, yOffset, slope);
      },
      inHeap: (_i, _c, _h, _w, _f, _k, _s, _p, x, _xOffset, weights, bias, y) =>
        heap.contains(x) && heap.contains(weights) && heap.contains(bias) && heap.contains(y),
      reference: reference.conv2d,
      run(
        images,
        channels,
        height,
        width,
        filters,
        kernelSize,
        stride,
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
        const outH = windowOutputSize(height, kernelSize, stride, pad);
        const outW = windowOutputSize(width, kernelSize, stride, pad);
        const layout = geometry(channels, outH, outW, kernelSize, stride, pad);
        const taps = channels * kernelSize * kernelSize;
        // scratch: x's planes [images, imageFloats] (if copied) | weight panels [⌈F/4⌉, taps, 4] | tap offsets [taps]
        const planeBytes = layout.copied ? aligned(images * layout.imageFloats * 4) : 0;
        const panelBytes = aligned(Math.ceil(filters / 4) * taps * 16);
        const scratch = aligned(heap.scratch(16 + planeBytes + panelBytes + taps * 4));
        const panels = scratch + planeBytes;
        const offsets = panels + panelBytes;
        const xAt = x.byteOffset + xOffset * 4;
        if (layout.copied) phasePlanes(images * channels, height, width, stride, pad, layout, xAt, scratch);
        kernels.packConvWeights(filters, taps, weights.byteOffset, panels);
        kernels.tapOffsets(channels, kernelSize, stride, layout.phaseH, layout.phaseW, offsets);
        const rows = images * outH;
        // the work grows with the taps, not only with the output: weigh the output by its patch size
        const chunks = Math.min(rows, pool.chunksFor((images * filters * outH * outW * taps) / 8));
        // biome-ignore format: arguments grouped as (sizes), (planes, panels, offsets), (bias, y, slope), chunks
        runJob(host, kernels.setupConv2d(images, layout.imageFloats, layout.phaseW, outH, outW, filters, taps,
          layout.copied ? scratch : xAt, panels, offsets,
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
        stride: number,
        pad: number,
        x: Float32Array,
        xOffset: number,
        dy: Float32Array,
        dyOffset: number,
        dW: Float32Array,
      ) => {
        // biome-ignore format: arguments grouped as (sizes), (arrays)
        checkConv2dWeightGradArguments(images, channels, height, width, filters, kernelSize, stride, pad,
          x, xOffset, dy, dyOffset, dW);
      },
      inHeap: (_i, _c, _h, _w, _f, _k, _s, _p, x, _xOffset, dy, _dyOffset, dW) =>
        heap.contains(x) && heap.contains(dy) && heap.contains(dW),
      reference: reference.conv2dWeightGrad,
      run(images, channels, height, width, filters, kernelSize, stride, pad, x, xOffset, dy, dyOffset, dW) {
        const taps = channels * kernelSize * kernelSize;
        if (images === 0) {
          dW.fill(0, 0, filters * taps);
          return;
        }
        const outH = windowOutputSize(height, kernelSize, stride, pad);
        const outW = windowOutputSize(width, kernelSize, stride, pad);
        const layout = geometry(channels, outH, outW, kernelSize, stride, pad);
        const pixels = outH * outW;
        const filterBlocks = Math.ceil(filters / 8);
        const tapBlocks = Math.ceil(taps / 4);
        const items = filterBlocks * tapBlocks;
        // scratch: x's planes (if copied) | dy panels [images, ⌈F/8⌉, pixels, 8] | sums [items, 4, 8] | tap offsets [taps]
        const planeBytes = layout.copied ? aligned(images * layout.imageFloats * 4) : 0;
        const panelBytes = images * filterBlocks * pixels * 32;
        const sumBytes = items * 128;
        const scratch = aligned(heap.scratch(16 + planeBytes + panelBytes + sumBytes + taps * 4));
        const dyPanels = scratch + planeBytes;
        const sums = dyPanels + panelBytes;
        const offsets = sums + sumBytes;
        const xAt = x.byteOffset + xOffset * 4;
        if (layout.copied) phasePlanes(images * channels, height, width, stride, pad, layout, xAt, scratch);
        const panelItems = images * filterBlocks;
        const dyAt = dy.byteOffset + dyOffset * 4;
        const packChunks = Math.min(panelItems, pool.chunksFor(panelItems * pixels * 8));
        runJob(host, kernels.setupPackGradientPanels(images, filters, pixels, dyAt, dyPanels, packChunks));
        kernels.tapOffsets(channels, kernelSize, stride, layout.phaseH, layout.phaseW, offsets);
        // A chunk is a run of tap blocks of one filter block: the filter block's dy panels stream through
        // once per chunk and serve all its tap blocks from L1. Chunks of fewer than about 8 tap blocks
        // would re-stream the panels more often than the threads gain (the first layer's 3 tap blocks
        // per filter block make 1 chunk each).
        const wanted = pool.chunksFor((images * filters * pixels * taps) / 8);
        const chunks =
          wanted > 1 ? Math.max(pool.threads, Math.min(wanted, filterBlocks * Math.ceil(tapBlocks / 8))) : 1;
        // biome-ignore format: arguments grouped as (sizes), (planes, offsets, dy panels, sums), dW, chunks
        runJob(host, kernels.setupConv2dWeightGrad(images, layout.imageFloats, layout.phaseW, outH, outW, filters,
          taps,
          layout.copied ? scratch : xAt, offsets, dyPanels, sums,
          dW.byteOffset, chunks));
      },
    }),

    conv2dInputGrad: callKernel(host, 'conv2dInputGrad', {
      check: (
        images: number,
        channels: number,
        height: number,
        width: number,
        filters: number,
        kernelSize: number,
        stride: number,
        pad: number,
        dy: Float32Array,
        dyOffset: number,
        weights: Float32Array,
        dx: Float32Array,
        dxOffset: number,
      ) => {
        // biome-ignore format: arguments grouped as (sizes), (arrays)
        checkConv2dInputGradArguments(images, channels, height, width, filters, kernelSize, stride, pad,
          dy, dyOffset, weights, dx, dxOffset);
      },
      inHeap: (_i, _c, _h, _w, _f, _k, _s, _p, dy, _dyOffset, weights, dx) =>
        heap.contains(dy) && heap.contains(weights) && heap.contains(dx),
      reference: reference.conv2dInputGrad,
      run(
        images,
        channels,
        height,
        width,
        filters,
        kernelSize,
        stride,
        pad,
        dy,
        dyOffset,
        weights,
        dx,
        dxOffset,
      ) {
        if (images === 0) return;
        const outH = windowOutputSize(height, kernelSize, stride, pad);
        const outW = windowOutputSize(width, kernelSize, stride, pad);
        // dx = W̃ ∗ spread(dy): a stride-1 convolution with F channels in and C filters, of dy's pixels
        // spaced `stride` apart from (k − 1 − pad, k − 1 − pad) in planes of (H + k − 1)×(W + k − 1), so
        // that its output is H×W, with W̃[c][f][ky][kx] = W[f][c][k − 1 − ky][k − 1 − kx]. For stride 1
        // that is dy padded by k − 1 − pad (read in place when that is 0); for stride s, s² − 1 of every
        // s² spread pixels are zeros the kernel multiplies too.
        const [spreadH, spreadW] = [height + kernelSize - 1, width + kernelSize - 1];
        const border = kernelSize - 1 - pad;
        const copied = stride > 1 || border !== 0;
        const imageFloats = filters * spreadH * spreadW;
        const taps = filters * kernelSize * kernelSize;
        // scratch: spread dy [images, F, spreadH, spreadW] (if copied) | W̃ panels [⌈C/4⌉, taps, 4] | zero bias [C] | tap offsets [taps]
        const planeBytes = copied ? aligned(images * imageFloats * 4) : 0;
        const panelBytes = aligned(Math.ceil(channels / 4) * taps * 16);
        const biasBytes = aligned(channels * 4);
        const scratch = aligned(heap.scratch(16 + planeBytes + panelBytes + biasBytes + taps * 4));
        const panels = scratch + planeBytes;
        const zeroBias = panels + panelBytes;
        const offsets = zeroBias + biasBytes;
        const dyAt = dy.byteOffset + dyOffset * 4;
        if (copied) {
          const planes = images * filters;
          const chunks = Math.min(planes, pool.chunksFor(images * imageFloats));
          // biome-ignore format: arguments grouped as (sizes), (spread), (src, dst), chunks
          runJob(host, kernels.setupSpreadPlanes(planes, outH, outW,
            stride, border, spreadH, spreadW,
            dyAt, scratch, chunks));
        }
        kernels.packFlippedConvWeights(filters, channels, kernelSize, weights.byteOffset, panels, zeroBias);
        kernels.tapOffsets(filters, kernelSize, 1, spreadH, spreadW, offsets);
        const rows = images * height;
        const chunks = Math.min(rows, pool.chunksFor((images * channels * height * width * taps) / 8));
        // biome-ignore format: arguments grouped as (sizes), (planes, panels, offsets), (bias, dx, slope), chunks
        runJob(host, kernels.setupConv2d(images, imageFloats, spreadW, height, width, channels, taps,
          copied ? scratch : dyAt, panels, offsets,
          zeroBias, dx.byteOffset + dxOffset * 4, 1, chunks));
      },
    }),
  };
}
