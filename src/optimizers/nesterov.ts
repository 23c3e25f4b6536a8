// Nesterov's accelerated gradient in the book's form (Sutskever et al. 2013, http://proceedings.mlr.press/v28/sutskever13.html):
// v ← momentum·v − lr·g; θ ← θ + momentum²·v − (1 + momentum)·lr·g. The velocity is flushed (a value
// below 2⁻¹²⁶ is stored as 0: src/util/float32.ts).

import { flushSubnormal } from '../util/float32.js';
import { BaseOptimizer, checkHyperparameter } from './optimizer.js';

/**
 * Nesterov momentum, written for the weights θ (not the look-ahead point), as in the book:
 * `v = μ·v − lr·g; θ += μ²·v − (1 + μ)·lr·g`.
 *
 * @example
 * new Nesterov({ lr: 0.01, momentum: 0.9 }).update(net.params(), net.gradient(x, t));
 */
export class Nesterov extends BaseOptimizer {
  readonly momentum: number;

  constructor({ lr = 0.01, momentum = 0.9 }: { lr?: number; momentum?: number } = {}) {
    super('Nesterov', lr);
    checkHyperparameter(this.label, 'momentum', momentum, 0, 1);
    this.momentum = momentum;
  }

  protected step(key: string, w: Float32Array, g: Float32Array): void {
    const { lr, momentum } = this;
    const v = this.slot('velocity', key, w.length);
    for (let i = 0; i < w.length; i++) {
      v[i] = flushSubnormal(momentum * v[i] - lr * g[i]);
      w[i] += momentum * momentum * v[i] - (1 + momentum) * lr * g[i];
    }
  }
}
