// Max pooling on NCHW images: y = the largest value in each k×k window (padding never wins);
// backward sends each dy to the input element that was the maximum (first one on ties).

import { getBackend } from '../backend/active.js';
import { allocateInt32 } from '../tensor/storage.js';
import { reuseOrAllocate, type Tensor } from '../tensor/tensor.js';
import type { Mode } from './layer.js';
import { Pool2d, type PoolOptions } from './pool2d.js';

/**
 * `y[n, c, oy, ox] = max_{ky, kx} x[n, c, oy·s − p + ky, ox·s − p + kx]` over the positions inside the
 * image (PyTorch's `MaxPool2d`: padding acts as −∞); `dx` gets `dy` at each window's argmax.
 *
 * @example
 * new MaxPool2d({ kernelSize: 2 }).forward(Tensor.from([[[[1, 2], [4, 3]]]]), 'eval').data; // [4]
 */
export class MaxPool2d extends Pool2d {
  /**
   * For every output element, the flat index in x of its window's maximum: int32 storage of its own,
   * from `allocateInt32` (in wasm memory on the wasm backend, where the kernels write and read it),
   * kept and reused; a view of `argmaxStorage` when the batch shrinks, so batch sizes share one block.
   */
  private argmax: Int32Array = new Int32Array(0);
  private argmaxStorage: Int32Array = this.argmax;

  constructor(options: PoolOptions) {
    super('MaxPool2d', options);
  }

  forward(x: Tensor, _mode: Mode): Tensor {
    const [n, channels, outH, outW] = this.outputShape(x.shape);
    const [, , height, width] = x.shape;
    const y = reuseOrAllocate(this.y, [n, channels, outH, outW]);
    if (this.argmax.length !== y.size) {
      if (this.argmaxStorage.length < y.size) this.argmaxStorage = allocateInt32(y.size);
      this.argmax = this.argmaxStorage.subarray(0, y.size);
    }
    const { kernelSize, stride, pad } = this;
    getBackend().maxPool2d(n * channels, height, width, kernelSize, stride, pad, x.data, y.data, this.argmax);
    this.x = x;
    this.y = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const { x } = this.saved(dy);
    const dx = reuseOrAllocate(this.dx, x.shape);
    // dx = 0, then dx[argmax[i]] += dy[i] (overlapping windows may share a maximum), one plane per n·c
    getBackend().maxPool2dBackward(x.shape[0] * x.shape[1], dy.data, this.argmax, dx.data);
    this.dx = dx;
    return dx;
  }
}
