// IDX reader, the file format of MNIST: a big-endian header (magic 0x0000 | dtype | ndim, then one
// uint32 per dimension) followed by the raw values. zerodl reads the unsigned-byte files MNIST uses.
// From bytes only; reading (gzipped) files is idx_file.ts (Node).

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

/** The IDX type code of unsigned bytes, the only one zerodl reads. */
export const UNSIGNED_BYTE = 0x08;
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

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0').toUpperCase()}`;
}
