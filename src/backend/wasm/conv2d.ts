// The wasm backend's convolution over a batch, any stride and padding: forward, weight gradient and
// input gradient, with the AssemblyScript kernels (assembly/conv2d.ts, conv2d_panels.ts, winograd.ts)
// when every array lives in wasm memory, the reference kernels otherwise. Each call lays the whole batch
// out once as the kernels read it (zero border; a stride's phases split apart, so that strided taps read
// neighbouring floats) and then runs one parallel-for job over the batch's 8-pixel blocks (forward, input
// gradient), 4-tile blocks (Winograd forward) or (filter block, tap block) pairs (weight gradient): a
// few thread hand-offs per batch, never one per image. Forward: 3×3 stride 1 with at least 8 channels by
// Winograd F(2×2, 3×3), everything else by 8-pixel im2col panels and the GEMM micro-kernel (docs/DESIGN.md,
// "The wasm thread pool"). The input gradient is the panels' kernel run on dy with the weights flipped,
// one filter per channel and phase of the stride.

import {
  checkConv2dArguments,
  checkConv2dInputGradArguments,
  checkConv2dWeightGradArguments,
  windowOutputSize,
} from '../checks.js';
import * as reference from '../reference/conv2d.js';
import { callKernel, runJob } from './call.js';
import type { KernelHost } from './host.js';

// Winograd's products reduce over the channels alone (im2col's over channels × 9 taps): with few channels
// its transforms and short products cost more than the multiplications it saves. One thread, Zen 3,
// Winograd against the 8-pixel panels: 1 channel 2.5× slower (28×28 and 96×96), 4 channels 1.16×
// slower, 8 channels 0.92×, 16 0.74×, 64 0.59× (docs/benchmarks.md, 2026-12-08).
const WINOGRAD_MIN_CHANNELS = 8;

