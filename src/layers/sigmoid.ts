// Sigmoid: y = 1 / (1 + exp(−x)), whose derivative is y·(1 − y).

import { Activation } from './activation.js';

/**
 * The logistic sigmoid `y = 1 / (1 + e^(−x))`; backward uses `dx = dy·y·(1 − y)`.
 *
 * @example
 * new Sigmoid().forward(Tensor.from([[0]]), 'eval').data; // [0.5]
 */
export class Sigmoid extends Activation {
  readonly label = 'Sigmoid';

  protected activate(x: Float32Array, y: Float32Array): void {
    for (let i = 0; i < x.length; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
  }

  protected derivative(_x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    for (let i = 0; i < y.length; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
  }
}
