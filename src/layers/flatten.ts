// Flatten: [n, d1, d2, …] → [n, d1·d2·…], a view of the same data (row-major, so no copy is needed);
// backward gives dy the input's shape back.

import { shapeSize, type Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../util/errors.js';
import type { Layer, Mode, Param } from './layer.js';

/**
 * `y = x.reshape([n, features])`, the step between the convolutional and the affine layers (the book's
 * Affine reshapes inside itself; here it is a layer of its own, as PyTorch's `nn.Flatten`).
 * The output and dx share their data with x and dy.
 *
 * @example
 * new Flatten().forward(new Tensor([8, 64, 12, 12]), 'eval').shape; // [8, 9216]
 */
export class Flatten implements Layer {
  readonly label = 'Flatten';
  private inputShape: readonly number[] | undefined;

  outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length < 2) {
      throw new ShapeError(`${this.label}: expected input [n, …], received ${formatShape(inputShape)}`);
    }
    return [inputShape[0], shapeSize(inputShape.slice(1))];
  }

  forward(x: Tensor, _mode: Mode): Tensor {
    const y = x.reshape(this.outputShape(x.shape)); // [n, c, h, w] → [n, c·h·w]
    this.inputShape = x.shape;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (this.inputShape === undefined) throw new Error(`${this.label}: backward called before forward`);
    const expected = this.outputShape(this.inputShape);
    if (dy.shape.length !== 2 || dy.shape[0] !== expected[0] || dy.shape[1] !== expected[1]) {
      throw new ShapeError(
        `${this.label}: backward expected dy ${formatShape(expected)}, received ${formatShape(dy.shape)}`,
      );
    }
    return dy.reshape(this.inputShape); // [n, c·h·w] → [n, c, h, w]
  }

  params(): Param[] {
    return [];
  }
}
