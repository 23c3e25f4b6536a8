// Architectures as data: a JSON layer list (like darknet's cfg) that builds a Sequential, with every
// shape checked when the model is built. model.json stores the same object.

import { Affine } from '../layers/affine.js';
import type { WeightInit } from '../layers/init.js';
import type { Layer } from '../layers/layer.js';
import { LeakyRelu } from '../layers/leaky_relu.js';
import { Relu } from '../layers/relu.js';
import { Sigmoid } from '../layers/sigmoid.js';
import type { Loss } from '../losses/loss.js';
import { SoftmaxCrossEntropy } from '../losses/softmax_cross_entropy.js';
import { SumSquaredError } from '../losses/sum_squared_error.js';
import { formatShape, ShapeError, ValueError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { Sequential } from './sequential.js';

/** One layer of an architecture; input sizes are inferred from the previous layer's output. */
export type LayerSpec =
  | { type: 'affine'; outFeatures: number }
  | { type: 'leaky_relu'; alpha?: number }
  | { type: 'relu' }
  | { type: 'sigmoid' };

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
  /** Seed of the PRNG for the initial weights (default 0). */
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
  const rng = new Random(options.seed ?? 0);
  const init = options.init ?? { kind: 'std', std: 0.01 };
  let shape = [1, ...architecture.inputShape];
  const layers: Layer[] = [];
  architecture.layers.forEach((spec, i) => {
    const where = `layer ${i + 1} (${(spec as { type?: unknown }).type})`;
    try {
      const layer = buildLayer(spec, shape, init, rng);
      shape = layer.outputShape(shape);
      layers.push(layer);
    } catch (error) {
      if (error instanceof ShapeError || error instanceof ValueError) {
        throw new (error.constructor as typeof ValueError)(`${where}: ${error.message}`);
      }
      throw error;
    }
  });
  return new Sequential(layers, createLoss(architecture.loss), { inputShape: architecture.inputShape });
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

function buildLayer(spec: LayerSpec, inputShape: number[], init: WeightInit, rng: Random): Layer {
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
