// Leaky ReLU: y = x for x > 0, alpha·x otherwise (the seed uses alpha = 0.1).

import { getBackend } from '../backend/active.js';
import type { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { Activation } from './activation.js';

/**
 * Leaky ReLU, `y = x > 0 ? x : alpha·x`; its derivative is 1 or alpha (alpha at x = 0, as the seed's
 * `np.where(x > 0, …)`).
 *
 * @example
 * new LeakyRelu(0.1).forward(Tensor.from([[-2, 3]]), 'eval').data; // [-0.2, 3]
 */
export class LeakyRelu extends Activation {
  readonly label: string;

  constructor(readonly alpha = 0.1) {
    super();
    if (!Number.isFinite(alpha))
      throw new ValueError(`LeakyRelu: alpha must be a finite number, got ${alpha}`);
    this.label = `LeakyRelu(${alpha})`;
  }

  /** This layer's slope, for a layer before it that can apply it (`Layer.leakySlope`). */
  get leakySlope(): number {
    return this.alpha;
  }

  /** forward for an input the layer before already activated; for alpha in [0, 1] (`Layer.takeActivated`). */
  takeActivated(y: Tensor): Tensor {
    return this.keepActivated(y);
  }

  protected activate(x: Float32Array, y: Float32Array): void {
    getBackend().leakyRelu(x, y, this.alpha);
  }

  protected derivative(x: Float32Array, _y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    getBackend().leakyReluBackward(x, dy, dx, this.alpha);
  }
}
