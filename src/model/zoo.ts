// Ready-made networks. threeLayerNet is the seed article's NeuralNetwork1:
// Affine(784→500) → LeakyReLU(0.1) → Affine(500→100) → LeakyReLU(0.1) → Affine(100→3), SSE loss.

import type { WeightInit } from '../layers/init.js';
import { ValueError } from '../util/errors.js';
import { buildModel, type LossName, mlpArchitecture } from './architecture.js';
import type { Sequential } from './sequential.js';

export interface MlpOptions {
  /** Layer widths from input to output; default [784, 500, 100, 3], the seed's. */
  sizes?: number[];
  /** LeakyReLU slope for negative inputs; default 0.1. */
  alpha?: number;
  /** Weight initialisation; default `{ kind: 'std', std: 0.01 }` (the seed's `0.01 * randn`). */
  init?: WeightInit;
  /** Seed of the PRNG the weights are drawn from (W1, W2, … in order, as the seed fills its dict); default 0. */
  seed?: number;
  /** The loss; default 'sse' (the seed's). */
  loss?: LossName;
}

/**
 * A multi-layer perceptron: Affine layers of the given sizes with LeakyReLU between them, biases zero.
 *
 * @example
 * mlp({ sizes: [784, 500, 100, 10], init: 'he', loss: 'cross_entropy' });
 */
export function mlp(options: MlpOptions = {}): Sequential {
  const architecture = mlpArchitecture(
    options.sizes ?? [784, 500, 100, 3],
    options.loss ?? 'sse',
    options.alpha ?? 0.1,
  );
  return buildModel(architecture, { init: options.init, seed: options.seed });
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
  if (sizes.length !== 4) {
    throw new ValueError(
      `threeLayerNet: sizes must list 4 widths (input, hidden, hidden, output), got [${sizes.join(', ')}]`,
    );
  }
  return mlp({ ...options, sizes });
}
