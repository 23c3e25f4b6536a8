// Adam (Kingma & Ba 2014, https://arxiv.org/abs/1412.6980): moving averages m, v of g and g²,
// with bias correction folded into the step size, lrₜ = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ).

import { getBackend } from '../backend/active.js';
import { BaseOptimizer, checkHyperparameter } from './optimizer.js';

const EPSILON = 1e-7;

/**
 * Adam: `m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; θ ← θ − lrₜ·m / (√v + ε)`.
 * The step count is state too (`step`), so a resumed run continues the bias correction.
 *
 * @example
 * new Adam({ lr: 0.001 }).update(net.params(), net.gradient(x, t));
 */
export class Adam extends BaseOptimizer {
  readonly beta1: number;
  readonly beta2: number;
  private correctedLr = 0;

  constructor({
    lr = 0.001,
    beta1 = 0.9,
    beta2 = 0.999,
  }: { lr?: number; beta1?: number; beta2?: number } = {}) {
    super('Adam', lr);
    checkHyperparameter(this.label, 'beta1', beta1, 0, 1);
    checkHyperparameter(this.label, 'beta2', beta2, 0, 1);
    this.beta1 = beta1;
    this.beta2 = beta2;
  }

  protected override beginUpdate(): void {
    const count = this.slot('step', 'count', 1);
    count[0] += 1;
    const t = count[0];
    this.correctedLr = (this.lr * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
  }

  protected step(key: string, w: Float32Array, g: Float32Array): void {
    const m = this.slot('m', key, w.length);
    const v = this.slot('v', key, w.length);
    getBackend().adamUpdate(w, m, v, g, this.correctedLr, this.beta1, this.beta2, EPSILON);
  }
}
