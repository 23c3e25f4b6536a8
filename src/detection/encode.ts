// Ground truth → the grid target tensor the YOLOv1 loss reads. Each object belongs to the cell that
// holds its centre, and a cell can hold one object (a YOLOv1 head predicts one set of classes per cell):
//
//   t [n, 5 + C, S, S]
//   channel 0       objectness: 1 in a cell that holds an object's centre, 0 elsewhere
//   channel 1, 2    x, y: the centre's offset inside its cell, in [0, 1] (0 at the cell's left/top edge)
//   channel 3, 4    w, h: the box size as fractions of the image (not square-rooted: the loss takes √)
//   channel 5 + c   the class one-hot
//
// Channels 1–4 and 5+ are 0 in empty cells. Boxes are in pixels of the square imageSize × imageSize
// model input (the images already resized), as in boxes.ts.

import { reuseOrAllocate, type Tensor } from '../tensor/tensor.js';
import { DataError, ValueError } from '../util/errors.js';
import type { Box, LabeledBox } from './boxes.js';
import { checkHead, type YoloHead } from './head.js';

/** 5 + C, the channels of the target tensor: objectness, x, y, w, h, then the class one-hot. */
export function targetChannels(head: YoloHead): number {
  return 5 + head.classes;
}

/**
 * Encodes each image's ground-truth boxes into the target tensor t [n, 5 + C, S, S] (layout in the
 * file header). A box goes to the cell (col, row) = (⌊cx·S⌋, ⌊cy·S⌋) of its centre (cx, cy) as a fraction
 * of the image; a centre exactly on the right or bottom edge goes to the last cell. When a second box
 * falls in a cell already taken, the first keeps the cell and the other is counted in `dropped`.
 *
 * A box must have finite coordinates, a positive width and height no larger than the image, and its
 * centre inside the image (edges included); its class must be a whole number in [0, C). Otherwise a
 * DataError names the image, the box and the rule. `into`, a tensor from an earlier call, is reused
 * (its storage, when large enough) instead of allocating a new one.
 *
 * @example
 * const head = { grid: 2, boxes: 2, classes: 3 };
 * // one 40 × 20 box centred at (30, 10) in a 100 × 100 image: cell (0, 0), offset (0.6, 0.2)
 * const { t, dropped } = encodeTargets([[{ x0: 10, y0: 0, x1: 50, y1: 20, cls: 2 }]], head, 100);
 * t.at(0, 0, 0, 0); // 1 (objectness)
 * t.at(0, 3, 0, 0); // 0.4 (w); t.at(0, 7, 0, 0) is 1 (class 2); dropped is 0
 */
export function encodeTargets(
  images: readonly (readonly LabeledBox[])[],
  head: YoloHead,
  imageSize: number,
  into?: Tensor,
): { t: Tensor; dropped: number } {
  checkHead('encodeTargets', head);
  checkImageSize('encodeTargets', imageSize);
  const { grid: S, classes: C } = head;
  const T = targetChannels(head);
  // a training loop passes the last batch's t back: memory is reused, not allocated every batch
  const t = reuseOrAllocate(into, [images.length, T, S, S]);
  t.data.fill(0);
  // index of t[i, channel, row, col]
  const at = (i: number, channel: number, row: number, col: number) =>
    ((i * T + channel) * S + row) * S + col;
  let dropped = 0;

  images.forEach((boxes, i) => {
    boxes.forEach((box, j) => {
      checkBox(box, i, j, imageSize, C);
      const cx = (box.x0 + box.x1) / 2 / imageSize;
      const cy = (box.y0 + box.y1) / 2 / imageSize;
      const [col, row] = gridCell(box, S, imageSize);
      if (t.data[at(i, 0, row, col)] === 1) {
        dropped++;
        return;
      }
      t.data[at(i, 0, row, col)] = 1;
      t.data[at(i, 1, row, col)] = cx * S - col;
      t.data[at(i, 2, row, col)] = cy * S - row;
      t.data[at(i, 3, row, col)] = (box.x1 - box.x0) / imageSize;
      t.data[at(i, 4, row, col)] = (box.y1 - box.y0) / imageSize;
      t.data[at(i, 5 + box.cls, row, col)] = 1;
    });
  });
  return { t, dropped };
}

/**
 * [col, row] of the cell of an S × S grid that holds the box's centre (a centre on the right or bottom
 * edge of the image belongs to the last cell): the cell whose predictors answer for the box.
 *
 * @example
 * gridCell({ x0: 10, y0: 0, x1: 50, y1: 20 }, 2, 100); // [0, 0]: centre (30, 10)
 */
export function gridCell(box: Box, grid: number, imageSize: number): [number, number] {
  const cell = (centre: number) => Math.min(Math.floor((centre / imageSize) * grid), grid - 1);
  return [cell((box.x0 + box.x1) / 2), cell((box.y0 + box.y1) / 2)];
}

/** Throws a ValueError unless the model input's side, imageSize, is a positive finite number of pixels. */
export function checkImageSize(label: string, imageSize: number): void {
  if (!(imageSize > 0) || !Number.isFinite(imageSize)) {
    throw new ValueError(`${label}: imageSize is ${imageSize}; it must be a positive number of pixels`);
  }
}

/** Throws a DataError naming image i, box j and what is wrong with it. */
function checkBox(box: LabeledBox, i: number, j: number, imageSize: number, classes: number): void {
  const where = `encodeTargets: image ${i}, box ${j} (x0 ${box.x0}, y0 ${box.y0}, x1 ${box.x1}, y1 ${box.y1}, cls ${box.cls})`;
  if (!Number.isInteger(box.cls) || box.cls < 0 || box.cls >= classes) {
    throw new DataError(
      `${where}: the class must be a whole number in [0, ${classes}) for C = ${classes} classes`,
    );
  }
  if (![box.x0, box.y0, box.x1, box.y1].every(Number.isFinite)) {
    throw new DataError(`${where}: a coordinate is not a finite number`);
  }
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  if (!(w > 0 && h > 0)) {
    throw new DataError(`${where}: the box is empty or inverted; x1 must exceed x0 and y1 exceed y0`);
  }
  if (w > imageSize || h > imageSize) {
    throw new DataError(`${where}: the box is larger than the ${imageSize} × ${imageSize} image`);
  }
  const cx = (box.x0 + box.x1) / 2;
  const cy = (box.y0 + box.y1) / 2;
  if (cx < 0 || cx > imageSize || cy < 0 || cy > imageSize) {
    throw new DataError(
      `${where}: its centre (${cx}, ${cy}) is outside the ${imageSize} × ${imageSize} image; ` +
        'boxes are in pixels of the resized model input',
    );
  }
}
