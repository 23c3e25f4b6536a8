// Parallel-for jobs: a job descriptor in shared memory names a kernel, its arguments and how many
// items (channels, planes, rows, element blocks) it covers; every thread calls parallelChunk with the
// chunk numbers it claims (src/backend/wasm/thread_pool.ts) and runs the kernel on those items only.

import {
  conv2dWeightGradItems,
  interleavePhases,
  packGradientPanels,
  phasePlanes,
  placePlanes,
} from './conv2d';
import { conv2dPanelBlocks } from './conv2d_panels';
import {
  adamUpdate,
  batchNormBackward,
  batchNormForward,
  batchNormGradientSums,
  batchNormStatistics,
  fillChannels,
  leakyRelu,
  leakyReluBackward,
  momentumOuterUpdate,
  momentumUpdate,
  sgdUpdate,
  sumChannels,
} from './elementwise';
import { col2im, im2col } from './im2col';
import { maxPool2d, maxPool2dBackward } from './pool';
import { winogradBlocks, winogradWeights } from './winograd';

/** The parallel-for job descriptor (below HEAP_BASE, clear of the GEMM's job, control words and tiles). */
export const PARALLEL_ADDRESS: u32 = 3072;

const KIND_IM2COL: i32 = 1;
const KIND_COL2IM: i32 = 2;
const KIND_MAX_POOL: i32 = 3;
const KIND_MAX_POOL_BACKWARD: i32 = 4;
const KIND_LEAKY_RELU: i32 = 5;
const KIND_LEAKY_RELU_BACKWARD: i32 = 6;
const KIND_FILL_CHANNELS: i32 = 7;
const KIND_SUM_CHANNELS: i32 = 8;
const KIND_BATCH_NORM_STATISTICS: i32 = 9;
const KIND_BATCH_NORM_FORWARD: i32 = 10;
const KIND_CONV2D_PANELS: i32 = 11;
const KIND_MOMENTUM_UPDATE: i32 = 12;
const KIND_SGD_UPDATE: i32 = 13;
const KIND_ADAM_UPDATE: i32 = 14;
const KIND_PHASE_PLANES: i32 = 15;
const KIND_PACK_GRADIENT_PANELS: i32 = 16;
const KIND_CONV2D_WEIGHT_GRAD: i32 = 17;
const KIND_MOMENTUM_OUTER_UPDATE: i32 = 18;
const KIND_BATCH_NORM_GRADIENT_SUMS: i32 = 19;
const KIND_BATCH_NORM_BACKWARD: i32 = 20;
const KIND_PLACE_PLANES: i32 = 21;
const KIND_INTERLEAVE_PHASES: i32 = 22;
const KIND_WINOGRAD_WEIGHTS: i32 = 23;
const KIND_WINOGRAD_BLOCKS: i32 = 24;

// Descriptor slots (i32 or f32): the kind, the item count, items per chunk, then the kernel's arguments.
const P_KIND: i32 = 0;
const P_ITEMS: i32 = 1;
const P_CHUNK_ITEMS: i32 = 2;
const P_ARGS: i32 = 3;

// @ts-ignore: decorator
@inline function arg(index: i32): i32 {
  return load<i32>(PARALLEL_ADDRESS + ((<u32>(P_ARGS + index)) << 2));
}
// @ts-ignore: decorator
@inline function argF(index: i32): f32 {
  return load<f32>(PARALLEL_ADDRESS + ((<u32>(P_ARGS + index)) << 2));
}
// @ts-ignore: decorator
@inline function setArg(index: i32, value: i32): void {
  store<i32>(PARALLEL_ADDRESS + ((<u32>(P_ARGS + index)) << 2), value);
}
// @ts-ignore: decorator
@inline function setArgF(index: i32, value: f32): void {
  store<f32>(PARALLEL_ADDRESS + ((<u32>(P_ARGS + index)) << 2), value);
}

