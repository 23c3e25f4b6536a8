// Boxes and their overlap (IoU): the vocabulary every part of detection shares. A box is in pixels of
// one image, corners with half-open edges [x0, x1) × [y0, y1), so its width is x1 − x0 and
// intersections are computed in continuous coordinates (no "+1" as in the old VOC devkit).

/** An axis-aligned box in pixels: left, top, right, bottom (x grows right, y grows down). */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A ground-truth object: a box and its class index (into the data set's `names`). */
export interface LabeledBox extends Box {
  cls: number;
}

/** A predicted object: a box, its class and its score (confidence × class probability). */
export interface Detection extends LabeledBox {
  score: number;
}

/** The box's area (0 when it is empty or inverted). */
export function area(box: Box): number {
  return Math.max(0, box.x1 - box.x0) * Math.max(0, box.y1 - box.y0);
}

/**
 * Intersection over union: |a ∩ b| / |a ∪ b|, in [0, 1]; 0 when the union is empty.
 *
 * @example
 * iou({ x0: 0, y0: 0, x1: 2, y1: 2 }, { x0: 1, y0: 0, x1: 3, y1: 2 }); // 2 / 6 = 1/3
 */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** The box with centre (cx, cy) and size w × h, in the same units. */
export function boxFromCenter(cx: number, cy: number, w: number, h: number): Box {
  return { x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2 };
}