// How much of a Winograd chunk's scratch (V and M of its group of blocks) may take: about half of L2.
const WINOGRAD_GROUP_BYTES = 256 * 1024;

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
  // How the 8-pixel panels (assembly/conv2d_panels.ts) walk the planes: rows `rowFloats` floats apart,
  // `rows` × `rowLength` output pixels. A window of one pixel (1) reads planes without a border, so each
  // plane is read as one row of outH·outW pixels, whose 4-pixel groups never wrap to another row.
  const panelRows = (span: number, rowFloats: number, outH: number, outW: number) =>
    span === 1 ? [outH * outW, 1, outH * outW] : [rowFloats, outH, outW];
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
  // The 3×3 stride-1 forward by Winograd F(2×2, 3×3) (assembly/winograd.ts): U from W, then the 4-tile
  // blocks, each in its chunk's scratch.
  const winograd = (
    images: number,
    channels: number,
    height: number,
    width: number,
    filters: number,
    pad: number,
    x: Float32Array,
    xOffset: number,
    weights: Float32Array,
    bias: Float32Array,
    y: Float32Array,
    yOffset: number,
    slope: number,
  ) => {
    const kBlocks = Math.ceil(filters / 8);
    const outH = height + 2 * pad - 2;
    const outW = width + 2 * pad - 2;
    const blocks = Math.ceil((images * Math.ceil(outH / 2) * Math.ceil(outW / 2)) / 4);
    // 16 products of 4 tiles × C × 8-filter blocks: the work of a block
    const work = blocks * 16 * 4 * channels * kBlocks * 8;
    const chunks = Math.min(blocks, pool.chunksFor(work));
    // blocks go `group` at a time through each chunk: U read once per group, the group's V and M
    // (blockBytes each block) kept within about 256 KB
    const blockBytes = kernels.winogradBlockBytes(filters, channels);
    const group = Math.max(
      1,
      Math.min(8, Math.ceil(blocks / chunks), Math.floor(WINOGRAD_GROUP_BYTES / blockBytes)),
    );
    // x with a zero border wide enough for every tile's 4×4 patch: [images, C, paddedH, paddedW]
    const paddedH = 2 * Math.ceil(outH / 2) + 2;
    const paddedW = 2 * Math.ceil(outW / 2) + 2;
    const paddedBytes = aligned(images * channels * paddedH * paddedW * 4);
    const uBytes = aligned(kernels.winogradWeightBytes(filters, channels));
    const chunkBytes = aligned(group * blockBytes + 320);
    const padded = aligned(heap.scratch(16 + paddedBytes + uBytes + chunks * chunkBytes));
    const u = padded + paddedBytes;
    const planes = images * channels;
    // biome-ignore format: arguments grouped as (sizes), (placement), (src, dst), chunks
    runJob(host, kernels.setupPlacePlanes(planes, height, width,
      pad, paddedH, paddedW,
      x.byteOffset + xOffset * 4, padded, Math.min(planes, pool.chunksFor(planes * paddedH * paddedW))));
    const groups = 2 * kBlocks;
    // biome-ignore format: arguments grouped as (sizes), (W, U), chunks
    runJob(host, kernels.setupWinogradWeights(filters, channels, weights.byteOffset, u,
      Math.min(groups, pool.chunksFor(groups * channels * 64))));
    // biome-ignore format: arguments grouped as (sizes), (arrays), (scratch), slope, group, chunks
    runJob(host, kernels.setupWinogradBlocks(images, channels, paddedH, paddedW, outH, outW, filters,
      padded, u, bias.byteOffset, y.byteOffset + yOffset * 4,
      u + uBytes, chunkBytes, slope, group, chunks));
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
        if (kernelSize === 3 && stride === 1 && channels >= WINOGRAD_MIN_CHANNELS) {
          winograd(
            images,
            channels,
            height,
            width,
            filters,
            pad,
            x,
            xOffset,
            weights,
            bias,
            y,
            yOffset,
            slope,
          );
          return;
        }
        const taps = channels * kernelSize * kernelSize;
        const [rowFloats, rows, rowLength] = panelRows(kernelSize, layout.phaseW, outH, outW);
        // the work grows with the taps, not only with the output: weigh the output by its patch size
        const blocks = images * Math.ceil((outH * outW) / 8);
        const chunks = Math.min(blocks, pool.chunksFor((images * filters * outH * outW * taps) / 8));
        // scratch: x's planes [images, imageFloats] (if copied) | weight panels [⌈F/4⌉, taps, 4] | tap offsets [taps]
        // | one pixel panel [taps, 8] per chunk
        const planeBytes = layout.copied ? aligned(images * layout.imageFloats * 4) : 0;
        const panelBytes = aligned(Math.ceil(filters / 4) * taps * 16);
        const offsetBytes = aligned(taps * 4);
        const scratch = aligned(
          heap.scratch(16 + planeBytes + panelBytes + offsetBytes + chunks * taps * 32),
        );
        const panels = scratch + planeBytes;
        const offsets = panels + panelBytes;
        const pixelPanels = offsets + offsetBytes;
        const xAt = x.byteOffset + xOffset * 4;
        if (layout.copied) phasePlanes(images * channels, height, width, stride, pad, layout, xAt, scratch);
        kernels.packConvWeights(filters, taps, weights.byteOffset, panels);
        kernels.tapOffsets(channels, kernelSize, stride, layout.phaseH, layout.phaseW, offsets);
        // biome-ignore format: arguments grouped as (sizes), (planes, panels, offsets), (bias, y, slope), scratch, chunks
        runJob(host, kernels.setupConv2dPanels(images, layout.imageFloats, rowFloats, rows, rowLength, filters, taps,
          layout.copied ? scratch : xAt, panels, offsets, bias.byteOffset, y.byteOffset + yOffset * 4, slope,
          pixelPanels, chunks));
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
        // dx by the phases of the stride (assembly/conv2d.ts, packInputGradPhase): the pixels y + pad =
        // j·s + py collect dy[j − m]·W[py + s·m] for m < ⌈(k − py)/s⌉. For each phase one stride-1
        // convolution of dy, placed M − 1 − ⌊pad/s⌋ rows and columns in (M = ⌈k/s⌉), with that phase's
        // taps flipped, rows j from ⌊pad/s⌋ on; interleavePhases puts the phases together. At stride 1
        // there is one phase, dx itself: dy padded by k − 1 − pad convolved with W flipped.
        const phases = Math.min(stride, kernelSize);
        const m = Math.ceil(kernelSize / stride);
        const skipped = Math.floor(pad / stride); // rows j < ⌊pad/s⌋ lie in the padding
        const phaseH = Math.floor((pad + height - 1) / stride) - skipped + 1;
        const phaseW = Math.floor((pad + width - 1) / stride) - skipped + 1;
        const [placedH, placedW] = [phaseH + m - 1, phaseW + m - 1];
        const border = m - 1 - skipped;
        const placed = border !== 0 || placedH !== outH || placedW !== outW; // otherwise dy is read in place
        const imageFloats = filters * placedH * placedW;
        const maxTaps = filters * m * m; // phase (0, 0)'s
        const phaseFloats = images * channels * phaseH * phaseW;
        // scratch: placed dy [images, F, placedH, placedW] (if placed) | panels [⌈C/4⌉, taps, 4] | zero
        // bias [C] | tap offsets [taps] | phases of dx [phases, phases, images, C, phaseH, phaseW] (stride > 1)
        // | pixel panels
        const placedBytes = placed ? aligned(images * imageFloats * 4) : 0;
        const panelBytes = aligned(Math.ceil(channels / 4) * maxTaps * 16);
        const biasBytes = aligned(channels * 4);
        const offsetBytes = aligned(maxTaps * 4);
        const phaseBytes = stride > 1 ? aligned(phases * phases * phaseFloats * 4) : 0;
        // one pixel panel [taps, 8] per chunk of 8-pixel blocks (chunks as for phase (0, 0), the most taps)
        const blocks = images * Math.ceil((phaseH * phaseW) / 8);
        const blockChunks = Math.min(blocks, pool.chunksFor((phaseFloats * maxTaps) / 8));
        const scratch = aligned(
          heap.scratch(
            16 + placedBytes + panelBytes + biasBytes + offsetBytes + phaseBytes + blockChunks * maxTaps * 32,
          ),
        );
        const panels = scratch + placedBytes;
        const zeroBias = panels + panelBytes;
        const offsets = zeroBias + biasBytes;
        const phased = offsets + offsetBytes;
        const pixelPanels = phased + phaseBytes;
        const dyAt = dy.byteOffset + dyOffset * 4;
        const dxAt = dx.byteOffset + dxOffset * 4;
        if (placed) {
          const planes = images * filters;
          const chunks = Math.min(planes, pool.chunksFor(images * imageFloats));
          // biome-ignore format: arguments grouped as (sizes), (placement), (src, dst), chunks
          runJob(host, kernels.setupPlacePlanes(planes, outH, outW,
            border, placedH, placedW,
            dyAt, scratch, chunks));
        }
        const [rowFloats, rows, rowLength] = panelRows(m, placedW, phaseH, phaseW);
        for (let py = 0; py < phases; py++) {
          for (let px = 0; px < phases; px++) {
            // biome-ignore format: arguments grouped as (sizes), (phase), (placement), (W, panels, offsets, bias)
            const taps = kernels.packInputGradPhase(filters, channels, kernelSize, stride,
              py, px,
              placedH, placedW,
              weights.byteOffset, panels, offsets, zeroBias);
            const output = stride > 1 ? phased + (py * phases + px) * phaseFloats * 4 : dxAt;
            // biome-ignore format: arguments grouped as (sizes), (planes, panels, offsets), (bias, output, slope), scratch, chunks
            runJob(host, kernels.setupConv2dPanels(images, imageFloats, rowFloats, rows, rowLength, channels, taps,
              placed ? scratch : dyAt, panels, offsets, zeroBias, output, 1,
              pixelPanels, Math.min(blockChunks, pool.chunksFor((phaseFloats * taps) / 8))));
          }
        }
        if (stride > 1) {
          const planes = images * channels;
          const chunks = Math.min(planes, pool.chunksFor(2 * images * channels * height * width));
          // biome-ignore format: arguments grouped as (sizes), (phases), (src, dst), chunks
          runJob(host, kernels.setupInterleavePhases(planes, height, width, stride, pad % stride,
            phases, phaseH, phaseW, phaseFloats,
            phased, dxAt, chunks));
        }
      },
    }),
  };
}
