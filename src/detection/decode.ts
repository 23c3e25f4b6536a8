// The YOLOv1 head's output → detections in pixels: every predictor's box, scored by confidence × class
// probability, filtered by the score threshold `conf`, thinned by per-class NMS at the overlap threshold
// `iou`, and capped at `maxDet` per image. Neither threshold is the IoU that matches detections to ground
// truth in the metrics (0.5, or 0.5:0.95): `conf` is a score, `iou` the overlap NMS tolerates.

import type { Tensor } from '../tensor/tensor.js';
import { NumericError, ValueError } from '../util/errors.js';
import { area, type Box, type Detection } from './boxes.js';
import { checkImageSize } from './encode.js';
import { checkHead, headChannels, headOutputImages, predictorBox, type YoloHead } from './head.js';
import { nms } from './nms.js';

/** One predictor's raw output, its box in pixels: what the explain view shows for every predictor. */
export interface PredictorOutput {
  /** [col, row] of the predictor's cell. */
  cell: [number, number];
  /** b, the predictor's index in its cell. */
  predictor: number;
  /** The box in pixels, clipped to the image (it may be empty when the box lies outside). */
  box: Box;
  /** The confidence as the network output it (not clamped). */
  confidence: number;
  /** The cell's class probabilities as output (not clamped), shared by the cell's B predictors. */
  classProbabilities: number[];
}

/** Thresholds of decodeDetections. */
export interface DecodeOptions {
  /** The score threshold: a detection is kept when confidence × class probability ≥ conf. */
  conf: number;
  /** The NMS threshold: a box overlapping a better one of its class by IoU > iou is dropped. */
  iou: number;
  /** At most this many detections per image, the best scores (default 100). */
  maxDet?: number;
  /** One detection per class whose score passes (true), or only each box's best class (false, default). */
  multiLabel?: boolean;
}

/**
 * Every predictor's box, confidence and class probabilities for image `image` of the head output y
 * [n, B·5 + C, S, S] (or [n, (B·5 + C)·S·S]), cell by cell (rows, then columns), B predictors a cell.
 * Boxes are in pixels of the imageSize × imageSize input, clipped to it.
 *
 * @example
 * const outputs = predictorBoxes(y, { grid: 7, boxes: 2, classes: 3 }, 224, 0);
 * outputs.length; // 7 · 7 · 2 = 98
 * outputs[0]; // { cell: [0, 0], predictor: 0, box: { x0: …, y0: …, x1: …, y1: … }, confidence: 0.03, classProbabilities: [0.1, 0.7, 0.2] }
 */
export function predictorBoxes(
  y: Tensor,
  head: YoloHead,
  imageSize: number,
  image: number,
): PredictorOutput[] {
  checkHead('predictorBoxes', head);
  checkImageSize('predictorBoxes', imageSize);
  const n = headOutputImages('predictorBoxes', y, head);
  if (!Number.isInteger(image) || image < 0 || image >= n) {
    throw new ValueError(
      `predictorBoxes: image ${image} is not in y, which holds ${n} images (0 … ${n - 1})`,
    );
  }
  const { grid: S, boxes: B, classes: C } = head;
  const D = headChannels(head);
  const at = (channel: number, row: number, col: number) => ((image * D + channel) * S + row) * S + col;
  const outputs: PredictorOutput[] = [];
  for (let row = 0; row < S; row++) {
    for (let col = 0; col < S; col++) {
      const classProbabilities: number[] = [];
      for (let c = 0; c < C; c++) classProbabilities.push(y.data[at(B * 5 + c, row, col)]);
      for (let b = 0; b < B; b++) {
        const x = y.data[at(b * 5, row, col)];
        const yy = y.data[at(b * 5 + 1, row, col)];
        const sqrtW = y.data[at(b * 5 + 2, row, col)];
        const sqrtH = y.data[at(b * 5 + 3, row, col)];
        const confidence = y.data[at(b * 5 + 4, row, col)];
        const box = predictorBox(S, col, row, x, yy, sqrtW, sqrtH);
        outputs.push({
          cell: [col, row],
          predictor: b,
          box: clippedPixels(box, imageSize),
          confidence,
          classProbabilities,
        });
      }
    }
  }
  return outputs;
}

