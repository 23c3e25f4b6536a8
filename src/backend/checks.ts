// Argument checks shared by every backend's kernels: they run before any memory is touched. Every
// check is built from four primitives: checkSize (a whole number ≥ a minimum), checkInside (a slice
// fits its array), shapeMismatch (the error for arrays whose lengths disagree with the sizes) and
// windowOutputSize (the sliding-window formula the layers use too). They allocate nothing unless they
// throw: gemm and the elementwise kernels run them every layer step.

import { ShapeError } from '../util/errors.js';

/**
 * Window positions along one axis of `size` padded by `pad` on both sides: ⌊(size + 2·pad − k) /
 * stride⌋ + 1 (a last window that does not fit whole is left out, as PyTorch and darknet do). The one
 * output-size formula of conv2d, im2col and pooling, kernels and layers alike.
 *
 * @example
 * windowOutputSize(7, 3, 2, 1); // 4
 */
export function windowOutputSize(size: number, kernelSize: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernelSize) / stride) + 1;
}

/** Throws a ShapeError naming the kernel unless `value` (the argument `name`) is a whole number ≥ `minimum`. */
function checkSize(kernel: string, name: string, value: number, minimum = 0): void {
  if (!Number.isInteger(value) || value < minimum)
    throw new ShapeError(`${kernel}: ${name} = ${value} must be a whole number >= ${minimum}`);
}

/**
 * Throws a ShapeError unless `array` holds at least `needed` elements: the end of the slice `what`
 * (e.g. "A (3×4, ld 4, offset 2)") that the kernel reads or writes.
 */
function checkInside(kernel: string, what: string, needed: number, array: ArrayLike<number>): void {
  if (needed > array.length)
    throw new ShapeError(`${kernel}: ${what} needs ${needed} elements but its array holds ${array.length}`);
}

/** The ShapeError for arrays whose lengths do not match the sizes: what was expected, what came. */
function shapeMismatch(kernel: string, expected: string, received: string): ShapeError {
  return new ShapeError(`${kernel}: expected ${expected}, received ${received}`);
}

/**
 * Checks gemm's sizes, offsets and leading dimensions against the arrays, before any memory is touched.
 * Throws a ShapeError that names the argument and the numbers.
 */
export function checkGemmArguments(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  aOffset: number,
  lda: number,
  b: Float32Array,
  bOffset: number,
  ldb: number,
  c: Float32Array,
  cOffset: number,
  ldc: number,
): void {
  checkSize('gemm', 'm', m);
  checkSize('gemm', 'n', n);
  checkSize('gemm', 'k', k);
  checkSize('gemm', 'aOffset', aOffset);
  checkSize('gemm', 'bOffset', bOffset);
  checkSize('gemm', 'cOffset', cOffset);
  // A as stored is (transA ? k×m : m×k); its rows are lda apart.
  checkMatrix('A', a, aOffset, lda, transA ? k : m, transA ? m : k);
  checkMatrix('B', b, bOffset, ldb, transB ? n : k, transB ? k : n);
  checkMatrix('C', c, cOffset, ldc, m, n);
}

function checkMatrix(
  name: string,
  array: Float32Array,
  offset: number,
  ld: number,
  rows: number,
  cols: number,
): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) {
    throw new ShapeError(
      `gemm: ld${name.toLowerCase()} = ${ld} is smaller than the ${cols} columns of ${name} as stored`,
    );
  }
  if (rows === 0 || cols === 0) return;
  const end = offset + (rows - 1) * ld + cols;
  if (end > array.length)
    checkInside('gemm', `${name} (${rows}×${cols}, ld ${ld}, offset ${offset})`, end, array);
}

/**
 * Checks that elementwise operands (given in the kernel's argument order) have the same length, before
 * any memory is touched. Throws a ShapeError naming the kernel and the lengths. Allocates nothing.
 */
export function checkSameLengths(kernel: string, a: Float32Array, b: Float32Array, c?: Float32Array): void {
  if (a.length !== b.length || (c !== undefined && c.length !== a.length)) {
    const lengths = [a, b, c].flatMap((array) => (array === undefined ? [] : [array.length]));
    throw new ShapeError(`${kernel}: the arrays must have equal lengths, received ${lengths.join(', ')}`);
  }
}

/** Checks sumRows' sizes: `m` holds rows·cols values and `out` holds cols. */
export function checkSumRowsArguments(m: Float32Array, rows: number, cols: number, out: Float32Array): void {
  checkSize('sumRows', 'rows', rows);
  checkSize('sumRows', 'cols', cols);
  if (m.length !== rows * cols || out.length !== cols) {
    // biome-ignore format: the message
    throw shapeMismatch('sumRows', `a ${rows}×${cols} matrix (${rows * cols} values) and ${cols} outputs`,
      `${m.length} and ${out.length}`);
  }
}

