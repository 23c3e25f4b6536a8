// Argument checks shared by every backend's kernels: they run before any memory is touched.

import { ShapeError } from '../util/errors.js';

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
  checkCount('m', m);
  checkCount('n', n);
  checkCount('k', k);
  checkCount('aOffset', aOffset);
  checkCount('bOffset', bOffset);
  checkCount('cOffset', cOffset);
  // A as stored is (transA ? k×m : m×k); its rows are lda apart.
  checkMatrix('A', a, aOffset, lda, transA ? k : m, transA ? m : k);
  checkMatrix('B', b, bOffset, ldb, transB ? n : k, transB ? k : n);
  checkMatrix('C', c, cOffset, ldc, m, n);
}

// Checked one by one rather than in a loop over pairs: gemm runs every layer step, and this allocates nothing.
function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0)
    throw new ShapeError(`gemm: ${name} = ${value} must be a whole number >= 0`);
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
  if (end > array.length) {
    throw new ShapeError(
      `gemm: ${name} (${rows}×${cols}, ld ${ld}, offset ${offset}) needs ${end} elements but its array holds ${array.length}`,
    );
  }
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
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new ShapeError(`sumRows: rows = ${rows} and cols = ${cols} must be whole numbers >= 0`);
  }
  if (m.length !== rows * cols || out.length !== cols) {
    throw new ShapeError(
      `sumRows: expected a ${rows}×${cols} matrix (${rows * cols} values) and ${cols} outputs, received ${m.length} and ${out.length}`,
    );
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
  const { outH, outW } = checkImageWindow(
    kernel,
    channels,
    height,
    width,
    kernelSize,
    stride,
    pad,
    image,
    imageOffset,
  );
  if (!Number.isInteger(columnsOffset) || columnsOffset < 0)
    throw new ShapeError(`${kernel}: columnsOffset = ${columnsOffset} must be a whole number >= 0`);
  if (!Number.isInteger(ldColumns) || ldColumns < outH * outW) {
    throw new ShapeError(`${kernel}: ldColumns = ${ldColumns} is smaller than outH·outW = ${outH * outW}`);
  }
  const rows = channels * kernelSize * kernelSize;
  const columnsEnd = columnsOffset + (rows - 1) * ldColumns + outH * outW;
  if (columnsEnd > columns.length) {
    throw new ShapeError(
      `${kernel}: the columns (${rows}×${outH * outW}, ld ${ldColumns}, offset ${columnsOffset}) need ${columnsEnd} elements but their array holds ${columns.length}`,
    );
  }
  return { outH, outW };
}

/**
 * Checks conv2d's sizes (stride 1): `images` images as im2col's image, one after another from xOffset,
 * W [filters, channels·k·k], bias [filters] and y [images, filters, outH, outW] from yOffset, and the
 * activation slope in [0, 1]. Returns the output size.
 */
export function checkConv2dArguments(
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
): { outH: number; outW: number } {
  if (!(slope >= 0 && slope <= 1)) throw new ShapeError(`conv2d: slope = ${slope} must lie in [0, 1]`);
  const { outH, outW } = checkBatchWindow(
    'conv2d',
    images,
    channels,
    height,
    width,
    kernelSize,
    pad,
    x,
    xOffset,
  );
  checkWholeNumbers('conv2d', [
    ['filters', filters, 1],
    ['yOffset', yOffset, 0],
  ]);
  checkLengths('conv2d', [
    ['W', filters * channels * kernelSize * kernelSize, weights],
    ['bias', filters, bias],
    ['y', yOffset + images * filters * outH * outW, y],
  ]);
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
  pad: number,
  x: Float32Array,
  xOffset: number,
  dy: Float32Array,
  dyOffset: number,
  dW: Float32Array,
): { outH: number; outW: number } {
  const kernel = 'conv2dWeightGrad';
  const { outH, outW } = checkBatchWindow(
    kernel,
    images,
    channels,
    height,
    width,
    kernelSize,
    pad,
    x,
    xOffset,
  );
  checkWholeNumbers(kernel, [
    ['filters', filters, 1],
    ['dyOffset', dyOffset, 0],
  ]);
  checkLengths(kernel, [
    ['dy', dyOffset + images * filters * outH * outW, dy],
    ['dW', filters * channels * kernelSize * kernelSize, dW],
  ]);
  return { outH, outW };
}

// The image window check (stride 1) for a batch: `images` ≥ 0 images of channels×height×width from xOffset.
function checkBatchWindow(
  kernel: string,
  images: number,
  channels: number,
  height: number,
  width: number,
  kernelSize: number,
  pad: number,
  x: Float32Array,
  xOffset: number,
): { outH: number; outW: number } {
  checkWholeNumbers(kernel, [['images', images, 0]]);
  return checkImageWindow(kernel, channels, height, width, kernelSize, 1, pad, x, xOffset, images);
}

function checkWholeNumbers(kernel: string, values: readonly (readonly [string, number, number])[]): void {
  for (const [name, value, minimum] of values) {
    if (!Number.isInteger(value) || value < minimum)
      throw new ShapeError(`${kernel}: ${name} = ${value} must be a whole number >= ${minimum}`);
  }
}

