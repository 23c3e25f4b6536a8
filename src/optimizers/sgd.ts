// Stochastic gradient descent: θ ← θ − lr·g.

import { getBackend } from '../backend/active.js';
import type { Tensor } from '../tensor/tensor.js';
import { BaseOptimizer, checkHyperparameter } from './optimizer.js';

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

  /** w −= lr·xᵀ·dy as one gemm, the gradient never stored (see `Optimizer.updateOuter`). */
  updateOuter(_key: string, w: Tensor, x: Float32Array, dy: Float32Array): void {
    checkHyperparameter(this.label, 'lr', this.lr, 0);
    // w[in, out] += −lr · xᵀ[in, 1] · dy[1, out]
    // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
    getBackend().gemm(true, false, x.length, dy.length, 1,
      -this.lr, x, 0, x.length,
      dy, 0, dy.length,
      1, w.data, 0, dy.length);
  }

  protected step(_key: string, w: Float32Array, g: Float32Array): void {
    getBackend().sgdUpdate(w, g, this.lr);
  }
}