// Records kind and items, `chunkItems` items per chunk; returns the chunk count.
function describe(kind: i32, items: i32, chunkItems: i32): i32 {
  store<i32>(PARALLEL_ADDRESS + ((<u32>P_KIND) << 2), kind);
  store<i32>(PARALLEL_ADDRESS + ((<u32>P_ITEMS) << 2), items);
  store<i32>(PARALLEL_ADDRESS + ((<u32>P_CHUNK_ITEMS) << 2), chunkItems);
  return (items + chunkItems - 1) / chunkItems;
}

// Items per chunk for about `chunks` chunks, rounded up to a multiple of `multiple`.
function itemsPerChunk(items: i32, chunks: i32, multiple: i32): i32 {
  const even = (items + max(1, chunks) - 1) / max(1, chunks);
  return max(multiple, ((even + multiple - 1) / multiple) * multiple);
}

/** Runs items [chunk·chunkItems, …) of the described job: what each thread calls per claimed chunk. */
export function parallelChunk(chunk: i32): void {
  const kind = load<i32>(PARALLEL_ADDRESS + ((<u32>P_KIND) << 2));
  const items = load<i32>(PARALLEL_ADDRESS + ((<u32>P_ITEMS) << 2));
  const chunkItems = load<i32>(PARALLEL_ADDRESS + ((<u32>P_CHUNK_ITEMS) << 2));
  const first = chunk * chunkItems;
  const last = min(items, first + chunkItems);
  if (first >= last) return;
  if (kind === KIND_IM2COL || kind === KIND_COL2IM) {
    // channels [first, last): a sub-image, and the block of column rows its patches fill
    const height = arg(1);
    const width = arg(2);
    const kernelSize = arg(3);
    const ldColumns = arg(8);
    const image = <usize>arg(6) + ((<usize>first * <usize>height * <usize>width) << 2);
    const rowsPerChannel = <usize>(kernelSize * kernelSize);
    const columns = <usize>arg(7) + ((<usize>first * rowsPerChannel * <usize>ldColumns) << 2);
    if (kind === KIND_IM2COL) {
      im2col(last - first, height, width, kernelSize, arg(4), arg(5), image, columns, ldColumns);
    } else {
      col2im(last - first, height, width, kernelSize, arg(4), arg(5), columns, ldColumns, image);
    }
  } else if (kind === KIND_MAX_POOL) {
    // planes [first, last)
    const height = arg(1);
    const width = arg(2);
    const kernelSize = arg(3);
    const stride = arg(4);
    const pad = arg(5);
    const outPlane = <usize>(
      (((height + 2 * pad - kernelSize) / stride + 1) * ((width + 2 * pad - kernelSize) / stride + 1))
    );
    const x = <usize>arg(6) + ((<usize>first * <usize>height * <usize>width) << 2);
    const outAt = (<usize>first * outPlane) << 2;
    maxPool2d(
      last - first,
      height,
      width,
      kernelSize,
      stride,
      pad,
      x,
      <usize>arg(7) + outAt,
      <usize>arg(8) + outAt,
    );
    // argmax indices are relative to the sub-tensor x: shift them to the whole tensor
    const shift = first * height * width;
    if (shift !== 0) {
      const argmax = <usize>arg(8) + outAt;
      const count = <usize>(last - first) * outPlane;
      const vshift = i32x4.splat(shift);
      let i: usize = 0;
      for (; i + 4 <= count; i += 4)
        v128.store(argmax + (i << 2), i32x4.add(v128.load(argmax + (i << 2)), vshift));
      for (; i < count; i++) store<i32>(argmax + (i << 2), load<i32>(argmax + (i << 2)) + shift);
    }
  } else if (kind === KIND_MAX_POOL_BACKWARD) {
    maxPool2dBackward(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), first, last);
  } else if (kind === KIND_LEAKY_RELU || kind === KIND_LEAKY_RELU_BACKWARD) {
    // elements [first, last)
    const at = (<usize>first) << 2;
    const x = <usize>arg(0) + at;
    if (kind === KIND_LEAKY_RELU) leakyRelu(x, <usize>arg(1) + at, last - first, argF(3));
    else leakyReluBackward(x, <usize>arg(1) + at, <usize>arg(2) + at, last - first, argF(3));
  } else if (kind === KIND_FILL_CHANNELS) {
    fillChannels(arg(0), arg(1), arg(2), arg(3), first, last);
  } else if (kind === KIND_SUM_CHANNELS) {
    sumChannels(arg(0), arg(1), arg(2), arg(3), arg(4), first, last);
  } else if (kind === KIND_BATCH_NORM_STATISTICS) {
    batchNormStatistics(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), first, last);
  } else if (kind === KIND_BATCH_NORM_GRADIENT_SUMS) {
    batchNormGradientSums(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), arg(6), arg(7), first, last);
  } else if (kind === KIND_BATCH_NORM_FORWARD) {
    batchNormForward(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), arg(6), first, last);
  } else if (kind === KIND_BATCH_NORM_BACKWARD) {
    batchNormBackward(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), arg(6), arg(7), arg(8), first, last);
  } else if (kind === KIND_CONV2D_PANELS) {
    // 8-pixel blocks [first, last) of the whole batch, gathered into this chunk's own panel
    const panel = <usize>arg(12) + <usize>chunk * ((<usize>arg(5)) << 5);
    // biome-ignore format: the arguments in slot order
    conv2dPanelBlocks(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), arg(6), arg(7), arg(8), arg(9), arg(10), argF(11),
      panel, first, last);
  } else if (kind === KIND_WINOGRAD_WEIGHTS) {
    // 4-filter groups [first, last)
    winogradWeights(arg(0), arg(1), arg(2), arg(3), first, last);
  } else if (kind === KIND_WINOGRAD_BLOCKS) {
    // 4-tile blocks [first, last), in this chunk's own scratch
    const scratch = <usize>arg(11) + <usize>chunk * <usize>arg(12);
    // biome-ignore format: the arguments in slot order
    winogradBlocks(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), arg(6), arg(7), arg(8), arg(9), arg(10),
      argF(13), arg(14), scratch, first, last);
  } else if (kind === KIND_PHASE_PLANES) {
    // biome-ignore format: the arguments in slot order
    phasePlanes(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), arg(6), arg(7), arg(8), first, last);
  } else if (kind === KIND_PLACE_PLANES) {
    placePlanes(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), arg(6), first, last);
  } else if (kind === KIND_INTERLEAVE_PHASES) {
    // biome-ignore format: the arguments in slot order
    interleavePhases(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), arg(6), arg(7), arg(8), arg(9), first, last);
  } else if (kind === KIND_PACK_GRADIENT_PANELS) {
    packGradientPanels(arg(0), arg(1), arg(2), arg(3), first, last);
  } else if (kind === KIND_CONV2D_WEIGHT_GRAD) {
    // (filter block, tap block) pairs [first, last)
    // biome-ignore format: the arguments in slot order
    conv2dWeightGradItems(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), arg(6), arg(7), arg(8), arg(9), arg(10),
      arg(11), first, last);
  } else if (kind === KIND_MOMENTUM_OUTER_UPDATE) {
    // rows [first, last) of w and v, with their entries of x
    const cols = arg(5);
    const at = (<usize>first * <usize>cols) << 2;
    momentumOuterUpdate(
      <usize>arg(0) + at,
      <usize>arg(1) + at,
      <usize>arg(2) + ((<usize>first) << 2),
      arg(3),
      last - first,
      cols,
      argF(6),
      argF(7),
    );
  } else if (kind === KIND_MOMENTUM_UPDATE || kind === KIND_SGD_UPDATE || kind === KIND_ADAM_UPDATE) {
    // elements [first, last) of every array
    const at = (<usize>first) << 2;
    const n = last - first;
    if (kind === KIND_MOMENTUM_UPDATE) {
      momentumUpdate(<usize>arg(0) + at, <usize>arg(1) + at, <usize>arg(2) + at, n, argF(4), argF(5));
    } else if (kind === KIND_SGD_UPDATE) {
      sgdUpdate(<usize>arg(0) + at, <usize>arg(2) + at, n, argF(4));
    } else {
      adamUpdate(
        <usize>arg(0) + at,
        <usize>arg(1) + at,
        <usize>arg(3) + at,
        <usize>arg(2) + at,
        n,
        argF(4),
        argF(5),
        argF(6),
        argF(7),
      );
    }
  }
}