/**
 * Detections per image from the head output y [n, B·5 + C, S, S] (or [n, (B·5 + C)·S·S]), in pixels
 * of the imageSize × imageSize input:
 * 1. each predictor's box, clipped to the image (a box left empty by the clipping is dropped);
 * 2. score = confidence × class probability, both clamped to [0, 1] first (the linear head overshoots);
 * 3. single-label (default): the box with its best class (the lowest index among equals) if its score
 *    ≥ conf; multiLabel: the box once for every class whose score ≥ conf, as ultralytics' val does;
 * 4. per-class NMS at `iou` (nms.ts), then the `maxDet` best scores, highest first.
 *
 * @example
 * const detections = decodeDetections(y, { grid: 7, boxes: 2, classes: 3 }, 224, { conf: 0.25, iou: 0.45 });
 * detections[0]; // [{ x0: 31.5, y0: 12, x1: 88, y1: 70.25, cls: 2, score: 0.81 }, …] for image 0
 */
export function decodeDetections(
  y: Tensor,
  head: YoloHead,
  imageSize: number,
  options: DecodeOptions,
): Detection[][] {
  const { conf, iou, maxDet = 100, multiLabel = false } = options;
  if (!(conf >= 0 && conf <= 1))
    throw new ValueError(`decodeDetections: conf is ${conf}; it must be in [0, 1]`);
  if (!(iou >= 0 && iou <= 1)) throw new ValueError(`decodeDetections: iou is ${iou}; it must be in [0, 1]`);
  if (!Number.isInteger(maxDet) || maxDet < 1) {
    throw new ValueError(`decodeDetections: maxDet is ${maxDet}; it must be a whole number >= 1`);
  }
  checkHead('decodeDetections', head);
  const n = headOutputImages('decodeDetections', y, head);
  const data = y.data;
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      throw new NumericError(`decodeDetections: y[${k}] is ${data[k]}; the model's output is not finite`);
    }
  }

  const { grid: S, boxes: B, classes: C } = head;
  const plane = S * S; // channel d of image i, cell (row, col): data[(i·D + d)·S² + row·S + col]
  const D = headChannels(head);
  const result: Detection[][] = [];
  for (let i = 0; i < n; i++) {
    const candidates: Detection[] = [];
    for (let cell = 0; cell < plane; cell++) {
      const row = Math.floor(cell / S);
      const col = cell - row * S;
      const at = (channel: number) => data[(i * D + channel) * plane + cell];
      for (let b = 0; b < B; b++) {
        // (1) a predictor below conf cannot score ≥ conf with any class: skipped before its box is made
        const confidence = clamp01(at(b * 5 + 4));
        if (confidence < conf) continue;
        const fraction = predictorBox(S, col, row, at(b * 5), at(b * 5 + 1), at(b * 5 + 2), at(b * 5 + 3));
        const box = clippedPixels(fraction, imageSize);
        if (area(box) === 0) continue;
        // (2, 3) scores and classes
        let best = 0;
        let bestScore = -1;
        for (let c = 0; c < C; c++) {
          const score = confidence * clamp01(at(B * 5 + c));
          if (multiLabel && score >= conf) candidates.push(detection(box, c, score));
          if (score > bestScore) {
            best = c;
            bestScore = score;
          }
        }
        if (!multiLabel && bestScore >= conf) candidates.push(detection(box, best, bestScore));
      }
    }
    // (4)
    result.push(nms(candidates, iou).slice(0, maxDet));
  }
  return result;
}

// The box with its class and score. (Written out: `{ ...box, cls, score }` took half of the decoding
// time of an image.)
function detection(box: Box, cls: number, score: number): Detection {
  return { x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1, cls, score };
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/** The box in pixels (from fractions of the image), clipped to [0, imageSize]². */
function clippedPixels(box: Box, imageSize: number): Box {
  const clip = (fraction: number) => Math.min(imageSize, Math.max(0, fraction * imageSize));
  return { x0: clip(box.x0), y0: clip(box.y0), x1: clip(box.x1), y1: clip(box.y1) };
}
