// Architectures as data: a JSON layer list (like darknet's cfg) that builds a Sequential, with every
// shape checked when the model is built. model.json stores the same object.

import { headChannels, type YoloHead } from '../detection/head.js';
import { YoloV1Loss } from '../detection/yolo_v1_loss.js';
import { Affine } from '../layers/affine.js';
import { AvgPool2d } from '../layers/avg_pool2d.js';
import { BatchNorm } from '../layers/batch_norm.js';
import { Conv2d } from '../layers/conv2d.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten } from '../layers/flatten.js';
import { GlobalAvgPool } from '../layers/global_avg_pool.js';
import type { WeightInit } from '../layers/init.js';
import type { Layer } from '../layers/layer.js';
import { LeakyRelu } from '../layers/leaky_relu.js';
import { MaxPool2d } from '../layers/max_pool2d.js';
import { Relu } from '../layers/relu.js';
import { Sigmoid } from '../layers/sigmoid.js';
import { Softmax } from '../layers/softmax.js';
import { windowOutputShape } from '../layers/window.js';
import type { Loss } from '../losses/loss.js';
import { SoftmaxCrossEntropy } from '../losses/softmax_cross_entropy.js';
import { SumSquaredError } from '../losses/sum_squared_error.js';
import { shapeSize } from '../tensor/tensor.js';
import { formatShape, ShapeError, ValueError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { Sequential } from './sequential.js';

/**
 * One layer of an architecture; input sizes (features, channels) are inferred from the previous
 * layer's output. Pooling `stride` defaults to `kernelSize`; conv2d `stride` to 1; `pad` to 0.
 */
export type LayerSpec =
  | { type: 'affine'; outFeatures: number }
  | { type: 'leaky_relu'; alpha?: number }
  | { type: 'relu' }
  | { type: 'sigmoid' }
  | { type: 'conv2d'; filters: number; kernelSize: number; stride?: number; pad?: number }
  | { type: 'max_pool2d'; kernelSize: number; stride?: number; pad?: number }
  | { type: 'avg_pool2d'; kernelSize: number; stride?: number; pad?: number }
  | { type: 'global_avg_pool' }
  | { type: 'flatten' }
  | { type: 'dropout'; rate: number }
  | { type: 'batch_norm'; momentum?: number; eps?: number }
  | { type: 'softmax' };

export type LossName = 'sse' | 'cross_entropy' | 'yolov1';

/**
 * A whole network: input shape without the batch dimension, layers in order, and the loss. A detector
 * (loss `yolov1`) also names its head: the last layer's output must be [B·5 + C, S, S] or B·5 + C · S · S
 * values (see detection/head.ts).
 */
export interface Architecture {
  inputShape: number[];
  layers: LayerSpec[];
  loss: LossName;
  head?: YoloHead;
}

export interface BuildOptions {
  /** Initial weights (default: the seed's 0.01·randn). */
  init?: WeightInit;
  /** Seed of the PRNG for the initial weights (default 0); dropout masks draw from `Random(seed + 1)`. */
  seed?: number;
}

/**
 * The most parameters (and batch-norm statistics) an architecture may declare, and the most values one
 * sample's input or any layer's output may hold: 2^26 = 67 million, 256 MiB of float32. The book's
 * networks have under a million parameters; one of 67 million takes 512 MiB with its gradients, twice
 * that with Adam's state, and minutes per batch on one CPU thread. A larger number in model.json or
 * --model-config is a typo or a corrupt file, refused before anything is allocated.
 */
const MAX_ARCHITECTURE_VALUES = 2 ** 26;

/**
 * Builds a Sequential from an architecture, checking every layer against the shape that reaches it.
 * Errors name the layer index and type, e.g. `layer 2 (affine): outFeatures must be …`. The whole
 * architecture is checked (types, fields, shapes and sizes) before any weight is allocated, so JSON of
 * any shape gives a ValueError or ShapeError, never a TypeError or RangeError.
 *
 * @example
 * buildModel({ inputShape: [784], layers: [{ type: 'affine', outFeatures: 10 }], loss: 'cross_entropy' });
 */
export function buildModel(architecture: Architecture, options: BuildOptions = {}): Sequential {
  checkArchitecture(architecture);
  const seed = options.seed ?? 0;
  const rng = new Random(seed);
  // One generator for every dropout layer, apart from the weights' so that adding dropout does not
  // change the initial weights; the Sequential exposes it for checkpoints.
  const random = new Random(seed + 1);
  const init = options.init ?? { kind: 'std', std: 0.01 };
  let shape = [1, ...architecture.inputShape];
  const layers: Layer[] = [];
  architecture.layers.forEach((spec, i) => {
    const where = `layer ${i + 1} (${(spec as { type?: unknown }).type})`;
    try {
      const layer = buildLayer(spec, shape, init, rng, random);
      shape = layer.outputShape(shape);
      layers.push(layer);
    } catch (error) {
      if (error instanceof ShapeError || error instanceof ValueError) {
        throw new (error.constructor as typeof ValueError)(`${where}: ${error.message}`);
      }
      throw error;
    }
  });
  return new Sequential(layers, createLoss(architecture.loss, architecture.head), {
    inputShape: architecture.inputShape,
    random,
  });
}

/**
 * A multi-layer perceptron: Affine layers of the given widths (input first) with LeakyReLU(alpha)
 * between them.
 *
 * @example
 * mlpArchitecture([784, 500, 100, 3], 'sse'); // the seed's network
 */
export function mlpArchitecture(sizes: readonly number[], loss: LossName, alpha = 0.1): Architecture {
  if (sizes.length < 2 || sizes.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new ValueError(
      `an MLP needs at least two layer widths >= 1, such as 784-500-100-3; got ${sizes.join('-')}`,
    );
  }
  const layers: LayerSpec[] = [];
  for (let i = 1; i < sizes.length; i++) {
    layers.push({ type: 'affine', outFeatures: sizes[i] });
    if (i + 1 < sizes.length) layers.push({ type: 'leaky_relu', alpha });
  }
  return { inputShape: [sizes[0]], layers, loss };
}

/**
 * The book's SimpleConvNet (「ゼロから作るDeep Learning」 ch. 7) for 28×28 gray images: conv 30 filters
 * 5×5 → ReLU → max-pool 2 → affine 100 → ReLU → affine `classes`, softmax cross-entropy.
 * Build it with `init: 'he'` (the book uses std 0.01 here; He trains faster with ReLU).
 *
 * @example
 * buildModel(simpleCnnArchitecture(10), { init: 'he' }).summary();
 */
export function simpleCnnArchitecture(classes: number): Architecture {
  checkClasses(classes);
  return {
    inputShape: [1, 28, 28],
    layers: [
      { type: 'conv2d', filters: 30, kernelSize: 5 },
      { type: 'relu' },
      { type: 'max_pool2d', kernelSize: 2 },
      { type: 'flatten' },
      { type: 'affine', outFeatures: 100 },
      { type: 'relu' },
      { type: 'affine', outFeatures: classes },
    ],
    loss: 'cross_entropy',
  };
}

/**
 * The book's DeepConvNet (ch. 8, 99.38% on MNIST): six 3×3 convolutions (16, 16, pool, 32, 32, pool,
 * 64, 64, pool; pad 1 except the fourth's pad 2, as the book, so 14 → 16 → 8 → 4), ReLU after each,
 * then affine 50 → ReLU → dropout 0.5 → affine `classes` → dropout 0.5, softmax cross-entropy; build
 * with `init: 'he'` as the book. `batchNorm: true` adds BatchNorm after every convolution and after the
 * affine 50 (before the ReLU), which lets it train with larger learning rates.
 *
 * @example
 * buildModel(deepCnnArchitecture(10, { batchNorm: true }), { init: 'he', seed: 1 });
 */
export function deepCnnArchitecture(classes: number, { batchNorm = false } = {}): Architecture {
  checkClasses(classes);
  const norm: LayerSpec[] = batchNorm ? [{ type: 'batch_norm' }] : [];
  const conv = (filters: number, pad = 1): LayerSpec[] => [
    { type: 'conv2d', filters, kernelSize: 3, pad },
    ...norm,
    { type: 'relu' },
  ];
  const pool: LayerSpec = { type: 'max_pool2d', kernelSize: 2 };
  return {
    inputShape: [1, 28, 28],
    layers: [
      ...conv(16),
      ...conv(16),
      pool,
      ...conv(32),
      ...conv(32, 2),
      pool,
      ...conv(64),
      ...conv(64),
      pool,
      { type: 'flatten' },
      { type: 'affine', outFeatures: 50 },
      ...norm,
      { type: 'relu' },
      { type: 'dropout', rate: 0.5 },
      { type: 'affine', outFeatures: classes },
      { type: 'dropout', rate: 0.5 },
    ],
    loss: 'cross_entropy',
  };
}

/** The size of a {@link yoloV1Architecture}: the input, the grid, and what each cell predicts. */
export interface DetectorOptions {
  /** The square input's side in pixels (imgsz); imageSize / grid must be a power of two. */
  imageSize: number;
  channels: number;
  /** S: cells per side. */
  grid: number;
  /** B: boxes per cell. */
  boxes: number;
  /** C: classes. */
  classes: number;
  /** Filters of the first convolution; each stage doubles them (default 16). */
  width?: number;
}

/**
 * A small YOLOv1-style detector (in the spirit of darknet's yolov1-tiny, fully convolutional): 3×3
 * convolutions with LeakyReLU(0.1), each halving the image with stride 2 until it is the S×S grid, a 3×3
 * convolution at stride 1 after the third and each later halving, and a linear 1×1 convolution to the
 * head's B·5 + C channels. At 96 px and S = 6: 96 → 48 → 24 → 12 → 6, 16 → 32 → 64 → 128 filters.
 *
 * @example
 * buildModel(yoloV1Architecture({ imageSize: 96, channels: 1, grid: 6, boxes: 2, classes: 10 }), { init: 'he' });
 */
export function yoloV1Architecture(options: DetectorOptions): Architecture {
  const { imageSize, channels, grid, boxes, classes, width = 16 } = options;
  const halvings = Math.log2(imageSize / grid);
  if (!Number.isInteger(halvings) || halvings < 1) {
    throw new ValueError(
      `yolov1: the image side ${imageSize} must be the grid ${grid} times a power of two (e.g. 96 px and a 6×6 grid)`,
    );
  }
  const leaky: LayerSpec = { type: 'leaky_relu', alpha: 0.1 };
  const layers: LayerSpec[] = [];
  for (let stage = 0; stage < halvings; stage++) {
    const filters = width * 2 ** stage;
    layers.push({ type: 'conv2d', filters, kernelSize: 3, stride: 2, pad: 1 }, leaky);
    if (stage >= 2) layers.push({ type: 'conv2d', filters, kernelSize: 3, pad: 1 }, leaky);
  }
  const head = { grid, boxes, classes };
  layers.push({ type: 'conv2d', filters: headChannels(head), kernelSize: 1 });
  return { inputShape: [channels, imageSize, imageSize], layers, loss: 'yolov1', head };
}

function checkClasses(classes: number): void {
  if (!Number.isInteger(classes) || classes < 2)
    throw new ValueError(`a classifier needs a whole number of classes >= 2, got ${classes}`);
}

/**
 * A loss by the name architectures use: `sse` (the seed's), `cross_entropy` (also `ce`), or `yolov1`
 * (a detector's, which needs the head).
 */
export function createLoss(name: string, head?: YoloHead): Loss {
  if (name === 'sse') return new SumSquaredError();
  if (name === 'cross_entropy' || name === 'ce') return new SoftmaxCrossEntropy();
  if (name === 'yolov1') {
    if (head === undefined) throw new ValueError('the yolov1 loss needs a "head": { grid, boxes, classes }');
    return new YoloV1Loss(head);
  }
  throw new ValueError(`unknown loss '${name}': use sse, cross_entropy or yolov1`);
}

/** The loss name for a spelling on the command line (`ce` is short for `cross_entropy`). */
export function lossName(name: string): LossName {
  if (name !== 'yolov1') createLoss(name);
  return name === 'ce' ? 'cross_entropy' : (name as LossName);
}

function buildLayer(
  spec: LayerSpec,
  inputShape: number[],
  init: WeightInit,
  rng: Random,
  random: Random,
): Layer {
  switch (spec.type) {
    case 'affine': {
      checkFlat(inputShape);
      return new Affine({ inFeatures: inputShape[1], outFeatures: spec.outFeatures, init, rng });
    }
    case 'leaky_relu':
      return new LeakyRelu(spec.alpha ?? 0.1);
    case 'relu':
      return new Relu();
    case 'sigmoid':
      return new Sigmoid();
    case 'conv2d': {
      checkImages(inputShape);
      const { filters, kernelSize, stride, pad } = spec;
      return new Conv2d({ inChannels: inputShape[1], filters, kernelSize, stride, pad, init, rng });
    }
    case 'max_pool2d':
      return new MaxPool2d(spec);
    case 'avg_pool2d':
      return new AvgPool2d(spec);
    case 'global_avg_pool':
      return new GlobalAvgPool();
    case 'flatten':
      return new Flatten();
    case 'dropout':
      return new Dropout({ rate: spec.rate, rng: random });
    case 'batch_norm':
      return new BatchNorm({ features: inputShape[1], momentum: spec.momentum, eps: spec.eps });
    case 'softmax':
      return new Softmax();
    default:
      throw new ValueError(`unknown layer type '${(spec as { type?: unknown }).type}'`);
  }
}

/** The fields each layer type takes: [name, kind, required]. */
type FieldKind = 'count' | 'size' | 'offset' | 'finite' | 'rate' | 'fraction' | 'positive';
const LAYER_FIELDS: Record<LayerSpec['type'], [string, FieldKind, boolean][]> = {
  affine: [['outFeatures', 'count', true]],
  leaky_relu: [['alpha', 'finite', false]],
  relu: [],
  sigmoid: [],
  conv2d: [
    ['filters', 'count', true],
    ['kernelSize', 'size', true],
    ['stride', 'size', false],
    ['pad', 'offset', false],
  ],
  max_pool2d: [
    ['kernelSize', 'size', true],
    ['stride', 'size', false],
    ['pad', 'offset', false],
  ],
  avg_pool2d: [
    ['kernelSize', 'size', true],
    ['stride', 'size', false],
    ['pad', 'offset', false],
  ],
  global_avg_pool: [],
  flatten: [],
  dropout: [['rate', 'rate', true]],
  batch_norm: [
    ['momentum', 'fraction', false],
    ['eps', 'positive', false],
  ],
  softmax: [],
};

const FIELD_RULES: Record<FieldKind, [(value: number) => boolean, string]> = {
  count: [
    (v) => Number.isInteger(v) && v >= 1 && v <= MAX_ARCHITECTURE_VALUES,
    'a whole number from 1 to 2^26',
  ],
  size: [
    (v) => Number.isInteger(v) && v >= 1 && v <= MAX_ARCHITECTURE_VALUES,
    'a whole number from 1 to 2^26',
  ],
  offset: [
    (v) => Number.isInteger(v) && v >= 0 && v <= MAX_ARCHITECTURE_VALUES,
    'a whole number from 0 to 2^26',
  ],
  finite: [(v) => Number.isFinite(v), 'a finite number'],
  rate: [(v) => v >= 0 && v < 1, 'a number at least 0 and below 1'],
  fraction: [(v) => v >= 0 && v <= 1, 'a number from 0 to 1'],
  positive: [(v) => Number.isFinite(v) && v > 0, 'a finite number > 0'],
};

/** JSON's text for a value in an error (`undefined` when missing), cut short. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * Checks an architecture read from JSON without building it, as buildModel does first: it is an
 * object; inputShape a list of whole numbers >= 1; layers a non-empty list of objects, each with a
 * known string `type` and its fields of the right kind and range; every layer fits the shape before it;
 * the sizes stay within MAX_ARCHITECTURE_VALUES; loss is a known name. Throws a ValueError or
 * ShapeError starting with `architecture:` or `layer N (type):`; nothing is allocated.
 *
 * @example
 * const architecture: unknown = JSON.parse(readFileSync('cnn.json', 'utf8'));
 * checkArchitecture(architecture); // now an Architecture
 */
export function checkArchitecture(value: unknown): asserts value is Architecture {
  checkFields(value);
  planArchitecture(value as Architecture);
}

/**
 * The names and shapes of the tensors a model built from `architecture` holds (`W1, b1 …` and batch
 * norm's `gamma2, beta2, runningMean2, runningVar2`), as modelState gives them, without building it:
 * a weights file's header can be compared with these before anything is allocated. Checks the
 * architecture first, as checkArchitecture.
 *
 * @example
 * architectureStateShapes(mlpArchitecture([784, 10], 'sse')); // Map { 'W1' => [784, 10], 'b1' => [1, 10] }
 */
export function architectureStateShapes(architecture: unknown): Map<string, number[]> {
  checkFields(architecture);
  return planArchitecture(architecture as Architecture);
}

function checkFields(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValueError(
      `architecture: must be an object { inputShape, layers, loss }, got ${Array.isArray(value) ? `a list ${show(value)}` : show(value)}`,
    );
  }
  const { inputShape, layers, loss } = value as Record<string, unknown>;
  if (
    !Array.isArray(inputShape) ||
    inputShape.length === 0 ||
    inputShape.some((d) => !Number.isInteger(d) || d < 1 || d > MAX_ARCHITECTURE_VALUES)
  ) {
    throw new ValueError(
      `architecture: inputShape must be a list of whole numbers from 1 to 2^26, got ${show(inputShape)}`,
    );
  }
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new ValueError(`architecture: layers must be a non-empty list, got ${show(layers)}`);
  }
  layers.forEach((spec: unknown, i) => {
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      throw new ValueError(`layer ${i + 1}: must be an object with a "type", got ${show(spec)}`);
    }
    const type = (spec as { type?: unknown }).type;
    const known = Object.keys(LAYER_FIELDS).join(', ');
    if (typeof type !== 'string') {
      throw new ValueError(`layer ${i + 1}: "type" must be a layer type (${known}), got ${show(type)}`);
    }
    if (!Object.hasOwn(LAYER_FIELDS, type)) {
      throw new ValueError(`layer ${i + 1} (${type}): unknown layer type '${type}'; use one of ${known}`);
    }
    for (const [name, kind, required] of LAYER_FIELDS[type as LayerSpec['type']]) {
      const field = (spec as Record<string, unknown>)[name];
      if (field === undefined && !required) continue;
      const [valid, rule] = FIELD_RULES[kind];
      if (typeof field !== 'number' || !valid(field)) {
        // a width (outFeatures, filters) is a ShapeError, as the layers themselves throw
        const ErrorClass = kind === 'count' ? ShapeError : ValueError;
        throw new ErrorClass(`layer ${i + 1} (${type}): ${name} must be ${rule}, got ${show(field)}`);
      }
    }
  });
  if (typeof loss !== 'string') {
    throw new ValueError(`architecture: loss must be "sse", "cross_entropy" or "yolov1", got ${show(loss)}`);
  }
  const head = (value as Record<string, unknown>).head;
  if (loss === 'yolov1' || head !== undefined) checkHead(head);
  try {
    createLoss(loss, head as YoloHead);
  } catch (error) {
    throw new ValueError(`architecture: ${(error as Error).message}`);
  }
}

