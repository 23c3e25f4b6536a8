// Sum of squared errors, the seed's loss: L = Σ (y − t)² / 2 over every element (not averaged),
// with dL/dy = y − t.

import { reuseOrAllocate, type Tensor } from '../tensor/tensor.js';
import { checkFiniteLoss, checkTarget, type Loss } from './loss.js';

/**
 * The seed's `loss` class: `L = Σ(y − t)² / 2`, summed over the batch too, and `dL/dy = y − t`.
 *
 * @example
 * new SumSquaredError().forward(Tensor.from([[1, 2]]), Tensor.from([[0, 0]])); // 2.5
 */
export class SumSquaredError implements Loss {
  readonly label = 'SumSquaredError';
  readonly reduction = 'sum';
  private y: Tensor | undefined;
  private t: Tensor | undefined;
  private dy: Tensor | undefined;

  forward(y: Tensor, t: Tensor): number {
    checkTarget(this.label, y, t);
    let sum = 0;
    for (let i = 0; i < y.size; i++) {
      const diff = y.data[i] - t.data[i];
      sum += diff * diff;
    }
    this.y = y;
    this.t = t;
    return checkFiniteLoss(this.label, sum / 2, y, t);
  }

  backward(): Tensor {
    const { y, t } = this;
    if (y === undefined || t === undefined) throw new Error(`${this.label}: backward called before forward`);
    const dy = reuseOrAllocate(this.dy, y.shape);
    for (let i = 0; i < y.size; i++) dy.data[i] = y.data[i] - t.data[i];
    this.dy = dy;
    return dy;
  }
}