/** im2col split by channels into `chunks` chunks (arguments as im2col's); returns the chunk count. */
export function setupIm2col(
  channels: i32,
  height: i32,
  width: i32,
  kernelSize: i32,
  stride: i32,
  pad: i32,
  image: usize,
  columns: usize,
  ldColumns: i32,
  chunks: i32,
): i32 {
  setWindowArgs(channels, height, width, kernelSize, stride, pad, image, columns, ldColumns);
  return describe(KIND_IM2COL, channels, itemsPerChunk(channels, chunks, 1));
}

/** col2im split by channels (each chunk adds into its own channels of the image). */
export function setupCol2im(
  channels: i32,
  height: i32,
  width: i32,
  kernelSize: i32,
  stride: i32,
  pad: i32,
  columns: usize,
  ldColumns: i32,
  image: usize,
  chunks: i32,
): i32 {
  setWindowArgs(channels, height, width, kernelSize, stride, pad, image, columns, ldColumns);
  return describe(KIND_COL2IM, channels, itemsPerChunk(channels, chunks, 1));
}

/** maxPool2d split by planes. */
export function setupMaxPool2d(
  planes: i32,
  height: i32,
  width: i32,
  kernelSize: i32,
  stride: i32,
  pad: i32,
  x: usize,
  y: usize,
  argmax: usize,
  chunks: i32,
): i32 {
  setWindowArgs(planes, height, width, kernelSize, stride, pad, x, y, <i32>argmax);
  return describe(KIND_MAX_POOL, planes, itemsPerChunk(planes, chunks, 1));
}

