// Stochastic gradient descent: θ ← θ − lr·g.

import { checkHyperparameter, type Grads, gradientFor, type Optimizer, type Params } from './optimizer.js';

/**
 * Plain gradient descent, `θ ← θ − lr·g`, in place.
 *
 * @example
 * const sgd = new Sgd({ lr: 0.1 });
 * sgd.update(net.params(), net.gradient(x, t));
 */
export class Sgd implements Optimizer {
  readonly lr: number;

  constructor({ lr = 0.01 }: { lr?: number } = {}) {
    checkHyperparameter('Sgd', 'lr', lr, 0);
    this.lr = lr;
  }

  update(params: Params, grads: Grads): void {
    for (const [key, param] of params) {
      const g = gradientFor('Sgd', key, param, grads).data;
      const w = param.data;
      for (let i = 0; i < w.length; i++) w[i] -= this.lr * g[i];
    }
  }
}
