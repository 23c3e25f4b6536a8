// ReLU: y = max(0, x), run as LeakyReLU with alpha = 0 (the backend's SIMD kernels).

import { getBackend } from '../backend/active.js';
import type { Tensor } from '../tensor/tensor.js';
import { Activation } from './activation.js';

/**
 * ReLU, `y = max(0, x)`; the derivative at x = 0 is taken as 0. It is LeakyReLU with alpha = 0, so it
 * uses the same backend kernels (`x > 0 ? x : 0·x`): negative inputs give −0, which compares and adds
 * as 0, and NaN stays NaN, so the loss check sees it.
 *
 * @example
 * new Relu().forward(Tensor.from([[-2, 3]]), 'eval').data; // [-0, 3]
 */
export class Relu extends Activation {
  readonly label = 'Relu';
  /** LeakyReLU's slope 0, for a layer before it that can apply it (`Layer.leakySlope`). */
  readonly leakySlope = 0;

  /** forward for an input the layer before already activated (`Layer.takeActivated`). */
  takeActivated(y: Tensor): Tensor {
    return this.keepActivated(y);
  }

  protected activate(x: Float32Array, y: Float32Array): void {
    getBackend().leakyRelu(x, y, 0);
  }

  protected derivative(x: Float32Array, _y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    getBackend().leakyReluBackward(x, dy, dx, 0);
  }
}
