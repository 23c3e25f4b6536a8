// Momentum SGD, the seed's optimizer: v ← momentum·v − lr·g; θ ← θ + v (v starts at zero).

import { Tensor } from '../tensor/tensor.js';
import { checkHyperparameter, type Grads, gradientFor, type Optimizer, type Params } from './optimizer.js';

/**
 * Momentum, exactly the seed's update: `v = momentum·v − lr·g; θ += v`, with one velocity per key.
 *
 * @example
 * const opt = new Momentum({ lr: 0.01, momentum: 0.9 });
 * opt.update(net.params(), net.gradient(x, t));
 */
export class Momentum implements Optimizer {
  readonly lr: number;
  readonly momentum: number;
  /** Velocity per parameter key, created as zeros on first use (the seed's `self.v`). */
  readonly velocity = new Map<string, Tensor>();

  constructor({ lr = 0.01, momentum = 0.9 }: { lr?: number; momentum?: number } = {}) {
    checkHyperparameter('Momentum', 'lr', lr, 0);
    checkHyperparameter('Momentum', 'momentum', momentum, 0, 1);
    this.lr = lr;
    this.momentum = momentum;
  }

  update(params: Params, grads: Grads): void {
    for (const [key, param] of params) {
      const g = gradientFor('Momentum', key, param, grads).data;
      let v = this.velocity.get(key);
      if (v === undefined) {
        v = new Tensor(param.shape);
        this.velocity.set(key, v);
      }
      const w = param.data;
      const vd = v.data;
      for (let i = 0; i < w.length; i++) {
        vd[i] = this.momentum * vd[i] - this.lr * g[i];
        w[i] += vd[i];
      }
    }
  }
}
