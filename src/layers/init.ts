// Weight initialisation: a fixed standard deviation (the seed's 0.01·randn), He (for ReLU-like
// activations) and Xavier (for sigmoid/tanh), all drawn from the seeded PRNG.

import { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import type { Random } from '../util/random.js';

/**
 * How to draw initial weights:
 * - `{ kind: 'std', std }`: std·N(0, 1), the seed's `0.01 * np.random.randn` (std 0.01);
 * - `'he'`: N(0, 2/fanIn) (He et al. 2015, https://arxiv.org/abs/1502.01852);
 * - `'xavier'`: N(0, 1/fanIn) (Glorot & Bengio 2010, as the book's `sigmoid` initialiser);
 * - `'zeros'`: all 0 and nothing drawn, for a model whose weights are loaded next (a network
 *   started at zeros cannot learn: every unit of a layer would stay the same).
 */
export type WeightInit = { kind: 'std'; std: number } | 'he' | 'xavier' | 'zeros';

/** The standard deviation a `WeightInit` gives for a layer with `fanIn` inputs per output. */
export function initStd(init: WeightInit, fanIn: number): number {
  if (init === 'he') return Math.sqrt(2 / fanIn);
  if (init === 'xavier') return Math.sqrt(1 / fanIn);
  if (init === 'zeros') return 0;
  if (!(init.std >= 0) || !Number.isFinite(init.std))
    throw new ValueError(`weight init std must be finite and >= 0, got ${init.std}`);
  return init.std;
}

/**
 * A weight tensor of `shape` drawn as `init` says.
 *
 * @example
 * initWeights([784, 500], 784, { kind: 'std', std: 0.01 }, new Random(0)); // the seed's W1
 */
export function initWeights(shape: readonly number[], fanIn: number, init: WeightInit, rng: Random): Tensor {
  if (init === 'zeros') return new Tensor(shape);
  return Tensor.randn(shape, rng, initStd(init, fanIn));
}

/** Parses `0.01`, `'std:0.01'`, `'he'` or `'xavier'` (as written on a command line). */
export function parseWeightInit(text: string): WeightInit {
  if (text === 'he' || text === 'xavier') return text;
  const std = Number(text.startsWith('std:') ? text.slice(4) : text);
  if (text.trim() === '' || !Number.isFinite(std) || std < 0) {
    throw new ValueError(
      `unknown weight init '${text}': use he, xavier, or a standard deviation such as 0.01`,
    );
  }
  return { kind: 'std', std };
}
