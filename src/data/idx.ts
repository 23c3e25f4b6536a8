// IDX reader, the file format of MNIST: a big-endian header (magic 0x0000 | dtype | ndim, then one
// uint32 per dimension) followed by the raw values. zerodl reads the unsigned-byte files MNIST uses.

import { readFileSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { Tensor } from '../tensor/tensor.js';
import { DataError } from '../util/errors.js';

/** An unsigned-byte IDX array: its dimensions and the values in row-major order. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Images from an IDX file (magic 0x00000803): `count` images of `rows × cols` pixels, 0..255. */
export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** `count · rows · cols` bytes, one image after another, row-major. */
  pixels: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;
const DTYPE_NAMES: Record<number, string> = {
  8: 'unsigned byte',
  9: 'signed byte',
  11: 'int16',
  12: 'int32',
  13: 'float32',
  14: 'float64',
};

/**
 * Parses an unsigned-byte IDX array, checking the magic number, the dimension count and that the byte
 * length matches the dimensions exactly. `source` names the file in errors.
 *
 * @example
 * const labels = parseIdx(readFileSync('train-labels-idx1-ubyte'), 'train-labels-idx1-ubyte', 1);
 * labels.dims; // [60000]
 */
export function parseIdx(bytes: Uint8Array, source: string, expectedDims: number): IdxArray {
  const expectedMagic = hex((UNSIGNED_BYTE << 8) | expectedDims);
  if (bytes.length < 4) {
    throw new DataError(
      `${source}: not an IDX file: ${bytes.length} bytes, too short for the 4-byte magic number`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(`${source}: not an IDX file: magic number ${hex(magic)}, expected ${expectedMagic}`);
  }
  const dtype = bytes[2];
  const ndim = bytes[3];
  if (dtype !== UNSIGNED_BYTE) {
    const dtypeName = DTYPE_NAMES[dtype] ?? 'an unknown type';
    throw new DataError(
      `${source}: IDX values are ${dtypeName} (magic ${hex(magic)}); only unsigned bytes are supported (magic ${expectedMagic})`,
    );
  }
  if (ndim !== expectedDims) {
    // The usual cause is swapped arguments: a labels file (1 dim) where images (3 dims) belong, or back
    const kind = expectedDims === 3 ? 'images' : expectedDims === 1 ? 'labels' : `${expectedDims}-d data`;
    throw new DataError(
      `${source}: IDX file has ${ndim} dimensions (magic ${hex(magic)}), expected ${expectedDims} for ${kind} (magic ${expectedMagic})`,
    );
  }
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${source}: truncated IDX header: ${bytes.length} bytes, the header of a ${ndim}-d file needs ${headerBytes}`,
    );
  }
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(view.getUint32(4 + 4 * d));
  const dataBytes = dims.reduce((product, dim) => product * dim, 1);
  const actual = bytes.length - headerBytes;
  if (actual !== dataBytes) {
    const problem = actual < dataBytes ? 'truncated' : 'too long';
    throw new DataError(
      `${source}: IDX file ${problem}: dimensions ${dims.join('×')} need ${dataBytes} bytes of data, the file has ${actual}`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/**
 * Reads an IDX image file (magic 0x00000803; gzip-compressed files are accepted too).
 *
 * @example
 * const images = readIdxImages('t10k-images-idx3-ubyte');
 * [images.count, images.rows, images.cols]; // [10000, 28, 28]
 */
export function readIdxImages(file: string): IdxImages {
  const { dims, data } = parseIdx(readMaybeGzipped(file, 3), file, 3);
  return { count: dims[0], rows: dims[1], cols: dims[2], pixels: data };
}

/**
 * Reads an IDX label file (magic 0x00000801; gzip-compressed files are accepted too).
 *
 * @example
 * readIdxLabels('t10k-labels-idx1-ubyte').length; // 10000
 */
export function readIdxLabels(file: string): Uint8Array {
  return parseIdx(readMaybeGzipped(file, 1), file, 1).data;
}

/**
 * Reads an image file and its label file and checks that they hold the same number of samples.
 *
 * @example
 * const { images, labels } = readIdxPair('train-images-idx3-ubyte', 'train-labels-idx1-ubyte');
 */
export function readIdxPair(
  imagesFile: string,
  labelsFile: string,
): { images: IdxImages; labels: Uint8Array } {
  const images = readIdxImages(imagesFile);
  const labels = readIdxLabels(labelsFile);
  if (images.count !== labels.length) {
    throw new DataError(
      `${labelsFile}: ${labels.length} labels, but ${imagesFile} has ${images.count} images: the files do not belong together`,
    );
  }
  return { images, labels };
}

/**
 * The images at `indices` (all when omitted) as a flat tensor [n, rows·cols] scaled to [0, 1];
 * reshape to [n, 1, rows, cols] for convolutions.
 *
 * @example
 * const x = idxImagesToTensor(readIdxImages('t10k-images-idx3-ubyte'));   // [10000, 784]
 * const x4 = x.reshape([x.shape[0], 1, 28, 28]);
 */
export function idxImagesToTensor(images: IdxImages, indices?: ArrayLike<number>): Tensor {
  const pixelsPerImage = images.rows * images.cols;
  const n = indices === undefined ? images.count : indices.length;
  const x = new Tensor([n, pixelsPerImage]);
  for (let i = 0; i < n; i++) {
    const source = (indices === undefined ? i : indices[i]) * pixelsPerImage;
    const target = i * pixelsPerImage;
    for (let p = 0; p < pixelsPerImage; p++) x.data[target + p] = images.pixels[source + p] / 255;
  }
  return x;
}

/**
 * The file's bytes, gunzipped when they start with the gzip signature (MNIST is distributed as .gz).
 * A gzipped file is inflated only as far as its IDX header says it reaches: a 100 kB file can inflate
 * to 100 MB (a zip bomb), so the header is read from the start of the stream first.
 */
function readMaybeGzipped(file: string, expectedDims: number): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new DataError(`${file}: cannot read IDX file: ${(error as Error).message}`);
  }
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const head = inflateHead(bytes, file);
  if (head.length < 4) {
    throw new DataError(
      `${file}: corrupt or truncated gzip data: its first ${Math.min(bytes.length, MAX_GZIP_PREFIX)} bytes inflate to ${head.length} of the 4 bytes an IDX file starts with`,
    );
  }
  // not the IDX header expected: parseIdx names what is wrong from these first bytes alone
  if (head[0] !== 0 || head[1] !== 0 || head[2] !== UNSIGNED_BYTE || head[3] !== expectedDims) return head;
  const limit = inflatedLimit(head, file);
  try {
    return gunzipSync(bytes, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataError(
        `${file}: gzip data inflates to more than the ${limit - 1} bytes its IDX header describes (a corrupt file or a zip bomb)`,
      );
    }
    throw new DataError(`${file}: corrupt gzip data: ${(error as Error).message}`);
  }
}

/** The compressed bytes inflated to find the IDX header (4 kB, at most about 4 MB inflated). */
const MAX_GZIP_PREFIX = 4096;
/** The largest IDX file read, 2 GiB (MNIST's largest file is 47 MB, EMNIST's 550 MB). */
const MAX_IDX_BYTES = 2 ** 31 - 1;

/**
 * What the first 4 kB of gzipped `bytes` inflate to (deflate's ratio is at most 1032:1, so about
 * 4 MB at most): the start of the IDX file, with its header unless gzip's own header fields are
 * longer than that.
 */
function inflateHead(bytes: Uint8Array, file: string): Uint8Array {
  try {
    return gunzipSync(bytes.subarray(0, MAX_GZIP_PREFIX), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    throw new DataError(`${file}: corrupt gzip data: ${(error as Error).message}`);
  }
}

/**
 * How far inflating may go: the size the IDX header at the start of `head` describes, plus one byte
 * so that a file longer than its header says is still reported as such by parseIdx.
 */
function inflatedLimit(head: Uint8Array, file: string): number {
  const headerBytes = 4 + 4 * head[3];
  if (head.length < headerBytes) {
    throw new DataError(
      `${file}: corrupt or truncated gzip data: its start inflates to ${head.length} bytes, short of the ${headerBytes}-byte IDX header`,
    );
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let size = headerBytes;
  let values = 1;
  for (let d = 0; d < head[3]; d++) values *= view.getUint32(4 + 4 * d);
  size += values;
  if (size > MAX_IDX_BYTES) {
    throw new DataError(
      `${file}: the IDX header describes ${size.toLocaleString('en')} bytes, more than the ${MAX_IDX_BYTES.toLocaleString('en')} read`,
    );
  }
  return size + 1;
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0').toUpperCase()}`;
}
