// The YOLOv1 head: what the network's last layer outputs, and where each number sits in it.
//
// The input image (size × size pixels) is cut into a grid of S × S cells. Each cell predicts B boxes
// and one set of C class probabilities, so the head has D = B·5 + C channels over the S × S grid:
//
//   y [n, D, S, S]  (NCHW, as a 1×1 convolution writes it; an affine head [n, D·S·S] is the same memory)
//
//   channel b·5 + 0   x: the box centre's offset inside its cell, 0 at the cell's left edge, 1 at its right
//   channel b·5 + 1   y: the same vertically
//   channel b·5 + 2   √w: the square root of the box width as a fraction of the image width
//   channel b·5 + 3   √h: the same for the height
//   channel b·5 + 4   confidence: Pr(object) · IoU(predicted box, object)
//   channel B·5 + c   Pr(class c | object), one set per cell (not per box)
//
// at grid row `row` and column `col` (cell (col, row) covers x ∈ [col·size/S, (col+1)·size/S)). Darknet's
// detection layer stores the same numbers planar in another order (classes, confidences, coordinates);
// this layout is the one a convolution produces without a reshape.

import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError, ValueError } from '../util/errors.js';
import { type Box, boxFromCenter } from './boxes.js';

/** The shape of a YOLOv1 head: S × S cells, B boxes per cell, C classes. */
export interface YoloHead {
  /** S, cells per side. */
  grid: number;
  /** B, boxes each cell predicts. */
  boxes: number;
  /** C, the number of classes. */
  classes: number;
}

/** D = B·5 + C, the channels of the head's output. */
export function headChannels(head: YoloHead): number {
  return head.boxes * 5 + head.classes;
}

/** Throws a ValueError unless S, B and C are whole numbers ≥ 1; `label` names the caller. */
export function checkHead(label: string, head: YoloHead): void {
  for (const key of ['grid', 'boxes', 'classes'] as const) {
    const value = head[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new ValueError(`${label}: head.${key} is ${value}; it must be a whole number >= 1`);
    }
  }
}

/**
 * The number of images n in a head output y [n, D, S, S] or [n, D·S·S] (the same memory); any other
 * shape is a ShapeError naming both accepted forms.
 *
 * @example
 * headOutputImages('decode', new Tensor([4, 12, 2, 2]), { grid: 2, boxes: 2, classes: 2 }); // 4
 */
export function headOutputImages(label: string, y: Tensor, head: YoloHead): number {
  const { grid: S } = head;
  const D = headChannels(head);
  const [n, ...rest] = y.shape;
  const planar = rest.length === 3 && rest[0] === D && rest[1] === S && rest[2] === S;
  const flat = rest.length === 1 && rest[0] === D * S * S;
  if (planar || flat) return n;
  throw new ShapeError(
    `${label}: y has shape ${formatShape(y.shape)}, but a head with S = ${S}, B = ${head.boxes}, ` +
      `C = ${head.classes} outputs [n, ${D}, ${S}, ${S}] (or [n, ${D * S * S}]), D = B·5 + C`,
  );
}

/**
 * The box one predictor's outputs describe in cell (col, row) of an S × S grid, as fractions of the
 * image (multiply by the image size for pixels): centre ((col + x) / S, (row + y) / S), size w × h with
 * w = (√w)², h = (√h)², since the network outputs √w and √h.
 *
 * @example
 * predictorBox(2, 1, 0, 0.5, 0.5, 0.5, 0.5); // centre (0.75, 0.25), 0.25 × 0.25: x0 0.625 … x1 0.875
 */
export function predictorBox(
  grid: number,
  col: number,
  row: number,
  x: number,
  y: number,
  sqrtW: number,
  sqrtH: number,
): Box {
  return boxFromCenter((col + x) / grid, (row + y) / grid, sqrtW * sqrtW, sqrtH * sqrtH);
}
