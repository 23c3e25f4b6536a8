// @backend-independent: image decoding and resizing; no layer, model or kernel

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
  jpegOrientation,
  loadImageAsInput,
  type Orientation,
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

test('a file that is not an image, or one that cannot be read, is a DataError naming the file', () => {
  const text = writeFile('notes.png', new TextEncoder().encode('hello'));
  assert.throws(
    () => loadImageAsInput(text, { width: 28, height: 28 }),
    (error: Error) =>
      error instanceof DataError && error.message.includes(text) && /not a PNG or JPEG/.test(error.message),
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

/** Asserts that loading `bytes` as `name` is a DataError whose message starts with the file and `start`. */
function assertDamaged(name: string, bytes: Uint8Array, start: string, detail?: RegExp): void {
  const file = writeFile(name, bytes);
  assert.throws(
    () => loadImageAsInput(file, { width: 28, height: 28 }),
    (error: Error) => {
      assert.ok(error instanceof DataError, `${name}: ${error.name}: ${error.message}`);
      assert.ok(error.message.startsWith(`${file}: ${start}`), error.message);
      if (detail !== undefined) assert.match(error.message, detail);
      return true;
    },
  );
}

test('a truncated or corrupt PNG is a DataError naming the file, wherever it is cut', () => {
  const png = pngBytes(8, 8, barPicture(8, 255, 0));
  // Signature 0–7, IHDR 8–32, IDAT 33–(length − 13), IEND the last 12 bytes
  assert.equal(png.toString('latin1', 37, 41), 'IDAT');
  assert.equal(png.toString('latin1', png.length - 8, png.length - 4), 'IEND');
  const cuts: [string, number, RegExp][] = [
    ['signature', 8, /the file ends before its first chunk, IHDR, is whole, with no IEND chunk/],
    ['mid-ihdr', 20, /the file ends inside its IHDR chunk, 13 bytes short/],
    ['mid-idat', 50, /the file ends inside its IDAT chunk/],
    ['no-iend', png.length - 12, /the file ends after its IDAT chunk, with no IEND chunk/],
    ['mid-iend', png.length - 2, /the file ends inside its IEND chunk, 2 bytes short/],
  ];
  for (const [name, length, detail] of cuts) {
    assertDamaged(`cut-${name}.png`, png.subarray(0, length), 'truncated PNG image: ', detail);
  }
  // A valid signature, then bytes that are no chunk
  const garbage = Buffer.concat([png.subarray(0, 8), Buffer.alloc(64, 0x07)]);
  assertDamaged('garbage.png', garbage, 'corrupt PNG image: ', /byte 8 starts no chunk/);
  // Whole chunks with damaged contents: pngjs's reason follows ours
  const flipped = Buffer.from(png);
  flipped[45] ^= 0xff; // inside IDAT: its CRC no longer matches
  assertDamaged('flipped.png', flipped, 'truncated or corrupt PNG image (pngjs: ');
});

test('a truncated or corrupt JPEG is a DataError naming the file; one without its end marker is refused', () => {
  const jpg = jpegBytes(16, 16, barPicture(16, 255, 0));
  const scan = jpg.indexOf(Buffer.from([0xff, 0xda]));
  assert.ok(scan > 0);
  assert.deepEqual([...jpg.subarray(jpg.length - 2)], [0xff, 0xd9]);
  // jpeg-js refuses these too, but as "marker was not found", "unknown JPEG marker 0" or a TypeError
  for (const [name, length] of [
    ['mid-scan', Math.floor((scan + jpg.length) / 2)],
    ['scan-header', scan + 6],
    ['no-eoi', jpg.length - 2],
    ['half-eoi', jpg.length - 1],
  ] as const) {
    assertDamaged(
      `cut-${name}.jpg`,
      jpg.subarray(0, length),
      'truncated JPEG image: the file ends inside its image data, before the end-of-image marker FF D9',
    );
  }
  // Cut in its header, before the image data: jpeg-js's reason follows ours
  assertDamaged('cut-header.jpg', jpg.subarray(0, 30), 'truncated or corrupt JPEG image (jpeg-js: ');
  // A valid signature, then garbage
  const garbage = Buffer.concat([jpg.subarray(0, 3), Buffer.alloc(64, 0x42)]);
  assertDamaged('garbage.jpg', garbage, 'truncated or corrupt JPEG image (jpeg-js: ');
  // Bytes after the end-of-image marker (a camera's padding, a motion photo's video) are ignored
  const padded = Buffer.concat([jpg, Buffer.alloc(100)]);
  assert.deepEqual(decodeImage(padded, 'padded.jpg').data, decodeImage(jpg, 'plain.jpg').data);
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

/** An APP1 segment "Exif\0\0" holding `tiff`, spliced in right after the JPEG's start-of-image marker. */
function withExif(jpg: Uint8Array, tiff: readonly number[]): Buffer {
  const exif = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const length = 2 + exif.length;
  const app1 = [0xff, 0xe1, length >> 8, length & 255, ...exif];
  return Buffer.concat([jpg.subarray(0, 2), Uint8Array.from(app1), jpg.subarray(2)]);
}

/**
 * A TIFF block whose IFD0 holds `entries` (tag, type, count, value), in little-endian ('II') or
 * big-endian ('MM') order.
 */
function tiffBlock(entries: [number, number, number, number][], little = true): number[] {
  const bytes: number[] = [];
  const u16 = (v: number) => bytes.push(...(little ? [v & 255, v >> 8] : [v >> 8, v & 255]));
  const u32 = (v: number) =>
    bytes.push(
      ...(little ? [v, v >> 8, v >> 16, v >>> 24] : [v >>> 24, v >> 16, v >> 8, v]).map((b) => b & 255),
    );
  bytes.push(...(little ? [0x49, 0x49] : [0x4d, 0x4d]));
  u16(42);
  u32(8); // IFD0 right after the header
  u16(entries.length);
  for (const [tag, type, count, value] of entries) {
    u16(tag);
    u16(type);
    u32(count);
    u16(value); // a SHORT sits in the first two of the four value bytes
    u16(0);
  }
  u32(0); // no next IFD
  return bytes;
}

const ORIENTATION_TAG = 0x0112;
const SHORT = 3;

/** A 4×2 JPEG, black but for a white top-left pixel and a gray one right of it; quality 100. */
function cornerJpeg(): Buffer {
  const rgba = new Uint8Array(4 * 2 * 4);
  for (let i = 0; i < 8; i++) rgba[4 * i + 3] = 255;
  rgba.set([255, 255, 255], 0);
  rgba.set([128, 128, 128], 4);
  return jpeg.encode({ width: 4, height: 2, data: rgba }, 100).data;
}

/** The brightest pixel's [x, y]. */
function brightest(image: { width: number; data: Uint8Array }): [number, number] {
  let best = 0;
  for (let i = 1; i < image.data.length / 4; i++) if (image.data[4 * i] > image.data[4 * best]) best = i;
  return [best % image.width, Math.floor(best / image.width)];
}

test('a JPEG is turned upright by its EXIF orientation 1–8, in either byte order', () => {
  const jpg = cornerJpeg();
  const stored = decodeImage(jpg, 'stored.jpg');
  assert.deepEqual([stored.width, stored.height, ...brightest(stored)], [4, 2, 0, 0]);
  const [w, h] = [4, 2];
  // Per orientation: the size seen, where the white corner is seen, and which stored pixel (x, y) is
  // seen at (X, Y) — the inverse of what images.ts computes, as the EXIF specification draws it
  const expected: Record<Orientation, [number, number, number, number, (X: number, Y: number) => number[]]> =
    {
      1: [4, 2, 0, 0, (X, Y) => [X, Y]],
      2: [4, 2, 3, 0, (X, Y) => [w - 1 - X, Y]], // mirrored left-right
      3: [4, 2, 3, 1, (X, Y) => [w - 1 - X, h - 1 - Y]], // turned 180°
      4: [4, 2, 0, 1, (X, Y) => [X, h - 1 - Y]], // mirrored top-bottom
      5: [2, 4, 0, 0, (X, Y) => [Y, X]], // transposed
      6: [2, 4, 1, 0, (X, Y) => [Y, h - 1 - X]], // turned 90° clockwise
      7: [2, 4, 1, 3, (X, Y) => [w - 1 - Y, h - 1 - X]], // transversed
      8: [2, 4, 0, 3, (X, Y) => [w - 1 - Y, X]], // turned 90° counter-clockwise
    };
  for (const little of [true, false]) {
    for (const [key, [width, height, cornerX, cornerY, source]] of Object.entries(expected)) {
      const orientation = Number(key) as Orientation;
      const bytes = withExif(jpg, tiffBlock([[ORIENTATION_TAG, SHORT, 1, orientation]], little));
      assert.equal(jpegOrientation(bytes), orientation);
      const seen = decodeImage(bytes, `orientation-${orientation}.jpg`);
      const label = `orientation ${orientation}, ${little ? 'II' : 'MM'}`;
      assert.deepEqual([seen.width, seen.height], [width, height], label);
      assert.deepEqual(brightest(seen), [cornerX, cornerY], label);
      for (let Y = 0; Y < height; Y++) {
        for (let X = 0; X < width; X++) {
          const [x, y] = source(X, Y);
          const at = 4 * (Y * width + X);
          const from = 4 * (y * w + x);
          assert.deepEqual(seen.data.subarray(at, at + 4), stored.data.subarray(from, from + 4), label);
        }
      }
    }
  }
  // Other IFD0 entries before the orientation are skipped
  const two = withExif(
    jpg,
    tiffBlock([
      [0x010f, 2, 4, 0],
      [ORIENTATION_TAG, SHORT, 1, 6],
    ]),
  );
  assert.equal(jpegOrientation(two), 6);
});

test('a malformed EXIF block is ignored: the JPEG decodes as stored (orientation 1)', () => {
  const jpg = cornerJpeg();
  const stored = decodeImage(jpg, 'stored.jpg');
  const rotated = tiffBlock([[ORIENTATION_TAG, SHORT, 1, 6]]);
  const malformed: [string, number[]][] = [
    ['a bad byte order marker', [0x58, 0x58, ...rotated.slice(2)]],
    ['byte orders mixed', [0x49, 0x4d, ...rotated.slice(2)]],
    ['not 42', [0x49, 0x49, 43, 0, ...rotated.slice(4)]],
    ['an IFD offset past the block', [...rotated.slice(0, 4), 200, 0, 0, 0, ...rotated.slice(8)]],
    ['a truncated IFD (one entry claimed, 6 of its 12 bytes there)', rotated.slice(0, 16)],
    [
      'an IFD cut inside its second entry, the orientation',
      tiffBlock([
        [0x010f, 2, 4, 0],
        [ORIENTATION_TAG, SHORT, 1, 6],
      ]).slice(0, 8 + 2 + 12 + 6),
    ],
    ['only a byte order', [0x49, 0x49]],
    ['nothing after Exif\\0\\0', []],
    ['orientation 0', tiffBlock([[ORIENTATION_TAG, SHORT, 1, 0]])],
    ['orientation 9', tiffBlock([[ORIENTATION_TAG, SHORT, 1, 9]])],
    ['orientation as a LONG', tiffBlock([[ORIENTATION_TAG, 4, 1, 6]])],
    ['orientation with 2 values', tiffBlock([[ORIENTATION_TAG, SHORT, 2, 6]])],
  ];
  for (const [what, tiff] of malformed) {
    const bytes = withExif(jpg, tiff);
    assert.equal(jpegOrientation(bytes), 1, what);
    const image = decodeImage(bytes, 'malformed.jpg');
    assert.deepEqual([image.width, image.height], [4, 2], what);
    assert.deepEqual(image.data, stored.data, what);
  }
  // An APP1 segment that is not EXIF (XMP), or EXIF with no orientation entry
  const xmp = Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>', 'latin1');
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, 0, xmp.length + 2]), xmp]);
  assert.equal(jpegOrientation(Buffer.concat([jpg.subarray(0, 2), app1, jpg.subarray(2)])), 1);
  assert.equal(jpegOrientation(withExif(jpg, tiffBlock([[0x010f, 2, 4, 0]]))), 1);
  // Whole entries before a cut still count, as in Chromium: 3 entries claimed, the first whole
  const cut = tiffBlock([[ORIENTATION_TAG, SHORT, 1, 6]]);
  cut[8] = 3;
  assert.equal(jpegOrientation(withExif(jpg, cut.slice(0, 22))), 6);
});

test('the pixel limit counts a rotated JPEG by its stored size, which a rotation keeps', () => {
  const jpg = jpeg.encode(
    { width: 8, height: 6, data: barPicture(8, 255, 0).subarray(0, 8 * 6 * 4) },
    90,
  ).data;
  const turned = withExif(jpg, tiffBlock([[ORIENTATION_TAG, SHORT, 1, 6]]));
  assert.throws(
    () => decodeImage(turned, 'turned.jpg', 47),
    /turned\.jpg: 8×6 is 48 pixels, above the limit of 47/,
  );
  const image = decodeImage(turned, 'turned.jpg', 48);
  assert.deepEqual([image.width, image.height], [6, 8]);
});

test('a PNG whose header gives width or height 0, or a second IHDR, is refused before pngjs sees it', () => {
  // Found by the fuzz test: 0 × 4278190086 passed the pixel limit and pngjs walked its rows for minutes
  const zeroWide = Buffer.from(
    '89504e470d0a1a0a0000000d4948445200000000ff0000060806000000a49d93440000000049454e44ae426082',
    'hex',
  );
  assert.throws(() => decodeImage(zeroWide, 'zero.png'), {
    name: 'DataError',
    message:
      'zero.png: corrupt PNG image: its header gives a size of 0×4278190086; copy, download or export the image again',
  });
  // A 1×1 IHDR, then a 4000×4000 one that pngjs would decode past the limit read from the first
  const png = pngjs.PNG.sync.write(new pngjs.PNG({ width: 1, height: 1 }));
  const ihdr = png.subarray(8, 33);
  const twice = Buffer.concat([png.subarray(0, 33), ihdr, png.subarray(33)]);
  assert.throws(() => decodeImage(twice, 'twice.png', 1e6), {
    name: 'DataError',
    message:
      'twice.png: corrupt PNG image: a second IHDR chunk at byte 33; copy, download or export the image again',
  });
});
