// Ready-made networks. threeLayerNet is the seed article's NeuralNetwork1:
// Affine(784→500) → LeakyReLU(0.1) → Affine(500→100) → LeakyReLU(0.1) → Affine(100→3), SSE loss.

import { Affine } from '../layers/affine.js';
import type { WeightInit } from '../layers/init.js';
import type { Layer } from '../layers/layer.js';
import { LeakyRelu } from '../layers/leaky_relu.js';
import type { Loss } from '../losses/loss.js';
import { SumSquaredError } from '../losses/sum_squared_error.js';
import { ValueError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { Sequential } from './sequential.js';

export interface MlpOptions {
  /** Layer widths from input to output; default [784, 500, 100, 3], the seed's. */
  sizes?: number[];
  /** LeakyReLU slope for negative inputs; default 0.1. */
  alpha?: number;
  /** Weight initialisation; default `{ kind: 'std', std: 0.01 }` (the seed's `0.01 * randn`). */
  init?: WeightInit;
  /** Seed of the PRNG the weights are drawn from; default 0. */
  seed?: number;
  /** The loss; default SumSquaredError (the seed's). */
  loss?: Loss;
}

/**
 * A multi-layer perceptron: Affine layers of the given sizes with LeakyReLU between them, biases zero.
 *
 * @example
 * mlp({ sizes: [784, 500, 100, 10], init: 'he', loss: new SoftmaxCrossEntropy() });
 */
export function mlp(options: MlpOptions = {}): Sequential {
  const sizes = options.sizes ?? [784, 500, 100, 3];
  if (sizes.length < 2 || sizes.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new ValueError(`mlp: sizes must be at least two whole numbers >= 1, got [${sizes.join(', ')}]`);
  }
  const rng = new Random(options.seed ?? 0);
  const init = options.init ?? { kind: 'std', std: 0.01 };
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    // Weights are drawn in layer order (W1, W2, W3), as the seed's dictionary fills them.
    layers.push(new Affine({ inFeatures: sizes[i], outFeatures: sizes[i + 1], init, rng }));
    if (i + 2 < sizes.length) layers.push(new LeakyRelu(options.alpha ?? 0.1));
  }
  return new Sequential(layers, options.loss ?? new SumSquaredError(), { inputShape: [sizes[0]] });
}

/**
 * The seed article's `NeuralNetwork1`: 784-500-100-3, LeakyReLU(0.1), W = 0.01·randn, b = 0, SSE loss.
 * Every option of `mlp` can change it.
 *
 * @example
 * const net = threeLayerNet();
 * net.predict(Tensor.rand([1, 784], new Random(1))).shape; // [1, 3]
 */
export function threeLayerNet(options: MlpOptions = {}): Sequential {
  const sizes = options.sizes ?? [784, 500, 100, 3];
  if (sizes.length !== 4)
    throw new ValueError(
      `threeLayerNet: sizes must list 4 widths (input, hidden, hidden, output), got [${sizes.join(', ')}]`,
    );
  return mlp({ ...options, sizes });
}
