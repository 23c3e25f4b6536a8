// AdaGrad (Duchi et al. 2011): h ← h + g²; θ ← θ − lr·g / (√h + ε). h is flushed (tiny gradients
// would make it subnormal: a value below 2⁻¹²⁶ is stored as 0, src/util/float32.ts).

import { flushSubnormal } from '../util/float32.js';
import { BaseOptimizer } from './optimizer.js';

/** ε in the denominator keeps the first steps finite where h is still 0 (the book's 1e-7). */
const EPSILON = 1e-7;

/**
 * AdaGrad: each weight's step shrinks with the sum of its past squared gradients.
 *
 * @example
 * new AdaGrad({ lr: 0.01 }).update(net.params(), net.gradient(x, t));
 */
export class AdaGrad extends BaseOptimizer {
  constructor({ lr = 0.01 }: { lr?: number } = {}) {
    super('AdaGrad', lr);
  }

  protected step(key: string, w: Float32Array, g: Float32Array): void {
    const lr = this.lr;
    const h = this.slot('sumSquares', key, w.length);
    for (let i = 0; i < w.length; i++) {
      h[i] = flushSubnormal(h[i] + g[i] * g[i]);
      w[i] -= (lr * g[i]) / (Math.sqrt(h[i]) + EPSILON);
    }
  }
}