/**
 * Checks im2col's / col2im's sizes, offsets and column stride against both arrays, before any memory
 * is touched, and returns the output size. Throws a ShapeError naming the kernel and the numbers.
 */
export function checkIm2colArguments(
  kernel: string,
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
): { outH: number; outW: number } {
  // biome-ignore format: arguments grouped as (sizes), (image)
  const { outH, outW } = checkImageWindow(kernel, 1, channels, height, width, kernelSize, stride, pad,
    image, imageOffset);
  checkSize(kernel, 'columnsOffset', columnsOffset);
  if (!Number.isInteger(ldColumns) || ldColumns < outH * outW) {
    throw new ShapeError(`${kernel}: ldColumns = ${ldColumns} is smaller than outH·outW = ${outH * outW}`);
  }
  const rows = channels * kernelSize * kernelSize;
  const what = `the columns (${rows}×${outH * outW}, ld ${ldColumns}, offset ${columnsOffset})`;
  checkInside(kernel, what, columnsOffset + (rows - 1) * ldColumns + outH * outW, columns);
  return { outH, outW };
}

/**
 * Checks conv2d's sizes: `images` images as im2col's image, one after another from xOffset, W [filters,
 * channels·k·k], bias [filters] and y [images, filters, outH, outW] from yOffset, and the activation
 * slope in [0, 1]. Returns the output size.
 */
export function checkConv2dArguments(
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
): { outH: number; outW: number } {
  if (!(slope >= 0 && slope <= 1)) throw new ShapeError(`conv2d: slope = ${slope} must lie in [0, 1]`);
  // biome-ignore format: arguments grouped as (sizes), (x)
  const { outH, outW } = checkImageWindow('conv2d', images, channels, height, width, kernelSize, stride, pad,
    x, xOffset);
  checkSize('conv2d', 'filters', filters, 1);
  checkSize('conv2d', 'yOffset', yOffset);
  checkInside('conv2d', 'W', filters * channels * kernelSize * kernelSize, weights);
  checkInside('conv2d', 'bias', filters, bias);
  checkInside('conv2d', 'y', yOffset + images * filters * outH * outW, y);
  return { outH, outW };
}

/**
 * Checks conv2dWeightGrad's sizes: x as conv2d's, dy [images, filters, outH, outW] from dyOffset, dW
 * [filters, channels·k·k]. Returns the output size.
 */
export function checkConv2dWeightGradArguments(
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
): { outH: number; outW: number } {
  const kernel = 'conv2dWeightGrad';
  // biome-ignore format: arguments grouped as (sizes), (x)
  const { outH, outW } = checkImageWindow(kernel, images, channels, height, width, kernelSize, stride, pad,
    x, xOffset);
  checkSize(kernel, 'filters', filters, 1);
  checkSize(kernel, 'dyOffset', dyOffset);
  checkInside(kernel, 'dy', dyOffset + images * filters * outH * outW, dy);
  checkInside(kernel, 'dW', filters * channels * kernelSize * kernelSize, dW);
  return { outH, outW };
}

/**
 * Checks conv2dInputGrad's sizes: dx [images, channels, height, width] from dxOffset (as conv2d's x),
 * dy [images, filters, outH, outW] from dyOffset, W [filters, channels·k·k]. Returns the output size.
 */
export function checkConv2dInputGradArguments(
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
): { outH: number; outW: number } {
  const kernel = 'conv2dInputGrad';
  // biome-ignore format: arguments grouped as (sizes), (dx)
  const { outH, outW } = checkImageWindow(kernel, images, channels, height, width, kernelSize, stride, pad,
    dx, dxOffset, 'dx');
  checkSize(kernel, 'filters', filters, 1);
  checkSize(kernel, 'dyOffset', dyOffset);
  checkInside(kernel, 'dy', dyOffset + images * filters * outH * outW, dy);
  checkInside(kernel, 'W', filters * channels * kernelSize * kernelSize, weights);
  return { outH, outW };
}

