// Detection metrics over a data set: average precision per class (VOC and COCO style), precision and
// recall at the best confidence, the precision-recall curves and a confusion matrix with background.
//
// Ranking. A class's detections over all images are ranked by score, highest first. Ties keep the order
// of the input: the earlier image first, and within an image the earlier detection first (what
// pycocotools' stable mergesorts give). Only each image's `maxDetections` best-scoring detections take
// part (default 100, the same rank order); the rest count as never made.
//
// Matching at IoU 0.5 (VOC, the benchmark's AP50). Down the ranking, a detection is compared with the
// truths of its class in its image and takes the one with the highest IoU (the first on ties). It is a
// true positive (TP) when that IoU ≥ 0.5 and that truth is not matched yet; otherwise a false positive
// (FP), duplicates included, even when another truth would have been free.
//
// After the i-th detection of the ranking, with n truths of the class:
//
//   recall_i = TP_i / n        precision_i = TP_i / i        envelope_i = max_{j ≥ i} precision_j
//
//   AP50 (VOC2010+, all points) = Σ over true positives i of (1/n) · envelope_i
//                                 (the area under the envelope, a step function of recall)
//   ap11 (VOC2007, 11 points)   = mean over r = 0, 0.1, …, 1 of max{precision_j : recall_j ≥ r} (0 if none)
//
// COCO style (pycocotools' COCOeval with one area range 'all', no crowd, 100 detections per image): at
// each IoU threshold t = 0.50, 0.55, …, 0.95 a detection takes, among the truths of its class and image
// not matched yet, the one with the highest IoU ≥ t (the last one on ties, as pycocotools does); the AP at
// t is the mean over the 101 recalls r = 0, 0.01, …, 1 of max{precision_j : recall_j ≥ r} (0 if none).
// AP50_95 is the mean over the 10 thresholds and AP50_coco the AP at t = 0.5.
//
// A class without truths has no AP (recall is undefined): its numbers are NaN and every mean over
// classes (mAP50, mAP50_95, …, precision, recall) skips it. When no class has a truth, the means are NaN.

import { ValueError } from '../util/errors.js';
import { type Detection, iou, type LabeledBox } from './boxes.js';

/**
 * One image's boxes: what the model found (any order) and what is really there.
 *
 * @example
 * const image: ImageBoxes = {
 *   detections: [{ x0: 10, y0: 10, x1: 30, y1: 40, cls: 7, score: 0.9 }],
 *   truths: [{ x0: 11, y0: 9, x1: 30, y1: 41, cls: 7 }],
 * };
 */
export interface ImageBoxes {
  detections: readonly Detection[];
  truths: readonly LabeledBox[];
}

/**
 * Options of {@link evaluateDetections}.
 *
 * @example
 * const options: MetricsOptions = { maxDetections: 100, confusionScore: 0.25, confusionIou: 0.45 };
 */
export interface MetricsOptions {
  /** Each image's best-scoring detections that count, over all classes (default 100). */
  maxDetections?: number;
  /** The confusion matrix counts detections with score ≥ this (default 0.25). */
  confusionScore?: number;
  /** The confusion matrix pairs a detection and a truth when their IoU ≥ this (default 0.45). */
  confusionIou?: number;
}

/**
 * One class's numbers; every AP and precision/recall is NaN for a class without truths.
 *
 * @example
 * const digitOne: ClassMetrics = evaluateDetections(images, 10).perClass[1];
 */
export interface ClassMetrics {
  /** VOC all-point AP at IoU 0.5 (the benchmark's metric). */
  AP50: number;
  /** VOC2007 11-point AP at IoU 0.5. */
  ap11: number;
  /** COCO AP averaged over IoU 0.50:0.05:0.95 (101-point). */
  AP50_95: number;
  /** COCO 101-point AP at IoU 0.5. */
  AP50_coco: number;
  /** Precision at the chosen confidence ({@link DetectionMetrics.confidence}). */
  precision: number;
  /** Recall at the chosen confidence. */
  recall: number;
  /** Ground-truth boxes of the class. */
  truths: number;
  /** Detections of the class that were evaluated (after the per-image cap). */
  detections: number;
}

/**
 * A class's precision-recall curve at IoU 0.5 (VOC matching), for plots.
 *
 * @example
 * const { recall, precision } = evaluateDetections(images, 10).curves[3];
 */
