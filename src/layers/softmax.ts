// Softmax over the last axis of [n, classes]: y = exp(x − max) / Σ exp(x − max) per row, and its
// vector–Jacobian product dx = y ⊙ (dy − Σⱼ dyⱼ·yⱼ).

import { assertSameShape, reuseOrAllocate, type Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../util/errors.js';
import type { Layer, Mode, Param } from './layer.js';

/**
 * Row-wise softmax, `y[n, j] = exp(x[n, j]) / Σₖ exp(x[n, k])`, computed after subtracting the row's
 * maximum so that large inputs do not overflow. For training a classifier, prefer the
 * SoftmaxCrossEntropy loss on logits (more accurate gradients); this layer is for outputs that must be
 * probabilities (YOLO's class scores, predict).
 *
 * @example
 * new Softmax().forward(Tensor.from([[0, Math.log(3)]]), 'eval').data; // [0.25, 0.75]
 */
export class Softmax implements Layer {
  readonly label = 'Softmax';
  private y: Tensor | undefined;
  private dx: Tensor | undefined;

  outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length !== 2) {
      throw new ShapeError(`${this.label}: expected input [n, classes], received ${formatShape(inputShape)}`);
    }
    return [...inputShape];
  }

  forward(x: Tensor, _mode: Mode): Tensor {
    const [n, classes] = this.outputShape(x.shape);
    const y = reuseOrAllocate(this.y, x.shape);
    for (let row = 0; row < n; row++) {
      const start = row * classes;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = start; j < start + classes; j++) max = Math.max(max, x.data[j]);
      let sum = 0;
      for (let j = start; j < start + classes; j++) {
        y.data[j] = Math.exp(x.data[j] - max);
        sum += y.data[j];
      }
      for (let j = start; j < start + classes; j++) y.data[j] /= sum;
    }
    this.y = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const y = this.y;
    if (y === undefined) throw new Error(`${this.label}: backward called before forward`);
    assertSameShape(`${this.label} backward (dy)`, y.shape, dy.shape);
    const [n, classes] = y.shape;
    const dx = reuseOrAllocate(this.dx, y.shape);
    for (let row = 0; row < n; row++) {
      const start = row * classes;
      let dot = 0;
      for (let j = start; j < start + classes; j++) dot += dy.data[j] * y.data[j];
      for (let j = start; j < start + classes; j++) dx.data[j] = y.data[j] * (dy.data[j] - dot);
    }
    this.dx = dx;
    return dx;
  }

  params(): Param[] {
    return [];
  }
}
