// Average pooling on NCHW images: y = the mean of each k×k window, padding counted as zeros (PyTorch's
// default count_include_pad); backward spreads dy / k² over the window.

import { reuseOrAllocate, type Tensor } from '../tensor/tensor.js';
import type { Mode } from './layer.js';
import { Pool2d, type PoolOptions } from './pool2d.js';

/**
 * `y[n, c, oy, ox] = (1/k²) Σ_{ky, kx} x[n, c, oy·s − p + ky, ox·s − p + kx]` (zero outside the image,
 * as PyTorch's `AvgPool2d` with `count_include_pad=True`); `dx` gets `dy / k²` at every window position.
 *
 * @example
 * new AvgPool2d({ kernelSize: 2 }).forward(Tensor.from([[[[1, 2], [4, 3]]]]), 'eval').data; // [2.5]
 */
export class AvgPool2d extends Pool2d {
  constructor(options: PoolOptions) {
    super('AvgPool2d', options);
  }

  forward(x: Tensor, _mode: Mode): Tensor {
    const [n, channels, outH, outW] = this.outputShape(x.shape);
    const y = reuseOrAllocate(this.y, [n, channels, outH, outW]);
    this.eachWindow(x.shape, (out, first, rowEnd, rows, width) => {
      let sum = 0;
      for (let row = 0; row < rows; row++) {
        for (let i = first + row * width; i < rowEnd + row * width; i++) sum += x.data[i];
      }
      y.data[out] = sum;
    });
    const scale = 1 / (this.kernelSize * this.kernelSize);
    for (let i = 0; i < y.size; i++) y.data[i] *= scale;
    this.x = x;
    this.y = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const { x } = this.saved(dy);
    const dx = reuseOrAllocate(this.dx, x.shape);
    dx.data.fill(0);
    const scale = 1 / (this.kernelSize * this.kernelSize);
    this.eachWindow(x.shape, (out, first, rowEnd, rows, width) => {
      const share = dy.data[out] * scale;
      for (let row = 0; row < rows; row++) {
        for (let i = first + row * width; i < rowEnd + row * width; i++) dx.data[i] += share;
      }
    });
    this.dx = dx;
    return dx;
  }

  // Calls visit(output index, first input index, end of its first row, rows, row stride) for every
  // window, clipped to the image: the part of the window that is not padding.
  private eachWindow(
    shape: readonly number[],
    visit: (out: number, first: number, rowEnd: number, rows: number, width: number) => void,
  ): void {
    const [n, channels, outH, outW] = this.outputShape(shape);
    const [, , height, width] = shape;
    const { kernelSize: k, stride, pad } = this;
    let out = 0;
    for (let plane = 0; plane < n * channels; plane++) {
      const base = plane * height * width;
      for (let oy = 0; oy < outH; oy++) {
        const y0 = Math.max(0, oy * stride - pad);
        const y1 = Math.min(height, oy * stride - pad + k);
        for (let ox = 0; ox < outW; ox++) {
          const x0 = Math.max(0, ox * stride - pad);
          const x1 = Math.min(width, ox * stride - pad + k);
          visit(out++, base + y0 * width + x0, base + y0 * width + x1, y1 - y0, width);
        }
      }
    }
  }
}