export interface PrCurve {
  /** Scores of the ranked detections, highest first. */
  scores: number[];
  /** Recall after each ranked detection (empty when the class has no truths). */
  recall: number[];
  /** Precision after each ranked detection. */
  precision: number[];
  /** max{precision_j : recall_j ≥ r} at each r of {@link RECALL_GRID} (zeros when nothing reaches r). */
  interpolated: number[];
}

/**
 * Everything {@link evaluateDetections} measures. Means are over the classes that have truths.
 *
 * @example
 * const { mAP50, mAP50_95, precision, recall } = evaluateDetections(images, 10);
 */
export interface DetectionMetrics {
  /** Mean over classes of the VOC all-point AP at IoU 0.5: the benchmark's number. */
  mAP50: number;
  /** Mean over classes of the VOC2007 11-point AP at IoU 0.5. */
  ap11: number;
  /** COCO mAP@0.5:0.95. */
  mAP50_95: number;
  /** COCO 101-point mAP at IoU 0.5 (what pycocotools and ultralytics call mAP50). */
  mAP50_coco: number;
  /** Mean over classes of the per-class precision at {@link confidence}. */
  precision: number;
  /** Mean over classes of the per-class recall at {@link confidence}. */
  recall: number;
  /** The score threshold where the smoothed mean F1 is highest (see {@link evaluateDetections}). */
  confidence: number;
  /** How many classes have truths, so count in the means. */
  classesWithTruths: number;
  perClass: ClassMetrics[];
  /** Per class, the precision-recall curve at IoU 0.5. */
  curves: PrCurve[];
  /** Mean over classes with truths of the interpolated curves, on {@link RECALL_GRID}. */
  meanCurve: number[];
  /**
   * (C+1)×(C+1) counts, `confusion[predicted][true]`: row = predicted class, column = true class, as
   * ultralytics lays it out. Row C (background) counts truths no detection matched (missed); column C
   * (background) counts detections that matched no truth. Detections with score ≥ confusionScore pair
   * with truths of any class at IoU ≥ confusionIou, one to one, highest IoU first (ultralytics compares
   * with > and removes duplicate pairs by sorting; the counts differ only on exact ties).
   */
  confusion: number[][];
}

/** numpy's `linspace(start, stop, num)` value for value: start + k·step, and exactly `stop` last. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, k) => (k === num - 1 ? stop : k * step + start));
}

/** The recalls 0, 0.01, …, 1 where COCO samples precision (the same doubles as pycocotools' recThrs). */
export const RECALL_GRID: readonly number[] = linspace(0, 1, 101);
/** COCO's IoU thresholds 0.50, 0.55, …, 0.95 (the same doubles as pycocotools' iouThrs). */
const IOU_THRESHOLDS: readonly number[] = linspace(0.5, 0.95, 10);
/** The 1000 confidences where precision and recall are read off, as ultralytics does. */
const CONFIDENCE_GRID = linspace(0, 1, 1000);
/** The VOC2007 recalls 0, 0.1, …, 1. */
const ELEVEN_POINTS = Array.from({ length: 11 }, (_, k) => k / 10);

/** A detection in a class's ranking: which image it is from, and the box. */
interface Ranked {
  image: number;
  detection: Detection;
}

/**
 * Measures detections against ground truth over a data set of images with `classes` classes; see the
 * file's header for the exact rules. Precision and recall are reported as ultralytics does: from each
 * class's curve at IoU 0.5 (VOC matching), precision and recall are read at 1000 confidences c in [0, 1]
 * by linear interpolation in score (above the top score: precision 1, recall 0; below the lowest: the
 * final values); F1 = 2PR/(P+R) is averaged over the classes with truths, smoothed by a 101-point moving
 * average (ends padded with the end values), and the first confidence where it is highest is chosen for
 * every class.
 *
 * @example
 * const truth = { x0: 0, y0: 0, x1: 10, y1: 10, cls: 0 };
 * const m = evaluateDetections([{ detections: [{ ...truth, score: 0.9 }], truths: [truth] }], 1);
 * m.mAP50; // 1
 */
