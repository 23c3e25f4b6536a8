// What the pooling layers (MaxPool2d, AvgPool2d) share: their options and checks, the output shape
// of a k×k window moved by `stride` over the padded NCHW input, the buffers kept for backward.

import { assertSameShape, type Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import type { Layer, Mode, Param } from './layer.js';
import { checkWindowOptions, windowOutputShape } from './window.js';

export interface PoolOptions {
  kernelSize: number;
  /** Default: kernelSize (windows side by side, as PyTorch). */
  stride?: number;
  /** Padding on every side, at most kernelSize / 2 (as PyTorch); default 0. */
  pad?: number;
}

/**
 * A k×k pooling window over NCHW images, without parameters; subclasses compute forward and backward.
 * The label is `Name(2)` when stride = kernel and there is no padding, otherwise it names every option.
 */
export abstract class Pool2d implements Layer {
  readonly label: string;
  readonly kernelSize: number;
  readonly stride: number;
  readonly pad: number;
  protected x: Tensor | undefined;
  protected y: Tensor | undefined;
  protected dx: Tensor | undefined;

  constructor(name: string, options: PoolOptions) {
    this.kernelSize = options.kernelSize;
    this.stride = options.stride ?? options.kernelSize;
    this.pad = options.pad ?? 0;
    const { kernelSize, stride, pad } = this;
    this.label =
      stride === kernelSize && pad === 0
        ? `${name}(${kernelSize})`
        : `${name}(${kernelSize}, stride ${stride}, pad ${pad})`;
    checkWindowOptions(this.label, kernelSize, stride, pad);
    // PyTorch's rule: padding is at most half the window
    if (2 * pad > kernelSize) {
      throw new ValueError(
        `${this.label}: pad ${pad} is more than half the ${kernelSize}×${kernelSize} window`,
      );
    }
  }

  outputShape(inputShape: readonly number[]): number[] {
    return windowOutputShape(this.label, inputShape, this.kernelSize, this.stride, this.pad);
  }

  abstract forward(x: Tensor, mode: Mode): Tensor;
  abstract backward(dy: Tensor): Tensor;

  params(): Param[] {
    return [];
  }

  /** The forward input and output, after checking that `dy` has the output's shape. */
  protected saved(dy: Tensor): { x: Tensor; y: Tensor } {
    const { x, y } = this;
    if (x === undefined || y === undefined) throw new Error(`${this.label}: backward called before forward`);
    assertSameShape(`${this.label} backward (dy)`, y.shape, dy.shape);
    return { x, y };
  }
}
