// Momentum SGD, the seed's optimizer: v ← momentum·v − lr·g; θ ← θ + v (v starts at zero).

import { getBackend } from '../backend/active.js';
import type { Tensor } from '../tensor/tensor.js';
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

  /** The seed's update with g = xᵀ·dy computed on the fly (see `Optimizer.updateOuter`). */
  updateOuter(key: string, w: Tensor, x: Float32Array, dy: Float32Array): void {
    checkHyperparameter(this.label, 'lr', this.lr, 0);
    const v = this.slot('velocity', key, w.size);
    getBackend().momentumOuterUpdate(w.data, v, x, dy, this.lr, this.momentum);
  }

  protected step(key: string, w: Float32Array, g: Float32Array): void {
    getBackend().momentumUpdate(w, this.slot('velocity', key, w.length), g, this.lr, this.momentum);
  }
}
