// Detection images: a model input or a photo on a canvas, with boxes and "class score" labels drawn on
// it, one colour per class. Used by `zerodl detect predict`, the validation mosaic of a training run
// (val_batch0_pred.png) and `zerodl detect explain`.

import type { Detection, LabeledBox } from '../detection/boxes.js';
import { ValueError } from '../util/errors.js';
import { Canvas, type Color, labelBoxSize } from './canvas.js';

/** One colour per class, repeating after 20: saturated hues that stay readable on black and white. */
export const CLASS_COLORS: readonly Color[] = [
  '#ff3838',
  '#2c99a8',
  '#ff9d97',
  '#ff701f',
  '#ffb21d',
  '#cfd231',
  '#48f90a',
  '#92cc17',
  '#3ddb86',
  '#1a9334',
  '#00d4bb',
  '#ff6fdd',
  '#00c2ff',
  '#344593',
  '#6473ff',
  '#0018ec',
  '#8438ff',
  '#520085',
  '#cb38ff',
  '#ff95c8',
];

/** The colour of class `cls`. */
export function classColor(cls: number): Color {
  return CLASS_COLORS[((cls % CLASS_COLORS.length) + CLASS_COLORS.length) % CLASS_COLORS.length] as Color;
}

/**
 * A model input [channels, height, width] in [0, 1] (1 channel: grey; 3: RGB) as a canvas `zoom` times
 * as large (each pixel a zoom × zoom block, so small inputs stay sharp).
 *
 * @example
 * const canvas = inputCanvas(x.data.subarray(0, 96 * 96), 1, 96, 96, 3); // 288 × 288
 */
export function inputCanvas(
  input: Float32Array,
  channels: number,
  height: number,
  width: number,
  zoom = 1,
): Canvas {
  if (channels !== 1 && channels !== 3)
    throw new ValueError(`inputCanvas: expected 1 or 3 channels, got ${channels}`);
  if (input.length !== channels * height * width)
    throw new ValueError(
      `inputCanvas: expected ${channels}·${height}·${width} = ${channels * height * width} values, got ${input.length}`,
    );
  const canvas = new Canvas(width * zoom, height * zoom);
  const plane = height * width;
  for (let y = 0; y < height * zoom; y++) {
    for (let x = 0; x < width * zoom; x++) {
      const p = Math.floor(y / zoom) * width + Math.floor(x / zoom);
      const o = (y * width * zoom + x) * 4;
      for (let c = 0; c < 3; c++) {
        const v = input[(channels === 1 ? 0 : c) * plane + p] as number;
        canvas.data[o + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
      }
    }
  }
  return canvas;
}

/** How {@link drawBoxes} draws. */
export interface DrawOptions {
  /** Multiplies box coordinates (the canvas is the image `zoom` times as large); default 1. */
  zoom?: number;
  /** Line width in pixels; default 2. */
  thickness?: number;
  /** Font dot size of the labels; default 1 (5×7-px capitals). */
  textScale?: number;
  /** Draw "name score" labels; default true. */
  labels?: boolean;
}

/**
 * Draws each box in its class colour with a label "name" (ground truth) or "name 0.92" (a detection)
 * on a filled tab above its top-left corner, or inside the box when there is no room above.
 *
 * @example
 * drawBoxes(canvas, detections, ['0', '1', '2'], { zoom: 3 });
 */
export function drawBoxes(
  canvas: Canvas,
  boxes: readonly (LabeledBox | Detection)[],
  names: readonly string[],
  options: DrawOptions = {},
): void {
  const { zoom = 1, thickness = 2, textScale = 1, labels = true } = options;
  for (const box of boxes) {
    const color = classColor(box.cls);
    const x = box.x0 * zoom;
    const y = box.y0 * zoom;
    canvas.strokeRect(x, y, (box.x1 - box.x0) * zoom, (box.y1 - box.y0) * zoom, color, thickness);
    if (!labels) continue;
    const name = names[box.cls] ?? String(box.cls);
    const text = 'score' in box ? `${name} ${box.score.toFixed(2)}` : name;
    const { height } = labelBoxSize(text, { scale: textScale });
    canvas.labelBox(text, x, y - height >= 0 ? y - height : y, color, { scale: textScale });
  }
}