function checkLengths(kernel: string, arrays: readonly (readonly [string, number, Float32Array])[]): void {
  for (const [name, needed, array] of arrays) {
    if (needed > array.length)
      throw new ShapeError(`${kernel}: ${name} needs ${needed} elements but its array holds ${array.length}`);
  }
}

// Checks the sizes of a k×k window sliding over `images` CHW images from imageOffset (im2col, pooling,
// conv2d); returns the output size.
function checkImageWindow(
  kernel: string,
  channels: number,
  height: number,
  width: number,
  kernelSize: number,
  stride: number,
  pad: number,
  image: Float32Array,
  imageOffset: number,
  images = 1,
): { outH: number; outW: number } {
  checkWholeNumbers(kernel, [
    ['channels', channels, 1],
    ['height', height, 1],
    ['width', width, 1],
    ['kernelSize', kernelSize, 1],
    ['stride', stride, 1],
    ['pad', pad, 0],
    ['imageOffset', imageOffset, 0],
  ]);
  if (height + 2 * pad < kernelSize || width + 2 * pad < kernelSize) {
    throw new ShapeError(
      `${kernel}: a ${kernelSize}×${kernelSize} kernel does not fit a ${height}×${width} image with pad ${pad}`,
    );
  }
  const imageEnd = imageOffset + images * channels * height * width;
  if (imageEnd > image.length) {
    const what =
      images === 1
        ? `the image (${channels}×${height}×${width}`
        : `x (${images} images of ${channels}×${height}×${width}`;
    throw new ShapeError(
      `${kernel}: ${what} at offset ${imageOffset}) needs ${imageEnd} elements but its array holds ${image.length}`,
    );
  }
  return {
    outH: Math.floor((height + 2 * pad - kernelSize) / stride) + 1,
    outW: Math.floor((width + 2 * pad - kernelSize) / stride) + 1,
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
  for (const [name, value, minimum] of [
    ['planes', planes, 0],
    ['height', height, 1],
    ['width', width, 1],
    ['kernelSize', kernelSize, 1],
    ['stride', stride, 1],
    ['pad', pad, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < minimum)
      throw new ShapeError(`maxPool2d: ${name} = ${value} must be a whole number >= ${minimum}`);
  }
  // pad < kernelSize keeps every clipped window non-empty (layers allow at most kernelSize / 2)
  if (pad >= kernelSize || height + 2 * pad < kernelSize || width + 2 * pad < kernelSize) {
    throw new ShapeError(
      `maxPool2d: a ${kernelSize}×${kernelSize} window with pad ${pad} does not fit a ${height}×${width} plane`,
    );
  }
  const outH = Math.floor((height + 2 * pad - kernelSize) / stride) + 1;
  const outW = Math.floor((width + 2 * pad - kernelSize) / stride) + 1;
  if (
    x.length !== planes * height * width ||
    y.length !== planes * outH * outW ||
    argmax.length !== y.length
  ) {
    throw new ShapeError(
      `maxPool2d: expected x of ${planes * height * width}, y and argmax of ${planes * outH * outW} elements, received ${x.length}, ${y.length}, ${argmax.length}`,
    );
  }
  return { outH, outW };
}

/**
 * Checks fillChannels' / sumChannels' sizes: `tensor` is [images, channels, pixels] (NCHW with H·W
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
  for (const [name, value] of [
    ['images', images],
    ['channels', channels],
    ['pixels', pixels],
  ] as const) {
    if (!Number.isInteger(value) || value < 0)
      throw new ShapeError(`${kernel}: ${name} = ${value} must be a whole number >= 0`);
  }
  if (tensor.length !== images * channels * pixels || values.length !== channels) {
    throw new ShapeError(
      `${kernel}: expected a [${images}, ${channels}, ${pixels}] tensor (${images * channels * pixels} values) and ${channels} channel values, received ${tensor.length} and ${values.length}`,
    );
  }
}

/** Checks affineChannels' arrays: a, b, out [images, channels, pixels]; p, q, m, r one value per channel. */
export function checkAffineChannelsArguments(
  a: Float32Array,
  p: Float32Array,
  b: Float32Array,
  q: Float32Array,
  m: Float32Array,
  r: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  out: Float32Array,
): void {
  checkChannelArguments('affineChannels', a, images, channels, pixels, p);
  checkChannelArguments('affineChannels', b, images, channels, pixels, q);
  checkChannelArguments('affineChannels', out, images, channels, pixels, m);
  checkChannelArguments('affineChannels', out, images, channels, pixels, r);
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
  if (!Number.isInteger(planes) || planes < 1) {
    throw new ShapeError(`maxPool2dBackward: planes = ${planes} must be a whole number >= 1`);
  }
  if (argmax.length !== dy.length || dy.length % planes !== 0 || dx.length % planes !== 0) {
    throw new ShapeError(
      `maxPool2dBackward: expected argmax as long as dy, and dy and dx of ${planes} planes each, received dy ${dy.length}, argmax ${argmax.length}, dx ${dx.length}`,
    );
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