/** maxPool2dBackward split by planes (each plane's dx is zeroed and scattered into by one thread). */
export function setupMaxPool2dBackward(
  planes: i32,
  planeSize: i32,
  outputSize: i32,
  dy: usize,
  argmax: usize,
  dx: usize,
  chunks: i32,
): i32 {
  setArg(0, planeSize);
  setArg(1, outputSize);
  setArg(2, <i32>dy);
  setArg(3, <i32>argmax);
  setArg(4, <i32>dx);
  setArg(5, planes * planeSize);
  return describe(KIND_MAX_POOL_BACKWARD, planes, itemsPerChunk(planes, chunks, 1));
}

/**
 * leakyRelu (x, y; dx unused) or, with `backward`, leakyReluBackward (x, dy, dx), split by blocks of
 * elements.
 */
export function setupLeakyRelu(
  backward: i32,
  x: usize,
  yOrDy: usize,
  dx: usize,
  n: i32,
  alpha: f32,
  chunks: i32,
): i32 {
  setArg(0, <i32>x);
  setArg(1, <i32>yOrDy);
  setArg(2, <i32>dx);
  setArgF(3, alpha);
  // whole SIMD vectors per chunk
  return describe(backward ? KIND_LEAKY_RELU_BACKWARD : KIND_LEAKY_RELU, n, itemsPerChunk(n, chunks, 4));
}

/** fillChannels split by rows of y (images·channels of them). */
export function setupFillChannels(
  values: usize,
  images: i32,
  channels: i32,
  pixels: i32,
  y: usize,
  chunks: i32,
): i32 {
  setArg(0, <i32>values);
  setArg(1, channels);
  setArg(2, pixels);
  setArg(3, <i32>y);
  return describe(KIND_FILL_CHANNELS, images * channels, itemsPerChunk(images * channels, chunks, 1));
}

/** sumChannels split by channels. */
export function setupSumChannels(
  m: usize,
  images: i32,
  channels: i32,
  pixels: i32,
  out: usize,
  chunks: i32,
): i32 {
  setArg(0, <i32>m);
  setArg(1, images);
  setArg(2, channels);
  setArg(3, pixels);
  setArg(4, <i32>out);
  return describe(KIND_SUM_CHANNELS, channels, itemsPerChunk(channels, chunks, 1));
}

