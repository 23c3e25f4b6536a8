// Node-only: IDX files on disk (node:fs), gzip-compressed ones inflated with node:zlib; the format itself
// is parsed by idx.ts (core).

import { constants, gunzipSync } from 'node:zlib';
import { DataError } from '../util/errors.js';
import { readRegularFile } from '../util/regular_file.js';
import { type IdxImages, parseIdx, UNSIGNED_BYTE } from './idx.js';

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
 * The file's bytes, gunzipped when they start with the gzip signature (MNIST is distributed as .gz).
 * A gzipped file is inflated only as far as its IDX header says it reaches: a 100 kB file can inflate
 * to 100 MB (a zip bomb), so the header is read from the start of the stream first.
 */
function readMaybeGzipped(file: string, expectedDims: number): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(file);
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
