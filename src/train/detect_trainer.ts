// Node-only (writes the run folder).
// Training a YOLOv1 detector: the shared loop (loop.ts) with batches of images and their boxes encoded
// to grid targets, the four loss terms reported apart, and after each epoch a validation as `zerodl
// detect val` does it (precision, recall, mAP50, mAP50-95), with the ultralytics plots of the run.

import { shuffledIndices } from '../data/batches.js';
import type { LabeledBox } from '../detection/boxes.js';
import { decodeDetections } from '../detection/decode.js';
import { encodeTargets } from '../detection/encode.js';
import type { YoloHead } from '../detection/head.js';
import { type DetectionMetrics, evaluateDetections } from '../detection/metrics.js';
import { YoloV1Loss, type YoloV1LossTerms } from '../detection/yolo_v1_loss.js';
import type { Sequential } from '../model/sequential.js';
import { Canvas } from '../raster/canvas.js';
import { drawBoxes, inputCanvas } from '../raster/detections.js';
import { reuseOrAllocate, type Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import type { Random } from '../util/random.js';
import type { ResultRow } from './checkpoint.js';
import { prCurvePlot } from './detection_plots.js';
import { type LoopOptions, type LoopResult, type StepBatch, trainLoop, type Validation } from './loop.js';
import { confusionMatrixPlot, curvesPlot } from './plots.js';

/** Images with their boxes, read one at a time (a data set on disk, or scenes made on the fly). */
export interface DetectionSamples {
  readonly count: number;
  /**
   * Writes sample `i`'s input (channels·size·size values in [0, 1]) into `x` from `offset` and returns
   * its boxes in pixels of that input.
   */
  read(i: number, x: Float32Array, offset: number): readonly LabeledBox[];
}

export interface DetectTrainerOptions extends LoopOptions {
  head: YoloHead;
  /** The square input's side in pixels (imgsz) and its channels. */
  imageSize: number;
  channels: number;
  /** The samples of epoch `epoch` (1-based): the same set each epoch, or new scenes every epoch. */
  train: (epoch: number) => DetectionSamples;
  /** Held-out samples scored after each epoch; the best epoch by fitness is kept as best.safetensors. */
  validation?: DetectionSamples;
  batchSize: number;
}

/** The columns of a detection run's results.csv, ultralytics' names where it has them. */
const COLUMNS: readonly (readonly [string, string])[] = [
  ['train/coord_loss', 'trainCoord'],
  ['train/obj_loss', 'trainObj'],
  ['train/noobj_loss', 'trainNoobj'],
  ['train/cls_loss', 'trainCls'],
  ['metrics/precision', 'precision'],
  ['metrics/recall', 'recall'],
  ['metrics/mAP50', 'mAP50'],
  ['metrics/mAP50-95', 'mAP50_95'],
  ['val/coord_loss', 'valCoord'],
  ['val/obj_loss', 'valObj'],
  ['val/noobj_loss', 'valNoobj'],
  ['val/cls_loss', 'valCls'],
  ['lr', 'lr'],
  ['seconds', 'seconds'],
];

const TERMS = ['coord', 'obj', 'noobj', 'cls'] as const;

/** The validation of one epoch: the metrics, and what the plots of the run need. */
export interface DetectionValidation extends Validation {
  metrics: DetectionMetrics;
  /** The first images' inputs, boxes and detections, for val_batch0_pred.png. */
  preview: { inputs: Float32Array[]; truths: LabeledBox[][]; detections: LabeledBox[][] };
}

/**
 * ultralytics' fitness: 0.1·mAP50 + 0.9·mAP50-95, so the best epoch is the one with the tightest boxes
 * among those that find the objects.
 */
export function detectionFitness(metrics: Pick<DetectionMetrics, 'mAP50' | 'mAP50_95'>): number {
  return 0.1 * metrics.mAP50 + 0.9 * metrics.mAP50_95;
}

/**
 * Trains the detector `model` (its loss a YoloV1Loss for `head`) and writes runs/detect/<name>/ as it goes
 * (see trainLoop): results.csv, results.png, PR_curve.png, confusion_matrix.png, val_batch0_pred.png,
 * weights/{best,last}.safetensors, model.json.
 */
export function trainDetector(options: DetectTrainerOptions, names: readonly string[]): LoopResult {
  const { model, head, imageSize, channels, batchSize } = options;
  const loss = model.lossFunction;
  if (!(loss instanceof YoloV1Loss))
    throw new ValueError(`trainDetector: the model's loss must be a YoloV1Loss, got ${loss.label}`);
  const trainBuffers: BatchBuffers = {};
  const validation = { buffers: {} as BatchBuffers, loss: new YoloV1Loss(head, loss.options) };
  return trainLoop(options, {
    columns: COLUMNS,
    epoch(epoch: number, rng: Random) {
      const samples = options.train(epoch);
      const order = shuffledIndices(samples.count, rng);
      const steps = Math.ceil(samples.count / batchSize);
      return {
        steps,
        batches: (function* (): Generator<StepBatch> {
          for (let start = 0; start < samples.count; start += batchSize) {
            const indices = order.slice(start, start + batchSize);
            yield readBatch(samples, indices, head, imageSize, channels, trainBuffers);
          }
        })(),
      };
    },
    meter() {
      const sums = { coord: 0, obj: 0, noobj: 0, cls: 0 };
      let seen = 0;
      const mean = (term: keyof YoloV1LossTerms) => sums[term] / Math.max(1, seen);
      return {
        add(_loss, size) {
          for (const term of TERMS) sums[term] += loss.terms[term] * size;
          seen += size;
        },
        text: () => TERMS.map((term) => `${term} ${mean(term).toFixed(3)}`).join(' '),
        values: () => ({
          trainCoord: mean('coord'),
          trainObj: mean('obj'),
          trainNoobj: mean('noobj'),
          trainCls: mean('cls'),
        }),
      };
    },
    validate: options.validation
      ? (net) => validateDetector(net, options.validation as DetectionSamples, { ...options, ...validation })
      : undefined,
    plots: (rows, validation) => detectionPlots(rows, validation, names, imageSize, channels),
  });
}

/**
 * The tensors batches are read into, reused from batch to batch: a training run is one synchronous
 * loop, in which wasm memory given to tensors is not returned until it ends, so a new x and t for every
 * batch would fill the 4 GiB of wasm memory in a few epochs.
 */
export interface BatchBuffers {
  x?: Tensor;
  t?: Tensor;
}

/** Reads the samples `indices` into one batch: x [n, c, size, size] and the grid targets t. */
function readBatch(
  samples: DetectionSamples,
  indices: ArrayLike<number>,
  head: YoloHead,
  imageSize: number,
  channels: number,
  buffers: BatchBuffers,
): StepBatch & { boxes: (readonly LabeledBox[])[] } {
  const n = indices.length;
  const inputSize = channels * imageSize * imageSize;
  const x = reuseOrAllocate(buffers.x, [n, channels, imageSize, imageSize]);
  const boxes: (readonly LabeledBox[])[] = [];
  for (let j = 0; j < n; j++) boxes.push(samples.read(indices[j] as number, x.data, j * inputSize));
  const { t } = encodeTargets(boxes, head, imageSize, buffers.t);
  buffers.x = x;
  buffers.t = t;
  return { x, t, size: n, boxes };
}

const VALIDATION_BATCH = 50;
const PREVIEW_IMAGES = 16;

/**
 * Scores the model on `samples` as `zerodl detect val` does: every detection with score ≥ `conf`
 * (default 0.001; one per class a box scores for), per-class NMS at IoU `iou` (default 0.5), at most 100
 * per image, then precision, recall, mAP50 and mAP50-95 against the samples' boxes.
 */
export function validateDetector(
  model: Sequential,
  samples: DetectionSamples,
  options: {
    head: YoloHead;
    imageSize: number;
    channels: number;
    conf?: number;
    iou?: number;
    /** Tensors to reuse (a training run validates every epoch); default: new ones for this call. */
    buffers?: BatchBuffers;
    /** The loss whose terms are reported; default: one like the model's. */
    loss?: YoloV1Loss;
  },
): DetectionValidation {
  const { head, imageSize, channels, conf = 0.001, iou = 0.5, buffers = {} } = options;
  const inputSize = channels * imageSize * imageSize;
  const terms = options.loss ?? new YoloV1Loss(head, (model.lossFunction as YoloV1Loss).options);
  const sums = { coord: 0, obj: 0, noobj: 0, cls: 0 };
  const images: { detections: ReturnType<typeof decodeDetections>[number]; truths: LabeledBox[] }[] = [];
  const preview: DetectionValidation['preview'] = { inputs: [], truths: [], detections: [] };
  for (let start = 0; start < samples.count; start += VALIDATION_BATCH) {
    const indices = Int32Array.from(
      { length: Math.min(VALIDATION_BATCH, samples.count - start) },
      (_, j) => start + j,
    );
    const batch = readBatch(samples, indices, head, imageSize, channels, buffers);
    // the last layer's buffer, read before the next batch: predict's copy would take new wasm memory
    // every batch, returned only after the whole (synchronous) run
    const y = model.forward(batch.x, 'eval');
    terms.forward(y, batch.t);
    for (const term of TERMS) sums[term] += terms.terms[term] * batch.size;
    const detections = decodeDetections(y, head, imageSize, { conf, iou, maxDet: 100, multiLabel: true });
    detections.forEach((found, j) => {
      const truths = [...(batch.boxes[j] as readonly LabeledBox[])];
      images.push({ detections: found, truths });
      if (preview.inputs.length < PREVIEW_IMAGES) {
        preview.inputs.push(batch.x.data.slice(j * inputSize, (j + 1) * inputSize));
        preview.truths.push(truths);
        preview.detections.push(found.filter((d) => d.score >= 0.25));
      }
    });
  }
  const metrics = evaluateDetections(images, head.classes);
  const mean = (term: keyof typeof sums) => sums[term] / Math.max(1, samples.count);
  return {
    metrics,
    preview,
    values: {
      precision: metrics.precision,
      recall: metrics.recall,
      mAP50: metrics.mAP50,
      mAP50_95: metrics.mAP50_95,
      valCoord: mean('coord'),
      valObj: mean('obj'),
      valNoobj: mean('noobj'),
      valCls: mean('cls'),
    },
    text: `P ${metrics.precision.toFixed(3)} R ${metrics.recall.toFixed(3)} mAP50 ${metrics.mAP50.toFixed(4)} mAP50-95 ${metrics.mAP50_95.toFixed(4)}`,
    fitness: detectionFitness(metrics),
  };
}

const SERIES = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'] as const;

/** results.png (losses and metrics per epoch) and, after a validation, PR_curve.png, confusion_matrix.png, val_batch0_pred.png. */
function detectionPlots(
  rows: readonly ResultRow[],
  validation: DetectionValidation | undefined,
  names: readonly string[],
  imageSize: number,
  channels: number,
): [string, Uint8Array | string][] {
  const termSeries = (prefix: 'train' | 'val') =>
    TERMS.map((term, i) => ({
      label: term,
      key: `${prefix}${term[0]?.toUpperCase()}${term.slice(1)}`,
      color: SERIES[i] as (typeof SERIES)[number],
    }));
  const results = curvesPlot(rows, `detection training: ${rows.length} epochs`, [
    { title: 'train loss terms', series: termSeries('train') },
    { title: 'val loss terms', series: termSeries('val') },
    {
      title: 'precision and recall',
      series: [
        { label: 'precision', key: 'precision', color: SERIES[0] },
        { label: 'recall', key: 'recall', color: SERIES[1] },
      ],
      limits: [0, 1],
    },
    {
      title: 'mAP',
      series: [
        { label: 'mAP50', key: 'mAP50', color: SERIES[2] },
        { label: 'mAP50-95', key: 'mAP50_95', color: SERIES[3] },
      ],
      limits: [0, 1],
    },
  ]);
  const files: [string, Uint8Array | string][] = [
    ['results.png', results.png],
    ['results.svg', results.svg],
  ];
  if (!validation) return files;
  const { metrics, preview } = validation;
  files.push(['PR_curve.png', prCurvePlot(metrics, names).png]);
  // metrics: rows = predicted, columns = true; the plot: rows = true
  const matrix = metrics.confusion.map((_, r) => metrics.confusion.map((row) => row[r] as number));
  files.push(['confusion_matrix.png', confusionMatrixPlot(matrix, [...names, 'background']).png]);
  files.push(['val_batch0_pred.png', previewMosaic(preview, names, imageSize, channels)]);
  return files;
}

/**
 * The first validation images in pairs: predicted boxes (score ≥ 0.25) on the left, the labels on the
 * right, four pairs a row, each image drawn twice as large.
 */
function previewMosaic(
  preview: DetectionValidation['preview'],
  names: readonly string[],
  imageSize: number,
  channels: number,
): Uint8Array {
  const zoom = Math.max(1, Math.round(192 / imageSize));
  const tile = imageSize * zoom;
  const gap = 4;
  const pairsPerRow = 4;
  const rows = Math.ceil(preview.inputs.length / pairsPerRow);
  const mosaic = new Canvas(pairsPerRow * (2 * tile + 3 * gap), rows * (tile + gap) + gap, '#ffffff');
  preview.inputs.forEach((input, i) => {
    const left = (i % pairsPerRow) * (2 * tile + 3 * gap) + gap;
    const top = Math.floor(i / pairsPerRow) * (tile + gap) + gap;
    const sides = [preview.detections[i] ?? [], preview.truths[i] ?? []];
    sides.forEach((boxes, side) => {
      const image = inputCanvas(input, channels, imageSize, imageSize, zoom);
      drawBoxes(image, boxes, names, { zoom });
      mosaic.drawImage(image, left + side * (tile + gap), top);
    });
  });
  return mosaic.toPng();
}
