// Architectures as data: a JSON layer list (like darknet's cfg) that builds a Sequential, with every
// shape checked when the model is built. model.json stores the same object.

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
import type { Loss } from '../losses/loss.js';
import { SoftmaxCrossEntropy } from '../losses/softmax_cross_entropy.js';
import { SumSquaredError } from '../losses/sum_squared_error.js';
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

export type LossName = 'sse' | 'cross_entropy';

/** A whole network: input shape without the batch dimension, layers in order, and the loss. */
export interface Architecture {
  inputShape: number[];
  layers: LayerSpec[];
  loss: LossName;
}

export interface BuildOptions {
  /** Initial weights (default: the seed's 0.01·randn). */
  init?: WeightInit;
  /** Seed of the PRNG for the initial weights (default 0); dropout masks draw from `Random(seed + 1)`. */
  seed?: number;
}

/**
 * Builds a Sequential from an architecture, checking every layer against the shape that reaches it.
 * Errors name the layer index and type, e.g. `layer 2 (affine): outFeatures must be …`.
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
  return new Sequential(layers, createLoss(architecture.loss), {
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

function checkClasses(classes: number): void {
  if (!Number.isInteger(classes) || classes < 2)
    throw new ValueError(`a classifier needs a whole number of classes >= 2, got ${classes}`);
}

/** A loss by the name architectures use: `sse` (the seed's) or `cross_entropy` (also `ce`). */
export function createLoss(name: string): Loss {
  if (name === 'sse') return new SumSquaredError();
  if (name === 'cross_entropy' || name === 'ce') return new SoftmaxCrossEntropy();
  throw new ValueError(`unknown loss '${name}': use sse or cross_entropy`);
}

/** The loss name for a spelling on the command line (`ce` is short for `cross_entropy`). */
export function lossName(name: string): LossName {
  createLoss(name);
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
      if (inputShape.length !== 2) {
        throw new ShapeError(
          `expects a flat input [n, features], received ${formatShape(inputShape)} (add a flatten layer)`,
        );
      }
      return new Affine({ inFeatures: inputShape[1], outFeatures: spec.outFeatures, init, rng });
    }
    case 'leaky_relu':
      return new LeakyRelu(spec.alpha ?? 0.1);
    case 'relu':
      return new Relu();
    case 'sigmoid':
      return new Sigmoid();
    case 'conv2d': {
      if (inputShape.length !== 4) {
        throw new ShapeError(`expects images [n, c, h, w], received ${formatShape(inputShape)}`);
      }
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

function checkArchitecture(architecture: Architecture): void {
  const { inputShape, layers } = architecture ?? {};
  if (
    !Array.isArray(inputShape) ||
    inputShape.length === 0 ||
    inputShape.some((d) => !Number.isInteger(d) || d < 1)
  ) {
    throw new ValueError(
      `architecture: inputShape must be a list of whole numbers >= 1, got ${JSON.stringify(inputShape)}`,
    );
  }
  if (!Array.isArray(layers) || layers.length === 0)
    throw new ValueError('architecture: layers must be a non-empty list');
  createLoss(architecture.loss);
}
