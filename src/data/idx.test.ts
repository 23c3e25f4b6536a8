// @backend-independent: IDX file parsing; no layer, model or kernel

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from '../util/errors.js';
import { idxImagesToTensor, parseIdx } from './idx.js';
import { readIdxImages, readIdxLabels, readIdxPair } from './idx_file.js';
import { mnistDataDir } from './mnist.js';

const dir = mkdtempSync(join(tmpdir(), 'zerodl-idx-'));

/** An IDX file: magic 0x0000 | dtype | ndim, big-endian dims, then `values` as bytes. */
function idxBytes(dims: number[], values: number[], dtype = 0x08): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + values.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = dtype;
  bytes[3] = dims.length;
  for (const [d, dim] of dims.entries()) view.setUint32(4 + 4 * d, dim);
  bytes.set(values, 4 + 4 * dims.length);
  return bytes;
}

function writeFile(name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

// Two 2×3 images and their labels
const pixels = [0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 255];
const imagesFile = writeFile('images-idx3-ubyte', idxBytes([2, 2, 3], pixels));
const labelsFile = writeFile('labels-idx1-ubyte', idxBytes([2], [7, 3]));

test('readIdxPair reads dimensions, pixels and labels', () => {
  const { images, labels } = readIdxPair(imagesFile, labelsFile);
  assert.deepEqual([images.count, images.rows, images.cols], [2, 2, 3]);
  assert.deepEqual([...images.pixels], pixels);
  assert.deepEqual([...labels], [7, 3]);
});

test('idxImagesToTensor scales to [0, 1] as [n, rows·cols] and picks indices in order', () => {
  const images = readIdxImages(imagesFile);
  const x = idxImagesToTensor(images);
  assert.deepEqual(x.shape, [2, 6]);
  assert.deepEqual(
    [...x.data.subarray(0, 6)],
    [0, 0.2, 0.4, 0.6, 0.8, 1].map((v) => Math.fround(v)),
  );
  const picked = idxImagesToTensor(images, [1, 1, 0]);
  assert.deepEqual(picked.shape, [3, 6]);
  assert.deepEqual([...picked.data.subarray(0, 6)], [1, 0, 0, 0, 0, 1]);
  assert.deepEqual([...picked.data.subarray(12, 18)], [...x.data.subarray(0, 6)]);
});

test('gzip-compressed IDX files are read transparently', () => {
  const file = writeFile('labels.gz', gzipSync(idxBytes([3], [1, 2, 3])));
  assert.deepEqual([...readIdxLabels(file)], [1, 2, 3]);
});

test('a bad magic number is a DataError naming the file', () => {
  const file = writeFile('bad-magic', new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]));
  assert.throws(
    () => readIdxImages(file),
    (error: Error) => {
      assert.ok(error instanceof DataError);
      assert.match(error.message, /bad-magic/);
      assert.match(error.message, /magic number 0x504B0304, expected 0x00000803/);
      return true;
    },
  );
});

test('an unsupported dtype is a DataError naming the type', () => {
  const file = writeFile('float-images', idxBytes([1, 1, 1], [0, 0, 0, 0], 0x0d));
  assert.throws(() => readIdxImages(file), /float-images: IDX values are float32 \(magic 0x00000D03\)/);
});

test('a labels file where images belong is a DataError about the dimensions', () => {
  assert.throws(
    () => readIdxImages(labelsFile),
    (error: Error) =>
      error instanceof DataError &&
      error.message.includes(labelsFile) &&
      /1 dimensions .* expected 3 for images/.test(error.message),
  );
});

test('truncated data, a truncated header and trailing bytes are DataErrors', () => {
  const truncated = writeFile('truncated', idxBytes([2, 2, 3], pixels).subarray(0, 20));
  assert.throws(
    () => readIdxImages(truncated),
    (error: Error) =>
      error instanceof DataError &&
      error.message.includes(truncated) &&
      error.message.includes('truncated: dimensions 2×2×3 need 12 bytes of data, the file has 4'),
  );
  const shortHeader = writeFile('short-header', idxBytes([2, 2, 3], []).subarray(0, 9));
  assert.throws(() => readIdxImages(shortHeader), /short-header: truncated IDX header: 9 bytes/);
  const tooLong = writeFile('too-long', idxBytes([2], [1, 2, 3]));
  assert.throws(() => readIdxLabels(tooLong), /too-long: IDX file too long: dimensions 2 need 2 bytes/);
  assert.throws(() => parseIdx(new Uint8Array([0, 0]), 'tiny', 1), /tiny: not an IDX file: 2 bytes/);
});

test('a gzipped file is inflated only as far as its header says (a zip bomb is refused, not inflated)', () => {
  // 3 labels followed by 64 MB of zeros: a 64 kB file that gunzipSync inflated whole before parseIdx
  // found it too long
  const bomb = writeFile('bomb.gz', gzipSync(concat(idxBytes([3], [1, 2, 3]), new Uint8Array(64 * 2 ** 20))));
  const before = process.memoryUsage().arrayBuffers;
  assert.throws(() => readIdxLabels(bomb), {
    name: 'DataError',
    message: `${bomb}: gzip data inflates to more than the 11 bytes its IDX header describes (a corrupt file or a zip bomb)`,
  });
  assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 2 ** 20, 'the 64 MB were not inflated');
  // one byte more than the header says is still reported by the header check
  const long = writeFile('long.gz', gzipSync(idxBytes([2], [1, 2, 3])));
  assert.throws(
    () => readIdxLabels(long),
    /long.gz: IDX file too long: dimensions 2 need 2 bytes of data, the file has 3/,
  );
  // a header that is not the one expected is reported from the start of the stream alone
  assert.throws(() => readIdxImages(bomb), /bomb.gz: IDX file has 1 dimensions .* expected 3 for images/);
  const cut = writeFile('cut.gz', gzipSync(idxBytes([3], [1, 2, 3])).subarray(0, 12));
  assert.throws(() => readIdxLabels(cut), {
    name: 'DataError',
    message: `${cut}: corrupt or truncated gzip data: its first 12 bytes inflate to 1 of the 4 bytes an IDX file starts with`,
  });
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

test('a label/image count mismatch is a DataError naming both files', () => {
  const threeLabels = writeFile('three-labels', idxBytes([3], [1, 2, 3]));
  assert.throws(
    () => readIdxPair(imagesFile, threeLabels),
    (error: Error) =>
      error instanceof DataError &&
      error.message.includes(threeLabels) &&
      error.message.includes(imagesFile) &&
      /3 labels, but .* has 2 images/.test(error.message),
  );
});

test('a missing file is a DataError naming it', () => {
  const missing = join(dir, 'nope');
  assert.throws(
    () => readIdxLabels(missing),
    (error: Error) => error instanceof DataError && error.message.includes(missing),
  );
});

test('the real MNIST test split reads as 10000 images of 28×28, starting with a 7', () => {
  const { images, labels } = readIdxPair(
    join(mnistDataDir(), 't10k-images-idx3-ubyte'),
    join(mnistDataDir(), 't10k-labels-idx1-ubyte'),
  );
  assert.deepEqual([images.count, images.rows, images.cols], [10000, 28, 28]);
  assert.deepEqual([...labels.subarray(0, 5)], [7, 2, 1, 0, 4]);
});
