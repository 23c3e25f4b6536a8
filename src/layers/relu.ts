// ReLU: y = max(0, x).

import { Activation } from './activation.js';

/**
 * ReLU, `y = max(0, x)`; the derivative at x = 0 is taken as 0.
 *
 * @example
 * new Relu().forward(Tensor.from([[-2, 3]]), 'eval').data; // [0, 3]
 */
export class Relu extends Activation {
  readonly label = 'Relu';

  protected activate(x: Float32Array, y: Float32Array): void {
    for (let i = 0; i < x.length; i++) y[i] = Math.max(x[i], 0); // NaN stays NaN, so the loss check sees it
  }

  protected derivative(x: Float32Array, _y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    for (let i = 0; i < x.length; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
  }
}
