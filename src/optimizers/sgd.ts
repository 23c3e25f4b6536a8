// Stochastic gradient descent: θ ← θ − lr·g.

import { getBackend } from '../backend/backend.js';
import { BaseOptimizer } from './optimizer.js';

/**
 * Plain gradient descent, `θ ← θ − lr·g`, in place.
 *
 * @example
 * const sgd = new Sgd({ lr: 0.1 });
 * sgd.update(net.params(), net.gradient(x, t));
 */
export class Sgd extends BaseOptimizer {
  constructor({ lr = 0.01 }: { lr?: number } = {}) {
    super('Sgd', lr);
  }

  protected step(_key: string, w: Float32Array, g: Float32Array): void {
    getBackend().sgdUpdate(w, g, this.lr);
  }
}
