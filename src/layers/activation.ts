// The shared shape of elementwise activation layers: y = f(x) elementwise, dx = f'(x) ⊙ dy.
// Subclasses write only the two loops; buffers, caching and shape checks live here once.

import { assertSameShape, reuseOrAllocate, sameShape, type Tensor } from '../tensor/tensor.js';
import type { Layer, Mode, Param } from './layer.js';

/** Base class for stateless elementwise layers (LeakyRelu, Relu, Sigmoid). */
export abstract class Activation implements Layer {
  abstract readonly label: string;
  private x: Tensor | undefined;
  private y: Tensor | undefined;
  private dx: Tensor | undefined;
  private fusedInput = false;

  /** Writes y[i] = f(x[i]). */
  protected abstract activate(x: Float32Array, y: Float32Array): void;
  /** Writes dx[i] = f'(x[i])·dy[i]; `y` holds f(x) for activations whose derivative is cheaper from it. */
  protected abstract derivative(x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array): void;

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  /**
   * The layer before already applies this activation to its output (`Conv2d.fuseActivation`):
   * forward then passes its input through and keeps it for backward. Only for LeakyRelu with alpha in
   * [0, 1] and Relu, whose derivative mask `x > 0` reads the same from f(x).
   */
  takeFusedInput(): void {
    this.fusedInput = true;
  }

  forward(x: Tensor, _mode: Mode): Tensor {
    if (this.fusedInput) {
      this.x = x;
      this.y = x;
      return x;
    }
    const y = reuseOrAllocate(this.y, x.shape);
    this.activate(x.data, y.data);
    this.x = x;
    this.y = y;
    return y;
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