function checkHead(head: unknown): void {
  const fields = ['grid', 'boxes', 'classes'] as const;
  const good =
    typeof head === 'object' &&
    head !== null &&
    fields.every((f) => {
      const v = (head as Record<string, unknown>)[f];
      return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1024;
    });
  if (!good) {
    throw new ValueError(
      `architecture: head must be { grid, boxes, classes }, whole numbers from 1 to 1024, got ${show(head)}`,
    );
  }
}

/**
 * Follows the shapes through a checked architecture without allocating anything: a layer that does not
 * fit the shape before it is the error building it would give, and an architecture that declares more
 * than MAX_ARCHITECTURE_VALUES parameters in total, or values in one sample's input or a layer's
 * output, is refused. So buildModel allocates only for an architecture that builds.
 */
function planArchitecture(architecture: Architecture): Map<string, number[]> {
  let shape = [1, ...architecture.inputShape];
  let parameters = 0;
  // parameters, then buffers, as modelState lists them; numbered as Sequential numbers the layers
  const state = new Map<string, number[]>();
  const buffers = new Map<string, number[]>();
  let index = 0;
  const limit = (what: string, count: number) => {
    if (count > MAX_ARCHITECTURE_VALUES) {
      throw new ValueError(
        `${what} ${count.toLocaleString('en')} values, above the limit of 2^26 (${MAX_ARCHITECTURE_VALUES.toLocaleString('en')}, 256 MiB of float32)`,
      );
    }
  };
  try {
    limit('the input holds', shapeSize(shape));
  } catch (error) {
    throw new ValueError(`architecture: ${(error as Error).message}`);
  }
  for (const [i, spec] of architecture.layers.entries()) {
    try {
      switch (spec.type) {
        case 'affine':
          checkFlat(shape);
          parameters += (shape[1] + 1) * spec.outFeatures;
          index++;
          state.set(`W${index}`, [shape[1], spec.outFeatures]);
          state.set(`b${index}`, [1, spec.outFeatures]);
          shape = [1, spec.outFeatures];
          break;
        case 'conv2d': {
          checkImages(shape);
          const { filters, kernelSize: k, stride = 1, pad = 0 } = spec;
          const label = `Conv2d(${shape[1]}→${filters}, ${k}×${k}, stride ${stride}, pad ${pad})`;
          parameters += (shape[1] * k * k + 1) * filters;
          index++;
          state.set(`W${index}`, [filters, shape[1], k, k]);
          state.set(`b${index}`, [filters]);
          shape = windowOutputShape(label, shape, k, stride, pad);
          shape[1] = filters;
          break;
        }
        case 'max_pool2d':
          shape = new MaxPool2d(spec).outputShape(shape);
          break;
        case 'avg_pool2d':
          shape = new AvgPool2d(spec).outputShape(shape);
          break;
        case 'global_avg_pool':
          shape = new GlobalAvgPool().outputShape(shape);
          break;
        case 'flatten':
          shape = new Flatten().outputShape(shape);
          break;
        case 'batch_norm':
          if (shape.length !== 2 && shape.length !== 4) {
            const f = shape[1];
            throw new ShapeError(
              `BatchNorm(${f}): expected input [n, ${f}] or [n, ${f}, h, w], received ${formatShape(shape)}`,
            );
          }
          parameters += 4 * shape[1]; // gamma, beta, running mean and variance
          index++;
          state.set(`gamma${index}`, [shape[1]]);
          state.set(`beta${index}`, [shape[1]]);
          buffers.set(`runningMean${index}`, [shape[1]]);
          buffers.set(`runningVar${index}`, [shape[1]]);
          break;
        default:
          break;
      }
      limit('the network would have', parameters);
      limit('one sample’s output holds', shapeSize(shape));
    } catch (error) {
      if (error instanceof ShapeError || error instanceof ValueError) {
        throw new (error.constructor as typeof ValueError)(`layer ${i + 1} (${spec.type}): ${error.message}`);
      }
      throw error;
    }
  }
  if (architecture.loss === 'yolov1' && architecture.head) checkHeadOutput(architecture.head, shape);
  return new Map([...state, ...buffers]);
}

/** A detector's last layer must give the head's D × S × S values, as a feature map or flat. */
function checkHeadOutput(head: YoloHead, shape: readonly number[]): void {
  const { grid: S } = head;
  const D = headChannels(head);
  const fits =
    shape.length === 4 ? shape[1] === D && shape[2] === S && shape[3] === S : shapeSize(shape) === D * S * S;
  if (!fits) {
    throw new ShapeError(
      `architecture: the head { grid: ${S}, boxes: ${head.boxes}, classes: ${head.classes} } needs an output [n, ${D}, ${S}, ${S}] (B·5 + C = ${D} channels) or [n, ${D * S * S}], but the last layer gives ${formatShape(shape)}`,
    );
  }
}

function checkFlat(shape: readonly number[]): void {
  if (shape.length !== 2) {
    throw new ShapeError(
      `expects a flat input [n, features], received ${formatShape(shape)} (add a flatten layer)`,
    );
  }
}

function checkImages(shape: readonly number[]): void {
  if (shape.length !== 4) throw new ShapeError(`expects images [n, c, h, w], received ${formatShape(shape)}`);
}
