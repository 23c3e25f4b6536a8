// Node-only (PNG through pngjs, which needs node:zlib).
// An opaque RGBA canvas to draw on: crisp rectangles and outlines of any thickness, anti-aliased
// polylines and discs, bitmap text and filled label boxes, all clipped at the borders; saved as PNG by pngjs.

import pngjs from 'pngjs';
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
 * How {@link Canvas.labelBox} draws a label.
 *
 * @example
 * canvas.labelBox('cat 0.92', 40, 10, '#1f77b4', { color: '#ffffff', scale: 2 });
 */
export interface LabelOptions {
  /** Colour of the text (default white). */
  color?: Color;
  /** Integer pixel size of one font dot (default 2). */
  scale?: number;
  /** Pixels between the text and the box's edges (default: `scale`). */
  padding?: number;
}

/**
 * The size of the box {@link Canvas.labelBox} draws: the text's width and its full height, descenders
 * included, plus the padding on every side.
 *
 * @example
 * labelBoxSize('cat', { scale: 2 }); // { width: 38, height: 22 }
 */
export function labelBoxSize(text: string, options: LabelOptions = {}): { width: number; height: number } {
  const scale = options.scale ?? 2;
  const padding = options.padding ?? scale;
  return { width: textWidth(text, scale) + 2 * padding, height: FONT.height * scale + 2 * padding };
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
 * An opaque RGBA image (row-major, 4 bytes per pixel) with the drawing operations plots and detection
 * images need.
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
    checkSize('Canvas', width, height);
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /**
   * A canvas holding a copy of existing pixels (a decoded photo, say), to draw boxes and labels on.
   *
   * @example
   * const canvas = Canvas.fromRgba(image.width, image.height, image.data); // image from decodeImage
   */
  static fromRgba(width: number, height: number, rgba: Uint8Array): Canvas {
    checkPixels('Canvas.fromRgba', width, height, rgba);
    const canvas = new Canvas(width, height);
    canvas.data.set(rgba);
    return canvas;
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

  /**
   * Draws a border `thickness` whole pixels wide just inside the rectangle (a detection box's outline);
   * parts outside the canvas are clipped.
   */
  strokeRect(x: number, y: number, width: number, height: number, color: Color, thickness = 1): void {
    if (!Number.isInteger(thickness) || thickness < 1)
      throw new ValueError(`strokeRect: thickness must be a whole number of pixels >= 1, got ${thickness}`);
    this.fillRect(x, y, width, thickness, color);
    this.fillRect(x, y + height - thickness, width, thickness, color);
    this.fillRect(x, y, thickness, height, color);
    this.fillRect(x + width - thickness, y, thickness, height, color);
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

  /**
   * Draws `text` on a filled box whose top-left corner is (x, y), snapped to whole pixels: a detection's
   * class label. The box is {@link labelBoxSize} big, so a caller can place it first (above a
   * detection box, or inside it at the top edge); parts outside the canvas are clipped.
   */
  labelBox(text: string, x: number, y: number, background: Color, options: LabelOptions = {}): void {
    const scale = options.scale ?? 2;
    const padding = options.padding ?? scale;
    const { width, height } = labelBoxSize(text, { scale, padding });
    const left = Math.round(x);
    const top = Math.round(y);
    this.fillRect(left, top, width, height, background);
    // text() centres the capitals on its anchor and rounds half a pixel up: floor, so they start `padding` down.
    const middle = top + padding + Math.floor((FONT.capHeight * scale) / 2);
    this.text(text, left + padding, middle, options.color ?? '#ffffff', { scale });
  }

  /** Copies `image` onto this canvas with its top-left corner at (x, y) (whole pixels); parts outside are clipped. */
  drawImage(image: Canvas, x: number, y: number): void {
    const left = Math.round(x);
    const top = Math.round(y);
    for (let row = Math.max(0, -top); row < image.height && top + row < this.height; row++) {
      const from = Math.max(0, -left);
      const to = Math.min(image.width, this.width - left);
      if (to <= from) return;
      const source = (row * image.width + from) * 4;
      this.data.set(
        image.data.subarray(source, source + (to - from) * 4),
        ((top + row) * this.width + left + from) * 4,
      );
    }
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

/**
 * Encodes 8-bit RGBA pixels (row-major, `width * height * 4` bytes) as a PNG file, with pngjs.
 *
 * @example
 * const png = encodePng(1, 1, new Uint8Array([255, 0, 0, 255])); // one red pixel
 * png.subarray(1, 4); // 'PNG' in ASCII
 */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  checkSize('encodePng', width, height);
  checkPixels('encodePng', width, height, rgba);
  // The synchronous packer takes any { width, height, data }: not a `new PNG()`, which is a stream and
  // stays referenced by callbacks it queues until the event loop turns, so that a long synchronous run
  // (a training that writes its plots every epoch) kept every image's pixels (13 MB an epoch).
  const image = { width, height, data: Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength) };
  // No filter (type 0), zlib's default level and strategy: plots are flat colour, which deflate packs well
  // as it is. pngjs's defaults (adaptive filters, level 9, run-length strategy) took 3-4× as long and made
  // a 20-class confusion matrix 73% bigger.
  return pngjs.PNG.sync.write(image as pngjs.PNG, { filterType: 0, deflateLevel: 6, deflateStrategy: 0 });
}

function checkSize(caller: string, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new ValueError(`${caller}: image size must be whole numbers >= 1, got ${width}×${height}`);
}

function checkPixels(caller: string, width: number, height: number, rgba: Uint8Array): void {
  if (rgba.length !== width * height * 4)
    throw new ValueError(
      `${caller}: expected ${width * height * 4} RGBA bytes (4 per pixel, row by row) for ${width}×${height}, got ${rgba.length}`,
    );
}
