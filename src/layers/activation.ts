// The shared shape of elementwise activation layers: y = f(x) elementwise, dx = f'(x) ⊙ dy.
// Subclasses write only the two loops; buffers, caching and shape checks live here once.

import { assertSameShape, reuseOrAllocate, sameShape, type Tensor } from '../tensor/tensor.js';
import type { Layer, Mode, Param } from './layer.js';

/** Base class for stateless elementwise layers (LeakyRelu, Relu, Sigmoid). */
export abstract class Activation implements Layer {
  abstract readonly label: string;
  /** The input and output of the last forward, for backward. */
  private x: Tensor | undefined;
  private y: Tensor | undefined;
  /** The layer's own output buffer (y is another layer's tensor after `keepActivated`). */
  private output: Tensor | undefined;
  private dx: Tensor | undefined;

  /** Writes y[i] = f(x[i]). */
  protected abstract activate(x: Float32Array, y: Float32Array): void;
  /** Writes dx[i] = f'(x[i])·dy[i]; `y` holds f(x) for activations whose derivative is cheaper from it. */
  protected abstract derivative(x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array): void;

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  forward(x: Tensor, _mode: Mode): Tensor {
    const y = reuseOrAllocate(this.output, x.shape);
    this.activate(x.data, y.data);
    this.output = y;
    this.x = x;
    this.y = y;
    return y;
  }

  /**
   * forward for an input that the layer before already activated (`Layer.takeActivated`, which
   * LeakyRelu and Relu offer): f(x) stands for x in backward, whose derivative must then read the same
   * from either.
   */
  protected keepActivated(activated: Tensor): Tensor {
    this.x = activated;
    this.y = activated;
    return activated;
  }

  backward(dy: Tensor): Tensor {
    const { x, y } = this;
    if (x === undefined || y === undefined) throw new Error(`${this.label}: backward called before forward`);
    // The message is built only on a mismatch: a training step should allocate nothing.
    if (!sameShape(x.shape, dy.shape)) assertSameShape(`${this.label} backward (dy)`, x.shape, dy.shape);
    const dx = reuseOrAllocate(this.dx, x.shape);
    this.derivative(x.data, y.data, dy.data, dx.data);
    this.dx = dx;
    return dx;
  }

  params(): Param[] {
    return [];
  }
}