/** batchNormStatistics split by channels. */
export function setupBatchNormStatistics(
  x: usize,
  images: i32,
  channels: i32,
  pixels: i32,
  mean: usize,
  squaredDeviations: usize,
  chunks: i32,
): i32 {
  setArg(0, <i32>x);
  setArg(1, images);
  setArg(2, channels);
  setArg(3, pixels);
  setArg(4, <i32>mean);
  setArg(5, <i32>squaredDeviations);
  return describe(KIND_BATCH_NORM_STATISTICS, channels, itemsPerChunk(channels, chunks, 1));
}

/** batchNormGradientSums split by channels. */
export function setupBatchNormGradientSums(
  dy: usize,
  x: usize,
  mean: usize,
  images: i32,
  channels: i32,
  pixels: i32,
  dySums: usize,
  dyDeviationSums: usize,
  chunks: i32,
): i32 {
  setArg(0, <i32>dy);
  setArg(1, <i32>x);
  setArg(2, <i32>mean);
  setArg(3, images);
  setArg(4, channels);
  setArg(5, pixels);
  setArg(6, <i32>dySums);
  setArg(7, <i32>dyDeviationSums);
  return describe(KIND_BATCH_NORM_GRADIENT_SUMS, channels, itemsPerChunk(channels, chunks, 1));
}

/** batchNormForward split by rows (images·channels of them). */
export function setupBatchNormForward(
  x: usize,
  mean: usize,
  scale: usize,
  beta: usize,
  images: i32,
  channels: i32,
  pixels: i32,
  y: usize,
  chunks: i32,
): i32 {
  setArg(0, <i32>x);
  setArg(1, <i32>mean);
  setArg(2, <i32>scale);
  setArg(3, <i32>beta);
  setArg(4, channels);
  setArg(5, pixels);
  setArg(6, <i32>y);
  return describe(KIND_BATCH_NORM_FORWARD, images * channels, itemsPerChunk(images * channels, chunks, 1));
}

/** batchNormBackward split by rows (images·channels of them). */
export function setupBatchNormBackward(
  dy: usize,
  x: usize,
  mean: usize,
  dyScale: usize,
  deviationScale: usize,
  shift: usize,
  images: i32,
  channels: i32,
  pixels: i32,
  dx: usize,
  chunks: i32,
): i32 {
  setArg(0, <i32>dy);
  setArg(1, <i32>x);
  setArg(2, <i32>mean);
  setArg(3, <i32>dyScale);
  setArg(4, <i32>deviationScale);
  setArg(5, <i32>shift);
  setArg(6, channels);
  setArg(7, pixels);
  setArg(8, <i32>dx);
  return describe(KIND_BATCH_NORM_BACKWARD, images * channels, itemsPerChunk(images * channels, chunks, 1));
}

/** momentumOuterUpdate split by rows of w and v [rows, cols]. */
export function setupMomentumOuterUpdate(
  w: usize,
  v: usize,
  x: usize,
  dy: usize,
  rows: i32,
  cols: i32,
  lr: f32,
  momentum: f32,
  chunks: i32,
): i32 {
  setArg(0, <i32>w);
  setArg(1, <i32>v);
  setArg(2, <i32>x);
  setArg(3, <i32>dy);
  setArg(5, cols);
  setArgF(6, lr);
  setArgF(7, momentum);
  return describe(KIND_MOMENTUM_OUTER_UPDATE, rows, itemsPerChunk(rows, chunks, 1));
}

/**
 * phasePlanes split by planes: `planes` planes [H, W] at src, zero-padded by `pad`, split into the
 * phases of `stride` into dst [planes, phases, phases, phaseH, phaseW].
 */
export function setupPhasePlanes(
  planes: i32,
  height: i32,
  width: i32,
  stride: i32,
  pad: i32,
  phases: i32,
  phaseH: i32,
  phaseW: i32,
  src: usize,
  dst: usize,
  chunks: i32,
): i32 {
  setArg(0, height);
  setArg(1, width);
  setArg(2, stride);
  setArg(3, pad);
  setArg(4, phases);
  setArg(5, phaseH);
  setArg(6, phaseW);
  setArg(7, <i32>src);
  setArg(8, <i32>dst);
  return describe(KIND_PHASE_PLANES, planes, itemsPerChunk(planes, chunks, 1));
}

