import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { DataError, ValueError } from '../util/errors.js';
import {
  applyPolarity,
  borderMean,
  decodeImage,
  type GrayImage,
  loadImageAsInput,
  resizeGray,
  toGrayscale,
} from './images.js';

const dir = mkdtempSync(join(tmpdir(), 'zerodl-images-'));

/** RGBA pixels of a `size × size` picture: `paper` everywhere, `ink` in the middle third's columns. */
function barPicture(size: number, paper: number, ink: number): Uint8Array {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const value = x >= size / 3 && x < (2 * size) / 3 ? ink : paper;
      data.set([value, value, value, 255], 4 * (y * size + x));
    }
  }
  return data;
}

function pngBytes(width: number, height: number, rgba: Uint8Array, colorType: 0 | 6 = 6): Buffer {
  const png = new pngjs.PNG({ width, height });
  png.data = Buffer.from(rgba);
  return pngjs.PNG.sync.write(png, { colorType });
}

function jpegBytes(width: number, height: number, rgba: Uint8Array): Buffer {
  return jpeg.encode({ width, height, data: rgba }, 95).data;
}

function writeFile(name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

const close = (actual: ArrayLike<number>, expected: number[], tolerance = 1e-6) => {
  assert.equal(actual.length, expected.length);
  for (const [i, value] of expected.entries()) {
    assert.ok(Math.abs(actual[i] - value) <= tolerance, `index ${i}: ${actual[i]} is not ${value}`);
  }
};

test('decodeImage returns the exact RGBA pixels of a PNG', () => {
  const rgba = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 255]);
  const image = decodeImage(pngBytes(2, 2, rgba), 'four.png');
  assert.deepEqual([image.width, image.height], [2, 2]);
  assert.deepEqual([...image.data], [...rgba]);
});

test('decodeImage expands a grayscale PNG to RGBA', () => {
  const image = decodeImage(pngBytes(3, 3, barPicture(3, 200, 0), 0), 'gray.png');
  assert.deepEqual([...image.data.subarray(0, 8)], [200, 200, 200, 255, 0, 0, 0, 255]);
});

test('decodeImage reads a JPEG by its signature, whatever the file name', () => {
  const image = decodeImage(jpegBytes(16, 16, barPicture(16, 255, 0)), 'photo.png');
  assert.deepEqual([image.width, image.height], [16, 16]);
  assert.ok(image.data[0] > 240, `paper pixel ${image.data[0]}`);
  assert.ok(image.data[4 * 8] < 15, `ink pixel ${image.data[4 * 8]}`);
});

test('toGrayscale uses BT.601 luma and composites transparency over white', () => {
  const gray = toGrayscale({
    width: 5,
    height: 1,
    data: Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0, 0, 51]),
  });
  close(gray.data, [0.299, 0.587, 0.114, 1, 0.8]);
});

test('resizeGray keeps a same-size image and averages areas when shrinking', () => {
  const image: GrayImage = { width: 2, height: 2, data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) };
  close(resizeGray(image, 2, 2).data, [0.1, 0.2, 0.3, 0.4]);
  const fourByFour: GrayImage = { width: 4, height: 4, data: Float32Array.from({ length: 16 }, (_, i) => i) };
  // Each output pixel is the mean of a 2×2 block
  close(resizeGray(fourByFour, 2, 2).data, [2.5, 4.5, 10.5, 12.5], 1e-5);
  // 3 → 2 columns: output 0 covers source [0, 1.5), i.e. all of pixel 0 and half of pixel 1
  const row: GrayImage = { width: 3, height: 1, data: Float32Array.from([0, 3, 6]) };
  close(resizeGray(row, 2, 1).data, [1, 5], 1e-5);
});

test('resizeGray interpolates bilinearly on pixel centres when enlarging', () => {
  const row: GrayImage = { width: 2, height: 1, data: Float32Array.from([0, 1]) };
  close(resizeGray(row, 4, 1).data, [0, 0.25, 0.75, 1]);
  close(resizeGray(row, 4, 2).data, [0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1]);
});

test('resizeGray preserves a constant image at any size (weights sum to 1)', () => {
  const flat: GrayImage = { width: 37, height: 23, data: new Float32Array(37 * 23).fill(0.3) };
  for (const [width, height] of [
    [28, 28],
    [50, 11],
    [1, 1],
  ]) {
    for (const value of resizeGray(flat, width, height).data) assert.ok(Math.abs(value - 0.3) < 1e-5);
  }
  assert.throws(() => resizeGray(flat, 0, 28), ValueError);
});

test('applyPolarity inverts a light background on auto, and obeys invert and none', () => {
  const paper = (): GrayImage => ({ width: 4, height: 4, data: new Float32Array(16).fill(0.9) });
  assert.ok(Math.abs(borderMean(paper()) - 0.9) < 1e-6);
  const light = paper();
  assert.equal(applyPolarity(light, 'auto'), true);
  assert.ok(Math.abs(light.data[0] - 0.1) < 1e-6);
  const dark: GrayImage = { width: 4, height: 4, data: new Float32Array(16).fill(0.1) };
  assert.equal(applyPolarity(dark, 'auto'), false);
  assert.equal(applyPolarity(dark, 'invert'), true);
  assert.ok(Math.abs(dark.data[0] - 0.9) < 1e-6);
  assert.equal(applyPolarity(paper(), 'none'), false);
  assert.throws(() => applyPolarity(paper(), 'flip' as 'none'), ValueError);
});

