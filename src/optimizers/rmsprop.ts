// RMSprop (Tieleman & Hinton 2012): h ← ρ·h + (1 − ρ)·g²; θ ← θ − lr·g / (√h + ε). h is flushed (a
// value below 2⁻¹²⁶ is stored as 0: src/util/float32.ts).

import { flushSubnormal } from '../util/float32.js';
import { BaseOptimizer, checkHyperparameter } from './optimizer.js';

const EPSILON = 1e-7;

/**
 * RMSprop: AdaGrad with an exponential moving average, so old gradients are forgotten (`decay` ρ).
 *
 * @example
 * new RmsProp({ lr: 0.001, decay: 0.99 }).update(net.params(), net.gradient(x, t));
 */
export class RmsProp extends BaseOptimizer {
  readonly decay: number;

  constructor({ lr = 0.01, decay = 0.99 }: { lr?: number; decay?: number } = {}) {
    super('RmsProp', lr);
    checkHyperparameter(this.label, 'decay', decay, 0, 1);
    this.decay = decay;
  }

  protected step(key: string, w: Float32Array, g: Float32Array): void {
    const { lr, decay } = this;
    const h = this.slot('meanSquares', key, w.length);
    for (let i = 0; i < w.length; i++) {
      h[i] = flushSubnormal(decay * h[i] + (1 - decay) * g[i] * g[i]);
      w[i] -= (lr * g[i]) / (Math.sqrt(h[i]) + EPSILON);
    }
  }
}
