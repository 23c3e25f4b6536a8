// A small RGBA raster canvas for plots: crisp rectangles, anti-aliased polylines and discs, bitmap text,
// and a minimal PNG encoder (zlib deflate from node:zlib + our own CRC-32) so no image library is needed.

import { deflateSync } from 'node:zlib';
import { ValueError } from '../util/errors.js';
import { FONT, glyph, textWidth } from './font.js';

/**
 * A colour as `#rrggbb`, the one spelling both the raster and the SVG renderer accept.
 *
 * @example
 * const blue: Color = '#1f77b4';
 */
export type Color = `#${string}`;

/**
 * Where a text's anchor x sits on the text: its left end, centre or right end.
 *
 * @example
 * canvas.text('0.5', 80, 200, '#222222', { align: 'end' }); // a y-tick label ending left of the axis
 */
export type TextAlign = 'start' | 'middle' | 'end';

/**
 * How {@link Canvas.text} draws a label.
 *
 * @example
 * canvas.text('true', 27, 300, '#222222', { scale: 2, align: 'middle', rotate: true });
 */
export interface TextOptions {
  /** Integer pixel size of one font dot (default 2: 10×14-px capitals). */
  scale?: number;
  /** Default `'start'`. */
  align?: TextAlign;
  /** Turn the text 90° counter-clockwise (reads bottom to top), about its anchor. */
  rotate?: boolean;
}

/**
 * Parses `#rrggbb` into its three channels.
 *
 * @example
 * parseColor('#ff8000'); // [255, 128, 0]
 */