/** placePlanes split by planes: `planes` planes [H, W] at src placed from (pad, pad) into dst [planes, outH, outW]. */
export function setupPlacePlanes(
  planes: i32,
  height: i32,
  width: i32,
  pad: i32,
  outH: i32,
  outW: i32,
  src: usize,
  dst: usize,
  chunks: i32,
): i32 {
  setArg(0, height);
  setArg(1, width);
  setArg(2, pad);
  setArg(3, outH);
  setArg(4, outW);
  setArg(5, <i32>src);
  setArg(6, <i32>dst);
  return describe(KIND_PLACE_PLANES, planes, itemsPerChunk(planes, chunks, 1));
}

/** interleavePhases split by planes: `planes` planes [H, W] of dst gathered from their phases at src. */
export function setupInterleavePhases(
  planes: i32,
  height: i32,
  width: i32,
  stride: i32,
  pad: i32,
  phases: i32,
  phaseH: i32,
  phaseW: i32,
  phaseFloats: i32,
  src: usize,
  dst: usize,
  chunks: i32,
): i32 {
  setArg(0, height);
  setArg(1, width);
  setArg(2, stride);
  setArg(3, pad);
  setArg(4, phases);
  setArg(5, phaseH);
  setArg(6, phaseW);
  setArg(7, phaseFloats);
  setArg(8, <i32>src);
  setArg(9, <i32>dst);
  return describe(KIND_INTERLEAVE_PHASES, planes, itemsPerChunk(planes, chunks, 1));
}

/**
 * Describes conv2dPanelBlocks over a batch, after phasePlanes, packConvWeights and tapOffsets; `panels`
 * is scratch of taps·8 floats for each of the returned number of chunks. Items are the 8-pixel blocks
 * of every image.
 */
export function setupConv2dPanels(
  images: i32,
  imageFloats: i32,
  rowFloats: i32,
  outH: i32,
  outW: i32,
  filters: i32,
  taps: i32,
  planes: usize,
  weightPanels: usize,
  offsets: usize,
  bias: usize,
  y: usize,
  slope: f32,
  panels: usize,
  chunks: i32,
): i32 {
  setArg(0, imageFloats);
  setArg(1, rowFloats);
  setArg(2, outH);
  setArg(3, outW);
  setArg(4, filters);
  setArg(5, taps);
  setArg(6, <i32>planes);
  setArg(7, <i32>weightPanels);
  setArg(8, <i32>offsets);
  setArg(9, <i32>bias);
  setArg(10, <i32>y);
  setArgF(11, slope);
  setArg(12, <i32>panels);
  const blocks = images * ((outH * outW + 7) >> 3);
  return describe(KIND_CONV2D_PANELS, blocks, itemsPerChunk(blocks, chunks, 1));
}

/** packGradientPanels split by (image, 8-filter block) panels. */
export function setupPackGradientPanels(
  images: i32,
  filters: i32,
  pixels: i32,
  dy: usize,
  panels: usize,
  chunks: i32,
): i32 {
  setArg(0, filters);
  setArg(1, pixels);
  setArg(2, <i32>dy);
  setArg(3, <i32>panels);
  const items = images * ((filters + 7) / 8);
  return describe(KIND_PACK_GRADIENT_PANELS, items, itemsPerChunk(items, chunks, 1));
}

/**
 * conv2dWeightGradItems split by (8-filter block, 4-tap block) pairs (after phasePlanes, tapOffsets and
 * packGradientPanels); `sums` holds 32 floats per pair.
 */
export function setupConv2dWeightGrad(
  images: i32,
  imageFloats: i32,
  rowFloats: i32,
  outH: i32,
  outW: i32,
  filters: i32,
  taps: i32,
  planes: usize,
  offsets: usize,
  dyPanels: usize,
  sums: usize,
  dW: usize,
  chunks: i32,
): i32 {
  setArg(0, images);
  setArg(1, imageFloats);
  setArg(2, rowFloats);
  setArg(3, outH);
  setArg(4, outW);
  setArg(5, filters);
  setArg(6, taps);
  setArg(7, <i32>planes);
  setArg(8, <i32>offsets);
  setArg(9, <i32>dyPanels);
  setArg(10, <i32>sums);
  setArg(11, <i32>dW);
  const items = ((filters + 7) / 8) * ((taps + 3) / 4);
  return describe(KIND_CONV2D_WEIGHT_GRAD, items, itemsPerChunk(items, chunks, 1));
}

