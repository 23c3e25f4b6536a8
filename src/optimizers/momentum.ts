// Momentum SGD, the seed's optimizer: v ← momentum·v − lr·g; θ ← θ + v (v starts at zero).

import { BaseOptimizer, checkHyperparameter } from './optimizer.js';

/**
 * Momentum, exactly the seed's update: `v = momentum·v − lr·g; θ += v`, one velocity per key
 * (state `velocity.W1` …, the seed's `self.v`).
 *
 * @example
 * const opt = new Momentum({ lr: 0.01, momentum: 0.9 });
 * opt.update(net.params(), net.gradient(x, t));
 */
export class Momentum extends BaseOptimizer {
  readonly momentum: number;

  constructor({ lr = 0.01, momentum = 0.9 }: { lr?: number; momentum?: number } = {}) {
    super('Momentum', lr);
    checkHyperparameter(this.label, 'momentum', momentum, 0, 1);
    this.momentum = momentum;
  }

  protected step(key: string, w: Float32Array, g: Float32Array): void {
    const { lr, momentum } = this;
    const v = this.slot('velocity', key, w.length);
    for (let i = 0; i < w.length; i++) {
      v[i] = momentum * v[i] - lr * g[i];
      w[i] += v[i];
    }
  }
}
