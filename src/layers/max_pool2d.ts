// Max pooling on NCHW images: y = the largest value in each k×k window (padding never wins);
// backward sends each dy to the input element that was the maximum (first one on ties).

import { getBackend } from '../backend/backend.js';
import { assertSameShape, reuseOrAllocate, type Tensor } from '../tensor/tensor.js';
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
 * `y[n, c, oy, ox] = max_{ky, kx} x[n, c, oy·s − p + ky, ox·s − p + kx]` over the positions inside the
 * image (PyTorch's `MaxPool2d`: padding acts as −∞); `dx` gets `dy` at each window's argmax.
 *
 * @example
 * new MaxPool2d({ kernelSize: 2 }).forward(Tensor.from([[[[1, 2], [4, 3]]]]), 'eval').data; // [4]
 */
export class MaxPool2d implements Layer {
  readonly label: string;
  readonly kernelSize: number;
  readonly stride: number;
  readonly pad: number;
  private x: Tensor | undefined;
  private y: Tensor | undefined;
  private dx: Tensor | undefined;
  /** For every output element, the flat index in x of its window's maximum. */
  private argmax: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** Where argmax lives: a tensor's storage, kept because it is reclaimed once its array is collected. */
  private argmaxStorage: Tensor | undefined;

  constructor(options: PoolOptions) {
    this.kernelSize = options.kernelSize;
    this.stride = options.stride ?? options.kernelSize;
    this.pad = options.pad ?? 0;
    this.label = poolLabel('MaxPool2d', this.kernelSize, this.stride, this.pad);
    checkPoolOptions(this.label, this.kernelSize, this.stride, this.pad);
  }

  outputShape(inputShape: readonly number[]): number[] {
    return windowOutputShape(this.label, inputShape, this.kernelSize, this.stride, this.pad);
  }

  forward(x: Tensor, _mode: Mode): Tensor {
    const [n, channels, outH, outW] = this.outputShape(x.shape);
    const [, , height, width] = x.shape;
    const y = reuseOrAllocate(this.y, [n, channels, outH, outW]);
    if (this.argmaxStorage?.size !== y.size) {
      // int32 indices in a tensor's storage, so that they live where tensors do (wasm memory)
      // (reusing the old storage when it is large enough, as layer buffers do when the batch shrinks)
      const storage = reuseOrAllocate(this.argmaxStorage, [y.size]);
      this.argmax = new Int32Array(storage.data.buffer, storage.data.byteOffset, y.size);
      this.argmaxStorage = storage;
    }
    const { kernelSize, stride, pad } = this;
    getBackend().maxPool2d(n * channels, height, width, kernelSize, stride, pad, x.data, y.data, this.argmax);
    this.x = x;
    this.y = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const { x, y } = this;
    if (x === undefined || y === undefined) throw new Error(`${this.label}: backward called before forward`);
    assertSameShape(`${this.label} backward (dy)`, y.shape, dy.shape);
    const dx = reuseOrAllocate(this.dx, x.shape);
    // dx = 0, then dx[argmax[i]] += dy[i] (overlapping windows may share a maximum), one plane per n·c
    getBackend().maxPool2dBackward(x.shape[0] * x.shape[1], dy.data, this.argmax, dx.data);
    this.dx = dx;
    return dx;
  }

  params(): Param[] {
    return [];
  }
}

/** `MaxPool2d(2)` when stride = kernel and no padding, otherwise every option. */
export function poolLabel(name: string, kernelSize: number, stride: number, pad: number): string {
  return stride === kernelSize && pad === 0
    ? `${name}(${kernelSize})`
    : `${name}(${kernelSize}, stride ${stride}, pad ${pad})`;
}

/** The window options' checks, plus PyTorch's rule that padding is at most half the window. */
export function checkPoolOptions(label: string, kernelSize: number, stride: number, pad: number): void {
  checkWindowOptions(label, kernelSize, stride, pad);
  if (2 * pad > kernelSize) {
    throw new ValueError(`${label}: pad ${pad} is more than half the ${kernelSize}×${kernelSize} window`);
  }
}
