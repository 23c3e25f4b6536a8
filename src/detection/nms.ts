// Non-maximum suppression: of several overlapping detections of one object, keep the best scored.
// Its threshold (`iou`, 0.45–0.7 is usual) says how much two boxes of the same class may overlap and
// both stay; it is not the IoU that matches predictions to ground truth in the metrics (0.5, or 0.5:0.95
// for mAP50-95), nor the score threshold `conf` that decode applies before it.

import { ValueError } from '../util/errors.js';
import { type Detection, iou } from './boxes.js';

/**
 * Per-class greedy non-maximum suppression: detections are visited from the highest score down, and
 * one is dropped when its IoU with an already kept detection of the same class is above `iouThreshold`
 * (strictly: an IoU equal to the threshold keeps both). Classes never suppress each other.
 *
 * Returns the kept detections sorted by score, highest first. Equal scores keep their input order,
 * both for which is visited (and so kept) first and in the result, so the same input always gives the
 * same output.
 *
 * @example
 * nms([
 *   { x0: 0, y0: 0, x1: 10, y1: 10, cls: 0, score: 0.9 },
 *   { x0: 1, y0: 0, x1: 11, y1: 10, cls: 0, score: 0.8 }, // IoU 90/110 ≈ 0.82 with the first: dropped
 *   { x0: 1, y0: 0, x1: 11, y1: 10, cls: 1, score: 0.7 }, // another class: kept
 * ], 0.5); // the first and the third
 */
export function nms(detections: readonly Detection[], iouThreshold: number): Detection[] {
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) {
    throw new ValueError(`nms: iouThreshold is ${iouThreshold}; it must be in [0, 1]`);
  }
  detections.forEach((detection, k) => {
    if (!Number.isFinite(detection.score)) {
      throw new ValueError(`nms: detection ${k} has score ${detection.score}; scores must be finite numbers`);
    }
  });
  // Array.prototype.sort is stable, so equal scores stay in input order.
  const byScore = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const candidate of byScore) {
    const suppressed = kept.some((k) => k.cls === candidate.cls && iou(k, candidate) > iouThreshold);
    if (!suppressed) kept.push(candidate);
  }
  return kept;
}
