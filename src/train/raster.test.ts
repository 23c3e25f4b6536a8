// @backend-independent: rasterising and PNG encoding; no layer, model or kernel

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, inflateSync } from 'node:zlib';
import { FONT, glyph, textWidth } from './font.js';
import { Canvas, encodePng, parseColor } from './raster.js';

/** Reads back an 8-bit RGBA PNG, checking every chunk's CRC with node's own zlib.crc32. */
function decodePng(png: Uint8Array): { width: number; height: number; data: Uint8Array } {
  assert.deepEqual(
    [...png.subarray(0, 8)],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    'PNG signature',
  );
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  let offset = 8;
  let type = '';
  while (type !== 'IEND') {
    const length = view.getUint32(offset);
    type = new TextDecoder().decode(png.subarray(offset + 4, offset + 8));
    const data = png.subarray(offset + 8, offset + 8 + length);
    assert.equal(
      view.getUint32(offset + 8 + length),
      crc32(png.subarray(offset + 4, offset + 8 + length)),
      `${type} CRC`,
    );
    if (type === 'IHDR') {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      assert.deepEqual([...data.subarray(8)], [8, 6, 0, 0, 0], '8-bit RGBA, no interlace');
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  assert.equal(offset, png.length, 'nothing after IEND');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  assert.equal(raw.length, (stride + 1) * height);
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (stride + 1)], 0, 'filter type 0');
    out.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, data: out };
}

function pixel(canvas: Canvas, x: number, y: number): number[] {
  const k = (y * canvas.width + x) * 4;
  return [...canvas.data.subarray(k, k + 4)];
}

/** Pixels that are not the white background: count and bounding box. */
function ink(canvas: Canvas): { count: number; left: number; top: number; right: number; bottom: number } {
  const box = { count: 0, left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity };
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) {
      if (pixel(canvas, x, y).every((channel) => channel === 255)) continue;
      box.count++;
      box.left = Math.min(box.left, x);
      box.top = Math.min(box.top, y);
      box.right = Math.max(box.right, x);
      box.bottom = Math.max(box.bottom, y);
    }
  }
  return box;
}

describe('font', () => {
  it('has a 5-column glyph for every character plot labels use', () => {
    const needed = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-:%()/_ +,=';
    for (const char of needed) {
      const rows = glyph(char);
      assert.notDeepEqual(rows, glyph('?'), `'${char}' falls back to '?'`);
      assert.ok(rows.length === FONT.capHeight || rows.length === FONT.height, `'${char}' rows`);
      assert.ok(
        rows.every((bits) => bits >= 0 && bits < 1 << FONT.width),
        `'${char}' fits 5 columns`,
      );
    }
    assert.equal(
      new Set(needed.split('').map((c) => glyph(c).join())).size,
      needed.length - 0,
      'glyphs differ',
    );
  });

  it('draws unknown characters as ? and measures text without a trailing gap', () => {
    assert.deepEqual(glyph('€'), glyph('?'));
    assert.equal(textWidth('', 2), 0);
    assert.equal(textWidth('1', 1), 5);
    assert.equal(textWidth('0.5', 2), 34);
  });
});

describe('Canvas', () => {
  it('fills rectangles on whole pixels and clips them at the edges', () => {
    const canvas = new Canvas(10, 10);
    canvas.fillRect(-5, 8, 7, 10, '#ff0000');
    assert.deepEqual(ink(canvas), { count: 4, left: 0, top: 8, right: 1, bottom: 9 });
    assert.deepEqual(pixel(canvas, 1, 9), [255, 0, 0, 255]);
  });

  it('strokes a horizontal 2-px line as exactly two full rows', () => {
    const canvas = new Canvas(50, 20);
    canvas.strokePolyline(
      [
        [10, 10],
        [40, 10],
      ],
      '#000000',
      2,
    );
    for (const x of [15, 25, 35]) {
      assert.deepEqual(pixel(canvas, x, 9), [0, 0, 0, 255]);
      assert.deepEqual(pixel(canvas, x, 10), [0, 0, 0, 255]);
      assert.deepEqual(pixel(canvas, x, 8), [255, 255, 255, 255]);
      assert.deepEqual(pixel(canvas, x, 11), [255, 255, 255, 255]);
    }
  });

  it('anti-aliases a diagonal line: solid along the middle, partial grey at the edges', () => {
    const canvas = new Canvas(40, 40);
    canvas.strokePolyline(
      [
        [5, 5],
        [35, 25],
        [5, 35],
      ],
      '#000000',
      2,
    );
    const greys: number[] = [];
    for (let i = 0; i < canvas.data.length; i += 4) greys.push(canvas.data[i] as number);
    assert.ok(greys.filter((g) => g === 0).length > 40, 'solid middle');
    assert.ok(greys.filter((g) => g > 0 && g < 255).length > 60, 'partial edges');
    assert.ok((pixel(canvas, 20, 15)[0] as number) < 60, 'on the line'); // (20, 15) lies on the first segment
  });

  it('draws bitmap text at its anchor, and turned 90° when asked', () => {
    const straight = new Canvas(40, 40);
    straight.text('I', 10, 20, '#000000', { scale: 1 });
    // 'I' is a 3-wide, 7-tall glyph with 11 dots, centred vertically on y = 20.
    assert.deepEqual(ink(straight), { count: 11, left: 11, top: 17, right: 13, bottom: 23 });
    const turned = new Canvas(40, 40);
    turned.text('I', 20, 20, '#000000', { scale: 2, align: 'middle', rotate: true });
    const box = ink(turned);
    assert.equal(box.count, 44);
    assert.equal(box.right - box.left + 1, 14, 'height becomes width');
    assert.equal(box.bottom - box.top + 1, 6, 'width becomes height');
  });

  it('rejects bad colours and sizes with clear errors', () => {
    assert.deepEqual(parseColor('#ff8000'), [255, 128, 0]);
    assert.throws(() => parseColor('#f80'), /#rrggbb/);
    assert.throws(() => new Canvas(0, 5), /canvas size/);
  });
});

describe('encodePng', () => {
  it('round-trips pixels through a standard zlib + CRC-32 reader', () => {
    const canvas = new Canvas(7, 3, '#102030');
    canvas.fillRect(2, 1, 3, 1, '#ff0000');
    const decoded = decodePng(canvas.toPng());
    assert.equal(decoded.width, 7);
    assert.equal(decoded.height, 3);
    assert.deepEqual(decoded.data, canvas.data);
  });

  it('refuses a pixel buffer of the wrong length', () => {
    assert.throws(() => encodePng(2, 2, new Uint8Array(15)), /expected 16 RGBA bytes for 2×2, got 15/);
  });
});