/**
 * An optimizer update split by blocks of elements: momentumUpdate (w, v, g; lr, momentum), sgdUpdate
 * (w, g; lr) or adamUpdate (w, m, v, g; lr, beta1, beta2, epsilon), as `optimizer` 0, 1 or 2. `state`
 * is v (Momentum) or m (Adam), `second` Adam's v; unused arguments are ignored.
 */
export function setupOptimizerUpdate(
  optimizer: i32,
  w: usize,
  state: usize,
  g: usize,
  second: usize,
  n: i32,
  lr: f32,
  hyper1: f32,
  hyper2: f32,
  epsilon: f32,
  chunks: i32,
): i32 {
  setArg(0, <i32>w);
  setArg(1, <i32>state);
  setArg(2, <i32>g);
  setArg(3, <i32>second);
  setArgF(4, lr);
  setArgF(5, hyper1);
  setArgF(6, hyper2);
  setArgF(7, epsilon);
  // whole SIMD vectors per chunk
  return describe(KIND_MOMENTUM_UPDATE + optimizer, n, itemsPerChunk(n, chunks, 4));
}

// Arguments 0–8 in im2col's order (channels, height, width, kernelSize, stride, pad, then three pointers
// or a pointer and ldColumns).
function setWindowArgs(
  channels: i32,
  height: i32,
  width: i32,
  kernelSize: i32,
  stride: i32,
  pad: i32,
  first: usize,
  second: usize,
  third: i32,
): void {
  setArg(0, channels);
  setArg(1, height);
  setArg(2, width);
  setArg(3, kernelSize);
  setArg(4, stride);
  setArg(5, pad);
  setArg(6, <i32>first);
  setArg(7, <i32>second);
  setArg(8, third);
}

/**
 * Describes winogradWeights for W [filters, channels, 3, 3] into `u`: items are the 4-filter groups of
 * ⌈filters/8⌉ 8-filter blocks (the last block's missing filters zeroed).
 */
export function setupWinogradWeights(
  filters: i32,
  channels: i32,
  weights: usize,
  u: usize,
  chunks: i32,
): i32 {
  setArg(0, filters);
  setArg(1, channels);
  setArg(2, <i32>weights);
  setArg(3, <i32>u);
  const groups = ((filters + 7) >> 3) << 1;
  return describe(KIND_WINOGRAD_WEIGHTS, groups, itemsPerChunk(groups, chunks, 1));
}

/**
 * Describes winogradBlocks over a batch of padded planes [images, channels, height, width] (as
 * winogradBlocks reads them), `group` blocks at a time: items are the 4-tile blocks; each
 * chunk uses `scratchBytes` bytes of `scratch` (chunk c at scratch + c·scratchBytes), so the scratch
 * holds as many as the returned chunk count.
 */
export function setupWinogradBlocks(
  images: i32,
  channels: i32,
  height: i32,
  width: i32,
  outH: i32,
  outW: i32,
  filters: i32,
  x: usize,
  u: usize,
  bias: usize,
  y: usize,
  scratch: usize,
  scratchBytes: i32,
  slope: f32,
  group: i32,
  chunks: i32,
): i32 {
  setArg(0, images);
  setArg(1, channels);
  setArg(2, height);
  setArg(3, width);
  setArg(4, outH);
  setArg(5, outW);
  setArg(6, filters);
  setArg(7, <i32>x);
  setArg(8, <i32>u);
  setArg(9, <i32>bias);
  setArg(10, <i32>y);
  setArg(11, <i32>scratch);
  setArg(12, scratchBytes);
  setArgF(13, slope);
  setArg(14, group);
  const tiles = images * ((outH + 1) >> 1) * ((outW + 1) >> 1);
  const blocks = (tiles + 3) >> 2;
  return describe(KIND_WINOGRAD_BLOCKS, blocks, itemsPerChunk(blocks, chunks, 1));
}
