// @backend-independent: rasterising and PNG encoding; no layer, model or kernel

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import pngjs from 'pngjs';
import { Canvas, encodePng, labelBoxSize, parseColor } from './canvas.js';

/**
 * A 24×16 canvas (fill, outline, diagonal line, disc, text with a descender) as the hand-written PNG
 * encoder wrote it before canvas.ts used pngjs; its pixels are what toPng must still produce.
 */
const HAND_WRITTEN_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAABgAAAAQCAYAAAAMJL+VAAABA0lEQVR4nGP4T2PAACEZMLCAggHFeGhZIGof/18mY+5/mdSZmBZQ4kpRq4j/MsnT/suXbwFjsiyAKINgmJiIWeB/6fh+uMGyOUv+i7mkYQ8iQoaj86WiOuAGyxWu/i/ukYs/DoixQEjX5b9kWCOYDza8dCOKz9AdQpIFEoFVcBfD+HCLtQ3+y0bpgfkgNtEWCKqY/ZfwLcFwJcxgmIGaE3T+6yzQAfNBbGRLcFoAClNQ2MJcDApzYUMvlCAD0SCXgwyHWQCiQWI4LQClAlBqgAUHKJVgi2RsqYugBaD0C0/LydPA6ZtQ8iUpiEAWgHIiKEcSm8mQXQ9yOUmRTA2MKItoCACq0z76RvcOsAAAAABJRU5ErkJggg==';

function decodePng(png: Uint8Array): { width: number; height: number; data: Uint8Array } {
  return pngjs.PNG.sync.read(Buffer.from(png));
}

function pixel(canvas: Canvas, x: number, y: number): number[] {
  const k = (y * canvas.width + x) * 4;
  return [...canvas.data.subarray(k, k + 4)];
}

/** The canvas as one string per row: '.' white, '#' black, 'r' red, 'b' blue, '?' anything else. */
function picture(canvas: Canvas): string[] {
  const names: Record<string, string> = { '255,255,255': '.', '0,0,0': '#', '255,0,0': 'r', '0,0,255': 'b' };
  return Array.from({ length: canvas.height }, (_, y) =>
    Array.from({ length: canvas.width }, (_, x) => names[pixel(canvas, x, y).slice(0, 3).join()] ?? '?').join(
      '',
    ),
  );
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
    assert.throws(() => new Canvas(0, 5), /Canvas: image size must be whole numbers >= 1, got 0×5/);
  });
});

describe('Canvas: boxes and labels for detection images', () => {
  it('outlines a rectangle with a border of the given thickness inside its edges', () => {
    const canvas = new Canvas(8, 7);
    canvas.strokeRect(1, 1, 6, 5, '#000000', 2);
    assert.deepEqual(picture(canvas), [
      '........',
      '.######.',
      '.######.',
      '.##..##.',
      '.######.',
      '.######.',
      '........',
    ]);
  });

  it('clips an outline at the image borders and refuses a thickness that is not a whole pixel count', () => {
    const canvas = new Canvas(6, 5);
    canvas.strokeRect(-2, 2, 6, 6, '#000000', 2);
    assert.deepEqual(picture(canvas), ['......', '......', '####..', '####..', '..##..']);
    assert.throws(
      () => canvas.strokeRect(0, 0, 4, 4, '#000000', 1.5),
      /strokeRect: thickness must be a whole number of pixels >= 1, got 1.5/,
    );
    assert.throws(() => canvas.strokeRect(0, 0, 4, 4, '#000000', 0), /got 0/);
  });

  it('draws a label box: text (descender included) on a filled box, padded on every side', () => {
    const canvas = new Canvas(9, 13, '#0000ff');
    canvas.labelBox('y', 1, 1, '#ff0000', { scale: 1, padding: 1 });
    assert.deepEqual(labelBoxSize('y', { scale: 1, padding: 1 }), { width: 7, height: 11 });
    assert.deepEqual(picture(canvas), [
      'bbbbbbbbb',
      'brrrrrrrb',
      'brrrrrrrb',
      'brrrrrrrb',
      'br.rrr.rb',
      'br.rrr.rb',
      'br.rrr.rb',
      'br.rrr.rb',
      'brr....rb',
      'brrrrr.rb',
      'brr...rrb',
      'brrrrrrrb',
      'bbbbbbbbb',
    ]);
    assert.deepEqual(labelBoxSize('cat'), { width: 38, height: 22 }, 'scale 2, padding 2 by default');
  });

  it('clips a label box that sticks out past the top-left corner', () => {
    const canvas = new Canvas(6, 6, '#0000ff');
    canvas.labelBox('y', -3, -6, '#ff0000', { scale: 1, padding: 1 });
    assert.deepEqual(picture(canvas), ['rr.rbb', '...rbb', 'rr.rbb', '..rrbb', 'rrrrbb', 'bbbbbb']);
  });

  it('draws on a copy of existing pixels, and refuses pixels of the wrong length', () => {
    const pixels = new Uint8Array(2 * 2 * 4).fill(255);
    pixels.set([0, 0, 255, 255], 12); // bottom-right pixel blue
    const canvas = Canvas.fromRgba(2, 2, pixels);
    canvas.fillRect(0, 0, 1, 1, '#ff0000');
    assert.deepEqual(picture(canvas), ['r.', '.b']);
    assert.deepEqual([...pixels.subarray(0, 4)], [255, 255, 255, 255], 'the source is not drawn on');
    assert.throws(
      () => Canvas.fromRgba(2, 2, new Uint8Array(15)),
      /Canvas.fromRgba: expected 16 RGBA bytes \(4 per pixel, row by row\) for 2×2, got 15/,
    );
  });
});

describe('encodePng', () => {
  it('writes the same pixels the hand-written encoder it replaced wrote', () => {
    const canvas = new Canvas(24, 16, '#102030');
    canvas.fillRect(1, 1, 5, 3, '#ff0000');
    canvas.strokeRect(0, 0, 24, 16, '#ffffff');
    canvas.strokePolyline(
      [
        [3, 13],
        [20, 4],
      ],
      '#1f77b4',
      2,
    );
    canvas.fillCircle(18, 11, 2.5, '#2ca02c');
    canvas.text('Ag', 8, 8, '#ffff00', { scale: 1 });
    const before = decodePng(Buffer.from(HAND_WRITTEN_PNG, 'base64'));
    const after = decodePng(canvas.toPng());
    assert.deepEqual([after.width, after.height], [24, 16]);
    assert.deepEqual(after.data, before.data);
    assert.deepEqual(new Uint8Array(after.data), canvas.data);
  });

  it('refuses a pixel buffer of the wrong length and an empty image', () => {
    assert.throws(() => encodePng(2, 2, new Uint8Array(15)), /encodePng: expected 16 RGBA bytes .* got 15/);
    assert.throws(() => encodePng(0, 0, new Uint8Array(0)), /encodePng: image size must be whole numbers/);
  });
});

describe('encodePng in a long synchronous run', () => {
  it('keeps nothing of the images it encoded (a pngjs stream object would live until the loop turns)', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const rgba = new Uint8Array(1000 * 1000 * 4).fill(200); // 4 MB
    gc();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 30; i++) encodePng(1000, 1000, rgba);
    gc();
    const grown = process.memoryUsage().arrayBuffers - before;
    // kept: 30 × 4 MB = 120 MB (measured before the fix); freed: about 0
    assert.ok(grown < 40e6, `array buffers grew by ${(grown / 1e6).toFixed(1)} MB over 30 encodings`);
  });
});