export function parseColor(color: Color): [number, number, number] {
  if (!/^#[0-9a-fA-F]{6}$/.test(color)) throw new ValueError(`colour must look like #rrggbb, got '${color}'`);
  const value = Number.parseInt(color.slice(1), 16);
  return [value >> 16, (value >> 8) & 0xff, value & 0xff];
}

/**
 * An opaque RGBA image (row-major, 4 bytes per pixel) with the drawing operations plots need.
 * Coordinates are continuous: pixel (i, j) covers [i, i+1] × [j, j+1], the same convention as SVG, so
 * a 2-px line along y = 100 fills rows 99 and 100 exactly and the two renderers agree.
 *
 * @example
 * const canvas = new Canvas(200, 100);
 * canvas.strokePolyline([[10, 90], [190, 10]], '#1f77b4', 2);
 * canvas.text('loss', 100, 50, '#000000', { align: 'middle' });
 * const png = canvas.toPng();
 */
export class Canvas {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Color = '#ffffff',
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
      throw new ValueError(`canvas size must be whole numbers >= 1, got ${width}×${height}`);
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Fills the rectangle, snapped to whole pixels so edges stay sharp; parts outside the canvas are clipped. */
  fillRect(x: number, y: number, width: number, height: number, color: Color): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + width));
    const y1 = Math.min(this.height, Math.round(y + height));
    const rgb = parseColor(color);
    for (let j = y0; j < y1; j++) for (let i = x0; i < x1; i++) this.blend(i, j, rgb, 1);
  }

  /** Draws a 1-px border just inside the rectangle. */
  strokeRect(x: number, y: number, width: number, height: number, color: Color): void {
    this.fillRect(x, y, width, 1, color);
    this.fillRect(x, y + height - 1, width, 1, color);
    this.fillRect(x, y, 1, height, color);
    this.fillRect(x + width - 1, y, 1, height, color);
  }

  /**
   * Strokes connected segments with round joins and caps, anti-aliased by each pixel's distance to the
   * path. Coverage is the maximum over segments, so joints are not painted twice and darkened.
   */
  strokePolyline(points: readonly (readonly [number, number])[], color: Color, lineWidth: number): void {
    if (points.length === 0) return;
    const reach = lineWidth / 2 + 1;
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const left = Math.max(0, Math.floor(Math.min(...xs) - reach));
    const top = Math.max(0, Math.floor(Math.min(...ys) - reach));
    const right = Math.min(this.width, Math.ceil(Math.max(...xs) + reach));
    const bottom = Math.min(this.height, Math.ceil(Math.max(...ys) + reach));
    if (right <= left || bottom <= top) return;
    const boxWidth = right - left;
    const coverage = new Float32Array(boxWidth * (bottom - top));
    for (let s = 0; s < points.length; s++) {
      const [ax, ay] = points[s] as readonly [number, number];
      const [bx, by] = (points[s + 1] ?? points[s]) as readonly [number, number];
      const i0 = Math.max(left, Math.floor(Math.min(ax, bx) - reach));
      const i1 = Math.min(right, Math.ceil(Math.max(ax, bx) + reach));
      const j0 = Math.max(top, Math.floor(Math.min(ay, by) - reach));
      const j1 = Math.min(bottom, Math.ceil(Math.max(ay, by) + reach));
      for (let j = j0; j < j1; j++) {
        for (let i = i0; i < i1; i++) {
          const d = distanceToSegment(i + 0.5, j + 0.5, ax, ay, bx, by);
          const c = Math.min(1, Math.max(0, lineWidth / 2 + 0.5 - d));
          const k = (j - top) * boxWidth + (i - left);
          if (c > (coverage[k] as number)) coverage[k] = c;
        }
      }
    }
    const rgb = parseColor(color);
    for (let j = top; j < bottom; j++) {
      for (let i = left; i < right; i++) {
        const c = coverage[(j - top) * boxWidth + (i - left)] as number;
        if (c > 0) this.blend(i, j, rgb, c);
      }
    }
  }

  /** Fills an anti-aliased disc (the marker for a lone data point). */
  fillCircle(cx: number, cy: number, radius: number, color: Color): void {
    const rgb = parseColor(color);
    const i0 = Math.max(0, Math.floor(cx - radius - 1));
    const i1 = Math.min(this.width, Math.ceil(cx + radius + 1));
    const j0 = Math.max(0, Math.floor(cy - radius - 1));
    const j1 = Math.min(this.height, Math.ceil(cy + radius + 1));
    for (let j = j0; j < j1; j++) {
      for (let i = i0; i < i1; i++) {
        const c = Math.min(1, Math.max(0, radius + 0.5 - Math.hypot(i + 0.5 - cx, j + 0.5 - cy)));
        if (c > 0) this.blend(i, j, rgb, c);
      }
    }
  }

  /**
   * Draws text in the built-in bitmap font. The anchor (x, y) is on the vertical middle of the capitals,
   * so labels centre on tick marks and in cells without knowing the font's metrics.
   */
  text(text: string, x: number, y: number, color: Color, options: TextOptions = {}): void {
    const scale = options.scale ?? 2;
    const shift = { start: 0, middle: 0.5, end: 1 }[options.align ?? 'start'];
    // Offsets of the text's top-left corner from the anchor, rounded so every dot lands on whole pixels.
    const left = Math.round(-shift * textWidth(text, scale));
    const top = Math.round((-FONT.capHeight * scale) / 2);
    const ax = Math.round(x);
    const ay = Math.round(y);
    [...text].forEach((char, index) => {
      glyph(char).forEach((bits, row) => {
        for (let column = 0; column < FONT.width; column++) {
          if ((bits & (0x10 >> column)) === 0) continue;
          const dx = left + (index * FONT.advance + column) * scale;
          const dy = top + row * scale;
          // Turning 90° counter-clockwise maps an offset (dx, dy) to (dy, −dx).
          if (options.rotate) this.fillRect(ax + dy, ay - dx - scale, scale, scale, color);
          else this.fillRect(ax + dx, ay + dy, scale, scale, color);
        }
      });
    });
  }

  /** The image as PNG file bytes (8-bit RGBA, no interlace). */
  toPng(): Uint8Array {
    return encodePng(this.width, this.height, this.data);
  }

  private blend(i: number, j: number, rgb: readonly [number, number, number], alpha: number): void {
    const k = (j * this.width + i) * 4;
    const d = this.data;
    d[k] = Math.round((d[k] as number) * (1 - alpha) + rgb[0] * alpha);
    d[k + 1] = Math.round((d[k + 1] as number) * (1 - alpha) + rgb[1] * alpha);
    d[k + 2] = Math.round((d[k + 2] as number) * (1 - alpha) + rgb[2] * alpha);
    d[k + 3] = 255;
  }
}

function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const vx = bx - ax;
  const vy = by - ay;
  const lengthSquared = vx * vx + vy * vy;
  // A zero-length segment (a lone point) is a disc around a.
  const t =
    lengthSquared === 0 ? 0 : Math.min(1, Math.max(0, ((px - ax) * vx + (py - ay) * vy) / lengthSquared));
  return Math.hypot(px - (ax + t * vx), py - (ay + t * vy));
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, then the CRC-32 of type + data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes 8-bit RGBA pixels (row-major, `width * height * 4` bytes) as a PNG file.
 * Every scanline uses filter 0 (none): plots are mostly flat colour, which deflate already packs well.
 *
 * @example
 * const png = encodePng(1, 1, new Uint8Array([255, 0, 0, 255])); // one red pixel
 * png.subarray(1, 4); // 'PNG' in ASCII
 */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  if (rgba.length !== width * height * 4)
    throw new ValueError(
      `encodePng: expected ${width * height * 4} RGBA bytes for ${width}×${height}, got ${rgba.length}`,
    );
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, filter set 0, no interlace
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const png = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    png.set(part, offset);
    offset += part.length;
  }
  return png;
}