// Checks the sizes of a k×k window sliding over `images` CHW images from imageOffset (im2col with one
// image, the conv2d kernels with a batch); returns the output size.
function checkImageWindow(
  kernel: string,
  images: number,
  channels: number,
  height: number,
  width: number,
  kernelSize: number,
  stride: number,
  pad: number,
  image: Float32Array,
  imageOffset: number,
  name = 'x',
): { outH: number; outW: number } {
  checkSize(kernel, 'images', images);
  checkSize(kernel, 'channels', channels, 1);
  checkSize(kernel, 'height', height, 1);
  checkSize(kernel, 'width', width, 1);
  checkSize(kernel, 'kernelSize', kernelSize, 1);
  checkSize(kernel, 'stride', stride, 1);
  checkSize(kernel, 'pad', pad);
  checkSize(kernel, 'imageOffset', imageOffset);
  if (height + 2 * pad < kernelSize || width + 2 * pad < kernelSize) {
    throw new ShapeError(
      `${kernel}: a ${kernelSize}×${kernelSize} kernel does not fit a ${height}×${width} image with pad ${pad}`,
    );
  }
  const what =
    images === 1 && name === 'x'
      ? `the image (${channels}×${height}×${width} at offset ${imageOffset})`
      : `${name} (${images} images of ${channels}×${height}×${width} at offset ${imageOffset})`;
  checkInside(kernel, what, imageOffset + images * channels * height * width, image);
  return {
    outH: windowOutputSize(height, kernelSize, stride, pad),
    outW: windowOutputSize(width, kernelSize, stride, pad),
  };
}

/** Checks momentumOuterUpdate's sizes: w and v hold x.length × dy.length values. */
export function checkOuterUpdateArguments(
  w: Float32Array,
  v: Float32Array,
  x: Float32Array,
  dy: Float32Array,
): void {
  const size = x.length * dy.length;
  if (w.length !== size || v.length !== size) {
    throw new ShapeError(
      `momentumOuterUpdate: w and v must hold x.length·dy.length = ${x.length}·${dy.length} = ${size} values, received ${w.length} and ${v.length}`,
    );
  }
}

/**
 * Checks maxPool2d's sizes against its arrays before any memory is touched, and returns the output
 * size. Throws a ShapeError naming the numbers.
 */
export function checkMaxPoolArguments(
  planes: number,
  height: number,
  width: number,
  kernelSize: number,
  stride: number,
  pad: number,
  x: Float32Array,
  y: Float32Array,
  argmax: Int32Array,
): { outH: number; outW: number } {
  checkSize('maxPool2d', 'planes', planes);
  checkSize('maxPool2d', 'height', height, 1);
  checkSize('maxPool2d', 'width', width, 1);
  checkSize('maxPool2d', 'kernelSize', kernelSize, 1);
  checkSize('maxPool2d', 'stride', stride, 1);
  checkSize('maxPool2d', 'pad', pad);
  // pad < kernelSize keeps every clipped window non-empty (layers allow at most kernelSize / 2)
  if (pad >= kernelSize || height + 2 * pad < kernelSize || width + 2 * pad < kernelSize) {
    throw new ShapeError(
      `maxPool2d: a ${kernelSize}×${kernelSize} window with pad ${pad} does not fit a ${height}×${width} plane`,
    );
  }
  const outH = windowOutputSize(height, kernelSize, stride, pad);
  const outW = windowOutputSize(width, kernelSize, stride, pad);
  if (
    x.length !== planes * height * width ||
    y.length !== planes * outH * outW ||
    argmax.length !== y.length
  ) {
    // biome-ignore format: the message
    throw shapeMismatch('maxPool2d', `x of ${planes * height * width}, y and argmax of ${planes * outH * outW} elements`,
      `${x.length}, ${y.length}, ${argmax.length}`);
  }
  return { outH, outW };
}

/**
 * Checks a per-channel kernel's sizes (fillChannels, sumChannels, batch norm's): `tensor` is [images, channels, pixels] (NCHW with H·W
 * pixels) and `values` holds one number per channel.
 */
export function checkChannelArguments(
  kernel: string,
  tensor: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  values: Float32Array,
): void {
  checkSize(kernel, 'images', images);
  checkSize(kernel, 'channels', channels);
  checkSize(kernel, 'pixels', pixels);
  if (tensor.length !== images * channels * pixels || values.length !== channels) {
    // biome-ignore format: the message
    throw shapeMismatch(kernel, `a [${images}, ${channels}, ${pixels}] tensor (${images * channels * pixels} values) and ${channels} channel values`,
      `${tensor.length} and ${values.length}`);
  }
}

/** Checks batchNormStatistics' arrays: x [images, channels, pixels]; mean, squaredDeviations [channels]. */
export function checkBatchNormStatisticsArguments(
  x: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  mean: Float32Array,
  squaredDeviations: Float32Array,
): void {
  checkChannelArguments('batchNormStatistics', x, images, channels, pixels, mean);
  checkChannelArguments('batchNormStatistics', x, images, channels, pixels, squaredDeviations);
}