test('borderMean looks only at the frame', () => {
  // A 4×4 image: frame 1, centre 0 → frame mean 1; with thickness 2 everything counts
  const data = new Float32Array(16).fill(1);
  for (const i of [5, 6, 9, 10]) data[i] = 0;
  assert.equal(borderMean({ width: 4, height: 4, data }), 1);
  assert.equal(borderMean({ width: 4, height: 4, data }, 2), 0.75);
});

test('loadImageAsInput turns a dark digit on paper into MNIST polarity at the model size', () => {
  for (const [name, bytes] of [
    ['bar.png', pngBytes(84, 84, barPicture(84, 255, 0))],
    ['bar.jpg', jpegBytes(84, 84, barPicture(84, 255, 0))],
  ] as const) {
    const input = loadImageAsInput(writeFile(name, bytes), { width: 28, height: 28, channels: 1 });
    assert.equal(input.length, 784);
    const tolerance = name.endsWith('.png') ? 1e-6 : 0.08;
    assert.ok(input[0] <= tolerance, `${name}: background ${input[0]} should be black`);
    assert.ok(input[14] >= 1 - tolerance, `${name}: stroke ${input[14]} should be white`);
    const kept = loadImageAsInput(join(dir, name), { width: 28, height: 28, polarity: 'none' });
    assert.ok(kept[0] >= 1 - tolerance);
  }
});

test('a file that is not an image, or a corrupt one, is a DataError naming the file', () => {
  const text = writeFile('notes.png', new TextEncoder().encode('hello'));
  assert.throws(
    () => loadImageAsInput(text, { width: 28, height: 28 }),
    (error: Error) =>
      error instanceof DataError && error.message.includes(text) && /not a PNG or JPEG/.test(error.message),
  );
  const png = pngBytes(8, 8, barPicture(8, 255, 0));
  const brokenPng = writeFile('broken.png', png.subarray(0, 40));
  assert.throws(
    () => loadImageAsInput(brokenPng, { width: 28, height: 28 }),
    (error: Error) =>
      error instanceof DataError && error.message.startsWith(`${brokenPng}: cannot decode PNG image`),
  );
  const brokenJpeg = writeFile('broken.jpg', jpegBytes(8, 8, barPicture(8, 255, 0)).subarray(0, 30));
  assert.throws(
    () => loadImageAsInput(brokenJpeg, { width: 28, height: 28 }),
    (error: Error) =>
      error instanceof DataError && error.message.startsWith(`${brokenJpeg}: cannot decode JPEG image`),
  );
  const missing = join(dir, 'missing.png');
  assert.throws(
    () => loadImageAsInput(missing, { width: 28, height: 28 }),
    /missing\.png: cannot read image/,
  );
  assert.throws(
    () => loadImageAsInput(text, { width: 28, height: 28, channels: 3 as 1 }),
    /only 1 channel \(grayscale\)/,
  );
});

test('an image above the pixel limit is refused from its header, before decoding (PNG and JPEG)', () => {
  // A PNG signature and an IHDR chunk claiming 20000×20000, nothing after: only the header is read.
  const png = Buffer.alloc(33);
  png.writeUInt32BE(0x89504e47, 0);
  png.writeUInt32BE(0x0d0a1a0a, 4);
  png.writeUInt32BE(13, 8);
  png.write('IHDR', 12, 'latin1');
  png.writeUInt32BE(20000, 16);
  png.writeUInt32BE(20000, 20);
  assert.throws(() => decodeImage(png, 'huge.png'), {
    name: 'DataError',
    message:
      'huge.png: 20000×20000 is 400,000,000 pixels, above the limit of 100,000,000 (--max-pixels raises it)',
  });
  // A JPEG whose first segment after an APP0 is a baseline start-of-frame for 30000×20000.
  const app0 = [0xff, 0xe0, 0x00, 0x04, 0x00, 0x00];
  const sof0 = [0xff, 0xc0, 0x00, 0x0b, 8, 20000 >> 8, 20000 & 255, 30000 >> 8, 30000 & 255, 1, 1, 0x11, 0];
  const jpg = Uint8Array.from([0xff, 0xd8, ...app0, ...sof0]);
  assert.throws(() => decodeImage(jpg, 'huge.jpg'), {
    name: 'DataError',
    message:
      'huge.jpg: 30000×20000 is 600,000,000 pixels, above the limit of 100,000,000 (--max-pixels raises it)',
  });
});

test('the pixel limit can be lowered or raised, for decodeImage and loadImageAsInput alike', () => {
  const file = join(dir, 'small.png');
  const picture = new pngjs.PNG({ width: 8, height: 6 });
  picture.data.set(barPicture(8, 255, 0).subarray(0, 8 * 6 * 4));
  writeFileSync(file, pngjs.PNG.sync.write(picture));
  assert.throws(() => loadImageAsInput(file, { width: 4, height: 4, maxPixels: 47 }), {
    name: 'DataError',
    message: `${file}: 8×6 is 48 pixels, above the limit of 47 (--max-pixels raises it)`,
  });
  assert.equal(loadImageAsInput(file, { width: 4, height: 4, maxPixels: 48 }).length, 16);
  const jpg = jpeg.encode(
    { width: 8, height: 6, data: barPicture(8, 255, 0).subarray(0, 8 * 6 * 4) },
    90,
  ).data;
  assert.throws(
    () => decodeImage(jpg, 'small.jpg', 47),
    /small\.jpg: 8×6 is 48 pixels, above the limit of 47/,
  );
  assert.equal(decodeImage(jpg, 'small.jpg', 48).width, 8);
});
