// Softmax followed by cross-entropy, averaged over the batch: L = −(1/n) Σₙ Σⱼ t·log softmax(y),
// with the well-known gradient dL/dy = (softmax(y) − t) / n.

import { reuseOrAllocate, type Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../util/errors.js';
import { checkFiniteLoss, checkTarget, type Loss } from './loss.js';

/**
 * Softmax + cross-entropy on logits y [n, classes] and one-hot (or probability) targets t [n, classes].
 * The log-softmax is computed as `y − max − log Σ exp(y − max)` so large logits do not overflow.
 *
 * @example
 * new SoftmaxCrossEntropy().forward(Tensor.from([[0, 0]]), Tensor.from([[1, 0]])); // log 2 ≈ 0.693
 */
export class SoftmaxCrossEntropy implements Loss {
  readonly label = 'SoftmaxCrossEntropy';
  readonly reduction = 'mean';
  private probabilities: Tensor | undefined;
  private t: Tensor | undefined;
  private dy: Tensor | undefined;

  forward(y: Tensor, t: Tensor): number {
    checkTarget(this.label, y, t);
    if (y.shape.length !== 2)
      throw new ShapeError(`${this.label}: expected y [n, classes], received ${formatShape(y.shape)}`);
    const [n, classes] = y.shape;
    const p = reuseOrAllocate(this.probabilities, y.shape);
    let total = 0;
    for (let row = 0; row < n; row++) {
      const offset = row * classes;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < classes; j++) max = Math.max(max, y.data[offset + j]);
      let expSum = 0;
      for (let j = 0; j < classes; j++) expSum += Math.exp(y.data[offset + j] - max);
      const logExpSum = Math.log(expSum);
      for (let j = 0; j < classes; j++) {
        const logP = y.data[offset + j] - max - logExpSum;
        p.data[offset + j] = Math.exp(logP);
        if (t.data[offset + j] !== 0) total -= t.data[offset + j] * logP; // 0·log p is 0 even where p underflows
      }
    }
    this.probabilities = p;
    this.t = t;
    return checkFiniteLoss(this.label, total / n, y, t);
  }

  backward(): Tensor {
    const { probabilities: p, t } = this;
    if (p === undefined || t === undefined) throw new Error(`${this.label}: backward called before forward`);
    const n = p.shape[0];
    const dy = reuseOrAllocate(this.dy, p.shape);
    for (let i = 0; i < p.size; i++) dy.data[i] = (p.data[i] - t.data[i]) / n;
    this.dy = dy;
    return dy;
  }
}