export function evaluateDetections(
  images: readonly ImageBoxes[],
  classes: number,
  options: MetricsOptions = {},
): DetectionMetrics {
  const maxDetections = options.maxDetections ?? 100;
  const confusionScore = options.confusionScore ?? 0.25;
  const confusionIou = options.confusionIou ?? 0.45;
  if (!Number.isInteger(classes) || classes < 1)
    throw new ValueError(`evaluateDetections: classes must be an integer >= 1, got ${classes}`);
  if (!Number.isInteger(maxDetections) || maxDetections < 1)
    throw new ValueError(`evaluateDetections: maxDetections must be an integer >= 1, got ${maxDetections}`);
  checkFraction('confusionScore', confusionScore);
  checkFraction('confusionIou', confusionIou);
  images.forEach((image, i) => {
    checkImage(image, i, classes);
  });

  const kept = images.map((image) => topDetections(image.detections, maxDetections));
  const perClass: ClassMetrics[] = [];
  const curves: PrCurve[] = [];
  for (let cls = 0; cls < classes; cls++) {
    const truths = images.map((image) => image.truths.filter((t) => t.cls === cls));
    const ranked = rankClass(kept, cls);
    const n = truths.reduce((sum, list) => sum + list.length, 0);
    const curve = vocCurve(ranked, truths, n);
    curves.push(curve);
    const coco = IOU_THRESHOLDS.map((t) => cocoAp(ranked, truths, n, t));
    perClass.push({
      AP50: n > 0 ? allPointAp(curve, n) : Number.NaN,
      ap11: n > 0 ? elevenPointAp(curve) : Number.NaN,
      AP50_95: mean(coco),
      AP50_coco: coco[0] as number,
      precision: Number.NaN,
      recall: Number.NaN,
      truths: n,
      detections: ranked.length,
    });
  }
  const counted = perClass.map((_, cls) => cls).filter((cls) => (perClass[cls] as ClassMetrics).truths > 0);
  const confidence = setPrecisionRecall(perClass, curves, counted);
  const meanOf = (key: keyof ClassMetrics) =>
    mean(counted.map((cls) => (perClass[cls] as ClassMetrics)[key]));
  return {
    mAP50: meanOf('AP50'),
    ap11: meanOf('ap11'),
    mAP50_95: meanOf('AP50_95'),
    mAP50_coco: meanOf('AP50_coco'),
    precision: meanOf('precision'),
    recall: meanOf('recall'),
    confidence,
    classesWithTruths: counted.length,
    perClass,
    curves,
    meanCurve: RECALL_GRID.map((_, k) => mean(counted.map((cls) => curves[cls]?.interpolated[k] as number))),
    confusion: confusionMatrix(images, kept, classes, confusionScore, confusionIou),
  };
}

function checkFraction(name: string, value: number): void {
  if (!(value >= 0 && value <= 1))
    throw new ValueError(`evaluateDetections: ${name} must be in [0, 1], got ${value}`);
}

/** Every box must have a class in [0, classes), finite corners with x0 ≤ x1, y0 ≤ y1, and a score in [0, 1]. */
function checkImage(image: ImageBoxes, index: number, classes: number): void {
  const check = (box: LabeledBox, what: string) => {
    const where = `evaluateDetections: image ${index}, ${what}`;
    if (!Number.isInteger(box.cls) || box.cls < 0 || box.cls >= classes)
      throw new ValueError(`${where} has class ${box.cls}; classes are 0..${classes - 1}`);
    const corners = [box.x0, box.y0, box.x1, box.y1];
    if (!corners.every(Number.isFinite) || box.x1 < box.x0 || box.y1 < box.y0)
      throw new ValueError(`${where} has box [${corners.join(', ')}]; expected finite x0 <= x1 and y0 <= y1`);
  };
  image.truths.forEach((truth, i) => {
    check(truth, `truth ${i}`);
  });
  image.detections.forEach((detection, i) => {
    check(detection, `detection ${i}`);
    if (!(detection.score >= 0 && detection.score <= 1))
      throw new ValueError(
        `evaluateDetections: image ${index}, detection ${i} has score ${detection.score}; expected [0, 1]`,
      );
  });
}

/** The `max` highest-scoring detections, highest first; ties keep the input order (a stable sort). */
function topDetections(detections: readonly Detection[], max: number): Detection[] {
  return [...detections].sort((a, b) => b.score - a.score).slice(0, max);
}

/** All images' detections of one class, highest score first; ties: earlier image, then earlier in it. */
function rankClass(kept: readonly Detection[][], cls: number): Ranked[] {
  const ranked: Ranked[] = [];
  kept.forEach((detections, image) => {
    for (const detection of detections) if (detection.cls === cls) ranked.push({ image, detection });
  });
  return ranked.sort((a, b) => b.detection.score - a.detection.score);
}