/** Checks batchNormForward's arrays: x, y [images, channels, pixels]; mean, scale, beta [channels]. */
export function checkBatchNormForwardArguments(
  x: Float32Array,
  mean: Float32Array,
  scale: Float32Array,
  beta: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  y: Float32Array,
): void {
  checkChannelArguments('batchNormForward', x, images, channels, pixels, mean);
  checkChannelArguments('batchNormForward', y, images, channels, pixels, scale);
  checkChannelArguments('batchNormForward', y, images, channels, pixels, beta);
}

/** Checks batchNormGradientSums' arrays: dy, x [images, channels, pixels]; mean and both sums [channels]. */
export function checkBatchNormGradientSumsArguments(
  dy: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  dySums: Float32Array,
  dyDeviationSums: Float32Array,
): void {
  checkChannelArguments('batchNormGradientSums', dy, images, channels, pixels, mean);
  checkChannelArguments('batchNormGradientSums', x, images, channels, pixels, dySums);
  checkChannelArguments('batchNormGradientSums', x, images, channels, pixels, dyDeviationSums);
}

/** Checks batchNormBackward's arrays: dy, x, dx [images, channels, pixels]; the four others [channels]. */
export function checkBatchNormBackwardArguments(
  dy: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  dyScale: Float32Array,
  deviationScale: Float32Array,
  shift: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  dx: Float32Array,
): void {
  checkChannelArguments('batchNormBackward', dy, images, channels, pixels, mean);
  checkChannelArguments('batchNormBackward', x, images, channels, pixels, dyScale);
  checkChannelArguments('batchNormBackward', dx, images, channels, pixels, deviationScale);
  checkChannelArguments('batchNormBackward', dx, images, channels, pixels, shift);
}

/**
 * Checks maxPool2dBackward's arguments before dx is touched: one argmax per dy, dy and dx each split into
 * `planes` planes, and each argmax (a flat index into x, as maxPool2d writes it) inside its own plane:
 * plane p's entries in [p·planeSize, (p + 1)·planeSize), planeSize = dx.length / planes. Throws a
 * ShapeError naming the first entry outside, its value and its plane's range. `firstOutside` may
 * replace the plain scan (the wasm backend passes its SIMD one; same result: the first entry outside
 * its plane, or -1).
 */
export function checkMaxPoolBackwardArguments(
  planes: number,
  dy: Float32Array,
  argmax: Int32Array,
  dx: Float32Array,
  firstOutside: (argmax: Int32Array, outputSize: number, planeSize: number) => number = firstArgmaxOutside,
): void {
  checkSize('maxPool2dBackward', 'planes', planes, 1);
  if (argmax.length !== dy.length || dy.length % planes !== 0 || dx.length % planes !== 0) {
    // biome-ignore format: the message
    throw shapeMismatch('maxPool2dBackward', `argmax as long as dy, and dy and dx of ${planes} planes each`,
      `dy ${dy.length}, argmax ${argmax.length}, dx ${dx.length}`);
  }
  // One pass over argmax, two compares per entry (the kernel's scatter does more per entry). An index
  // outside its plane would be lost (outside dx) or, on several threads, race with another plane's writes.
  const planeSize = dx.length / planes;
  const outputSize = dy.length / planes;
  const outside = firstOutside(argmax, outputSize, planeSize);
  if (outside >= 0) throw argmaxOutsidePlane(outside, argmax[outside], outputSize, planeSize);
}

// The first entry of argmax outside its plane (plane p of `outputSize` entries: [p·planeSize, (p + 1)·
// planeSize)), or -1.
function firstArgmaxOutside(argmax: Int32Array, outputSize: number, planeSize: number): number {
  let low = 0;
  let high = planeSize;
  let planeEnd = outputSize;
  for (let i = 0; i < argmax.length; i++) {
    if (i === planeEnd) {
      low = high;
      high += planeSize;
      planeEnd += outputSize;
    }
    const index = argmax[i];
    if (index < low || index >= high) return i;
  }
  return -1;
}

function argmaxOutsidePlane(i: number, index: number, outputSize: number, planeSize: number): ShapeError {
  const plane = Math.floor(i / outputSize);
  return new ShapeError(
    `maxPool2dBackward: argmax[${i}] = ${index} is outside its plane ${plane}: flat indices into x must lie in [${plane * planeSize}, ${(plane + 1) * planeSize})`,
  );
}
