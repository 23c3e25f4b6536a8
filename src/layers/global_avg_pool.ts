// Global average pooling: the mean of each channel over the whole image, [n, c, h, w] → [n, c]
// (a flat output, ready for an Affine layer); backward spreads dy / (h·w) over the plane.

import { assertSameShape, reuseOrAllocate, type Tensor } from '../tensor/tensor.js';
import type { Layer, Mode, Param } from './layer.js';
import { imageShape } from './window.js';

/**
 * `y[n, c] = (1/(h·w)) Σ_{i, j} x[n, c, i, j]` (PyTorch's `AdaptiveAvgPool2d(1)` followed by a flatten).
 *
 * @example
 * new GlobalAvgPool().forward(Tensor.from([[[[1, 2], [3, 4]]]]), 'eval').data; // [2.5]
 */
export class GlobalAvgPool implements Layer {
  readonly label = 'GlobalAvgPool';
  private x: Tensor | undefined;
  private y: Tensor | undefined;
  private dx: Tensor | undefined;

  outputShape(inputShape: readonly number[]): number[] {
    const [n, channels] = imageShape(this.label, inputShape);
    return [n, channels];
  }

  forward(x: Tensor, _mode: Mode): Tensor {
    const [n, channels, height, width] = imageShape(this.label, x.shape);
    const plane = height * width;
    const y = reuseOrAllocate(this.y, [n, channels]);
    for (let i = 0; i < n * channels; i++) {
      let sum = 0;
      for (let j = i * plane; j < (i + 1) * plane; j++) sum += x.data[j];
      y.data[i] = sum / plane;
    }
    this.x = x;
    this.y = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const { x, y } = this;
    if (x === undefined || y === undefined) throw new Error(`${this.label}: backward called before forward`);
    assertSameShape(`${this.label} backward (dy)`, y.shape, dy.shape);
    const plane = x.shape[2] * x.shape[3];
    const dx = reuseOrAllocate(this.dx, x.shape);
    for (let i = 0; i < dy.size; i++) dx.data.fill(dy.data[i] / plane, i * plane, (i + 1) * plane);
    this.dx = dx;
    return dx;
  }

  params(): Param[] {
    return [];
  }
}