/** The PR curve at IoU 0.5 with VOC matching: the best-IoU truth, a TP only if it is still free. */
function vocCurve(ranked: readonly Ranked[], truths: readonly LabeledBox[][], n: number): PrCurve {
  const matched = truths.map((list) => list.map(() => false));
  const curve: PrCurve = { scores: [], recall: [], precision: [], interpolated: [] };
  let tp = 0;
  ranked.forEach(({ image, detection }, i) => {
    const candidates = truths[image] as LabeledBox[];
    let best = -1;
    let bestIou = 0;
    candidates.forEach((truth, j) => {
      const overlap = iou(detection, truth);
      if (overlap > bestIou) {
        bestIou = overlap;
        best = j;
      }
    });
    const taken = matched[image] as boolean[];
    if (best >= 0 && bestIou >= 0.5 && !taken[best]) {
      taken[best] = true;
      tp++;
    }
    curve.scores.push(detection.score);
    if (n > 0) curve.recall.push(tp / n);
    curve.precision.push(tp / (i + 1));
  });
  curve.interpolated =
    n > 0 ? interpolate(curve.recall, curve.precision, RECALL_GRID) : RECALL_GRID.map(() => 0);
  return curve;
}

/** max{precision_j : recall_j ≥ r} for each r (0 when no recall reaches r). */
function interpolate(
  recall: readonly number[],
  precision: readonly number[],
  at: readonly number[],
): number[] {
  const envelope = [...precision];
  for (let i = envelope.length - 2; i >= 0; i--)
    envelope[i] = Math.max(envelope[i] as number, envelope[i + 1] as number);
  // recall never decreases, so the first j with recall_j ≥ r carries the maximum over all of them
  let j = 0;
  return at.map((r) => {
    while (j < recall.length && (recall[j] as number) < r) j++;
    return j < recall.length ? (envelope[j] as number) : 0;
  });
}

/** The area under the precision envelope: each true positive adds 1/n of recall at its envelope value. */
function allPointAp(curve: PrCurve, n: number): number {
  const envelope = [...curve.precision];
  for (let i = envelope.length - 2; i >= 0; i--)
    envelope[i] = Math.max(envelope[i] as number, envelope[i + 1] as number);
  let ap = 0;
  let previousRecall = 0;
  curve.recall.forEach((recall, i) => {
    if (recall > previousRecall) ap += (1 / n) * (envelope[i] as number);
    previousRecall = recall;
  });
  return ap;
}

function elevenPointAp(curve: PrCurve): number {
  return mean(interpolate(curve.recall, curve.precision, ELEVEN_POINTS));
}

/** COCO 101-point AP at IoU threshold t: each detection takes the free truth with the highest IoU ≥ t. */
function cocoAp(ranked: readonly Ranked[], truths: readonly LabeledBox[][], n: number, t: number): number {
  if (n === 0) return Number.NaN;
  const matched = truths.map((list) => list.map(() => false));
  const minimum = Math.min(t, 1 - 1e-10);
  const recall: number[] = [];
  const precision: number[] = [];
  let tp = 0;
  ranked.forEach(({ image, detection }, i) => {
    const taken = matched[image] as boolean[];
    let best = -1;
    let bestIou = minimum;
    (truths[image] as LabeledBox[]).forEach((truth, j) => {
      const overlap = iou(detection, truth);
      if (!taken[j] && overlap >= bestIou) {
        bestIou = overlap;
        best = j;
      }
    });
    if (best >= 0) {
      taken[best] = true;
      tp++;
    }
    recall.push(tp / n);
    precision.push(tp / (i + 1));
  });
  return mean(interpolate(recall, precision, RECALL_GRID));
}

/**
 * Fills each counted class's precision and recall at the confidence where the smoothed mean F1 peaks
 * (ultralytics' rule, see evaluateDetections) and returns that confidence.
 */
