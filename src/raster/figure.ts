// Node-only (PNG through canvas.ts).
// A figure as a list of shapes in pixel coordinates, rendered two ways from the same layout: to a PNG
// through the canvas and to SVG text, so a plot's .png and .svg always show the same picture.

import { Canvas, type Color, type TextAlign } from './canvas.js';
import { FONT } from './font.js';

/**
 * One drawing primitive. Coordinates are pixels from the top-left corner (see {@link Canvas}).
 *
 * @example
 * const dot: Shape = { kind: 'circle', x: 25, y: 10, radius: 3.5, fill: '#1f77b4' };
 */
export type Shape =
  | { kind: 'rect'; x: number; y: number; width: number; height: number; fill?: Color; stroke?: Color }
  | { kind: 'polyline'; points: (readonly [number, number])[]; stroke: Color; lineWidth: number }
  | { kind: 'circle'; x: number; y: number; radius: number; fill: Color }
  | {
      kind: 'text';
      text: string;
      /** Anchor; y is the vertical middle of the capitals. */
      x: number;
      y: number;
      color: Color;
      scale: number;
      align: TextAlign;
      rotate?: boolean;
    };

/**
 * A white sheet of `width × height` pixels and the shapes drawn on it, in painting order.
 *
 * @example
 * const figure: Figure = { width: 200, height: 100, shapes: [dot] };
 */
export interface Figure {
  width: number;
  height: number;
  /** What the figure shows, for the SVG's <title> (read by screen readers). */
  title: string;
  shapes: Shape[];
}

/**
 * Rasterises a figure to PNG bytes.
 *
 * @example
 * renderPng({ width: 50, height: 20, shapes: [{ kind: 'circle', x: 25, y: 10, radius: 4, fill: '#ff0000' }] });
 */
export function renderPng(figure: Figure): Uint8Array {
  const canvas = new Canvas(figure.width, figure.height);
  for (const shape of figure.shapes) {
    switch (shape.kind) {
      case 'rect':
        if (shape.fill) canvas.fillRect(shape.x, shape.y, shape.width, shape.height, shape.fill);
        if (shape.stroke) canvas.strokeRect(shape.x, shape.y, shape.width, shape.height, shape.stroke);
        break;
      case 'polyline':
        canvas.strokePolyline(shape.points, shape.stroke, shape.lineWidth);
        break;
      case 'circle':
        canvas.fillCircle(shape.x, shape.y, shape.radius, shape.fill);
        break;
      case 'text':
        canvas.text(shape.text, shape.x, shape.y, shape.color, shape);
        break;
    }
  }
  return canvas.toPng();
}

/**
 * Writes a figure as a standalone SVG document. Text uses a monospace font at 10 px per font scale, whose
 * advance (≈ 0.6 em) and cap height (≈ 0.7 em) match the bitmap font's 6 × 7 dots, so layouts made with
 * `textWidth` fit in both renderers.
 *
 * @example
 * renderSvg({ width: 50, height: 20, title: 'empty', shapes: [] }); // '<svg xmlns="http://www.w3.org/2000/svg" …'
 */
export function renderSvg(figure: Figure): string {
  const { width, height } = figure;
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">`,
    `<title>${escapeXml(figure.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  for (const shape of figure.shapes) lines.push(svgElement(shape));
  lines.push('</svg>', '');
  return lines.join('\n');
}

function svgElement(shape: Shape): string {
  switch (shape.kind) {
    case 'rect': {
      const fill = `fill="${shape.fill ?? 'none'}"`;
      // The raster stroke is 1 px inside the edge; an SVG stroke is centred on the edge, so inset by 0.5.
      if (!shape.stroke)
        return `<rect x="${n(shape.x)}" y="${n(shape.y)}" width="${n(shape.width)}" height="${n(shape.height)}" ${fill}/>`;
      return `<rect x="${n(shape.x + 0.5)}" y="${n(shape.y + 0.5)}" width="${n(shape.width - 1)}" height="${n(shape.height - 1)}" ${fill} stroke="${shape.stroke}" stroke-width="1"/>`;
    }
    case 'polyline': {
      const points = shape.points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ');
      return `<polyline points="${points}" fill="none" stroke="${shape.stroke}" stroke-width="${n(shape.lineWidth)}" stroke-linejoin="round" stroke-linecap="round"/>`;
    }
    case 'circle':
      return `<circle cx="${n(shape.x)}" cy="${n(shape.y)}" r="${n(shape.radius)}" fill="${shape.fill}"/>`;
    case 'text': {
      // SVG places text by its baseline: half the cap height below the anchor's cap middle.
      const baseline = shape.y + (FONT.capHeight * shape.scale) / 2;
      const rotate = shape.rotate ? ` transform="rotate(-90 ${n(shape.x)} ${n(shape.y)})"` : '';
      return `<text x="${n(shape.x)}" y="${n(baseline)}" font-size="${10 * shape.scale}" text-anchor="${shape.align}" fill="${shape.color}"${rotate}>${escapeXml(shape.text)}</text>`;
    }
  }
}

/** Coordinates rounded to 0.01 px keep the SVG small and stable across platforms. */
function n(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