function setPrecisionRecall(perClass: ClassMetrics[], curves: readonly PrCurve[], counted: number[]): number {
  if (counted.length === 0) return Number.NaN;
  const p = counted.map((cls) => readAtConfidences(curves[cls] as PrCurve, 'precision', 1));
  const r = counted.map((cls) => readAtConfidences(curves[cls] as PrCurve, 'recall', 0));
  const f1 = CONFIDENCE_GRID.map((_, k) => {
    let sum = 0;
    counted.forEach((_, c) => {
      const pk = p[c]?.[k] as number;
      const rk = r[c]?.[k] as number;
      sum += (2 * pk * rk) / (pk + rk + 1e-16);
    });
    return sum / counted.length;
  });
  const smoothed = movingAverage(f1, 101);
  let best = 0;
  smoothed.forEach((value, k) => {
    if (value > (smoothed[best] as number)) best = k;
  });
  counted.forEach((cls, c) => {
    const metrics = perClass[cls] as ClassMetrics;
    metrics.precision = p[c]?.[best] as number;
    metrics.recall = r[c]?.[best] as number;
  });
  return CONFIDENCE_GRID[best] as number;
}

/**
 * The curve's precision or recall at each confidence of the grid: linear in score between the point
 * after the last detection scoring above c and the point after the next one; `above` over the top
 * score, the final value under the lowest. A class with no detections reads 0 everywhere.
 */
function readAtConfidences(curve: PrCurve, key: 'precision' | 'recall', above: number): number[] {
  const { scores } = curve;
  const values = curve[key];
  if (scores.length === 0) return CONFIDENCE_GRID.map(() => 0);
  const last = scores.length - 1;
  return CONFIDENCE_GRID.map((c) => {
    if (c > (scores[0] as number)) return above;
    if (c <= (scores[last] as number)) return values[last] as number;
    // binary search for j, the last detection scoring at least c (scores fall down the ranking)
    let j = 0;
    let past = last;
    while (past - j > 1) {
      const middle = (j + past) >> 1;
      if ((scores[middle] as number) >= c) j = middle;
      else past = middle;
    }
    const [s0, s1] = [scores[j] as number, scores[j + 1] as number];
    const [v0, v1] = [values[j] as number, values[j + 1] as number];
    return ((v1 - v0) / (s0 - s1)) * (s0 - c) + v0;
  });
}

/** A centred moving average over `width` (odd) points, the ends padded with the first and last values. */
function movingAverage(values: readonly number[], width: number): number[] {
  const half = (width - 1) / 2;
  const at = (i: number) => values[Math.min(values.length - 1, Math.max(0, i))] as number;
  return values.map((_, i) => {
    let sum = 0;
    for (let k = i - half; k <= i + half; k++) sum += at(k);
    return sum / width;
  });
}

/**
 * Pairs detections (score ≥ minScore) with truths of any class one to one: all pairs with IoU ≥ minIou,
 * highest IoU first (ties: earlier truth, then earlier detection), each box used once. A pair counts at
 * [detected class][true class]; an unpaired truth at [C][true class], an unpaired detection at [class][C].
 */
function confusionMatrix(
  images: readonly ImageBoxes[],
  kept: readonly Detection[][],
  classes: number,
  minScore: number,
  minIou: number,
): number[][] {
  const matrix = Array.from({ length: classes + 1 }, () => new Array<number>(classes + 1).fill(0));
  const add = (row: number, column: number) => {
    (matrix[row] as number[])[column] = ((matrix[row] as number[])[column] as number) + 1;
  };
  images.forEach((image, index) => {
    const detections = (kept[index] as Detection[]).filter((d) => d.score >= minScore);
    const pairs: { truth: number; detection: number; overlap: number }[] = [];
    image.truths.forEach((truth, t) => {
      detections.forEach((detection, d) => {
        const overlap = iou(truth, detection);
        if (overlap >= minIou && overlap > 0) pairs.push({ truth: t, detection: d, overlap });
      });
    });
    pairs.sort((a, b) => b.overlap - a.overlap);
    const truthUsed = image.truths.map(() => false);
    const detectionUsed = detections.map(() => false);
    for (const { truth, detection } of pairs) {
      if (truthUsed[truth] || detectionUsed[detection]) continue;
      truthUsed[truth] = true;
      detectionUsed[detection] = true;
      add((detections[detection] as Detection).cls, (image.truths[truth] as LabeledBox).cls);
    }
    image.truths.forEach((truth, t) => {
      if (!truthUsed[t]) add(classes, truth.cls);
    });
    detections.forEach((detection, d) => {
      if (!detectionUsed[d]) add(detection.cls, classes);
    });
  });
  return matrix;
}

function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
