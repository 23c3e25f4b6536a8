// 2-D convolution on NCHW images, any stride and padding: the whole batch at once through the backend's
// kernels, conv2d for y, conv2dWeightGrad for dW, conv2dInputGrad for dx and sumChannels for db. How
// each is computed (directly, or im2col + gemm) is the backend's choice, not the layer's.

import { getBackend } from '../backend/active.js';
import { reuseOrAllocate, sameShape, Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError, ValueError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { initWeights, type WeightInit } from './init.js';
import type { Layer, Mode, Param } from './layer.js';
import { checkWindowOptions, windowOutputShape } from './window.js';

export interface Conv2dOptions {
  inChannels: number;
  filters: number;
  kernelSize: number;
  /** Default 1. */
  stride?: number;
  /** Zeros added on every side; default 0. */
  pad?: number;
  /** Initial weights (fan-in C·k·k): default `{ kind: 'std', std: 0.01 }`, as Affine. Ignored when `W` is given. */
  init?: WeightInit;
  /** Generator for the initial weights (default: a new `Random(0)`). */
  rng?: Random;
  /** Use these tensors as the parameters (kept, not copied). */
  W?: Tensor;
  b?: Tensor;
}

/**
 * Convolution `y[n, f, oy, ox] = b[f] + Σ_{c, ky, kx} W[f, c, ky, kx] · x[n, c, oy·s − p + ky, ox·s − p + kx]`
 * (zero outside the image), W [filters, inChannels, k, k], b [filters]; outH = ⌊(H + 2p − k)/s⌋ + 1.
 * Written with the patches of one image as columns = im2col(x[n]) [C·k·k, outH·outW], it is one product
 * `y[n] = W·columns + b` ([F, outH·outW], already NCHW), and backward is `dW = Σₙ dy[n]·columnsᵀ`,
 * `db = Σ dy` over images and pixels, `dx[n] = col2im(Wᵀ·dy[n])`: each input pixel collects
 * `W[f, c, ky, kx]·dy[n, f, oy, ox]` from every output whose window read it. The backend computes these
 * for the whole batch (the wasm backend without columns, on all its threads).
 *
 * @example
 * const conv = new Conv2d({ inChannels: 1, filters: 16, kernelSize: 3, pad: 1 });
 * conv.forward(new Tensor([8, 1, 96, 96]), 'train').shape; // [8, 16, 96, 96]
 */
export class Conv2d implements Layer {
  readonly label: string;
  readonly W: Param;
  readonly b: Param;
  readonly stride: number;
  readonly pad: number;
  private x: Tensor | undefined;
  private y: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(readonly options: Conv2dOptions) {
    const { inChannels, filters, kernelSize, stride = 1, pad = 0 } = options;
    this.stride = stride;
    this.pad = pad;
    this.label = `Conv2d(${inChannels}→${filters}, ${kernelSize}×${kernelSize}, stride ${stride}, pad ${pad})`;
    for (const [name, value] of [
      ['inChannels', inChannels],
      ['filters', filters],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new ShapeError(`${this.label}: ${name} must be a whole number >= 1`);
    }
    checkWindowOptions(this.label, kernelSize, stride, pad);
    const wShape = [filters, inChannels, kernelSize, kernelSize];
    const W =
      options.W ??
      initWeights(
        wShape,
        inChannels * kernelSize * kernelSize,
        options.init ?? { kind: 'std', std: 0.01 },
        options.rng ?? new Random(0),
      );
    const b = options.b ?? new Tensor([filters]);
    for (const [name, expected, tensor] of [
      ['W', wShape, W],
      ['b', [filters], b],
    ] as const) {
      if (!sameShape(tensor.shape, expected))
        throw new ShapeError(
          `${this.label}: ${name} must have shape ${formatShape(expected)}, received ${formatShape(tensor.shape)}`,
        );
    }
    this.W = { name: 'W', value: W, grad: new Tensor(wShape) };
    this.b = { name: 'b', value: b, grad: new Tensor([filters]) };
  }

  /**
   * Whether `forwardActivated` can apply LeakyReLU with this slope (ReLU at 0): a slope in [0, 1], which
   * the backend's conv2d applies as it writes y (`Layer.fusesActivation`).
   */
  fusesActivation(slope: number): boolean {
    return slope >= 0 && slope <= 1;
  }

  outputShape(inputShape: readonly number[]): number[] {
    const { inChannels, filters, kernelSize } = this.options;
    if (inputShape.length !== 4 || inputShape[1] !== inChannels) {
      throw new ShapeError(
        `${this.label}: expected input [n, ${inChannels}, h, w], received ${formatShape(inputShape)}`,
      );
    }
    const [n, , outH, outW] = windowOutputShape(this.label, inputShape, kernelSize, this.stride, this.pad);
    return [n, filters, outH, outW];
  }

  forward(x: Tensor, _mode: Mode): Tensor {
    return this.convolve(x, 1);
  }

  /**
   * forward, then y = max(y, slope·y) as y is written: the LeakyReLU (ReLU at 0) of the layer after
   * this one, one pass over the feature map fewer (model/fast_step.ts). For a slope `fusesActivation`
   * accepts.
   */
  forwardActivated(x: Tensor, _mode: Mode, slope: number): Tensor {
    if (!this.fusesActivation(slope)) {
      throw new ValueError(
        `${this.label}: cannot apply max(v, ${slope}·v) to its output (a slope in [0, 1] only); run the activation as a layer of its own`,
      );
    }
    return this.convolve(x, slope);
  }

  // y = W ∗ x + b, each value then through max(v, slope·v) (slope 1 is the identity).
  private convolve(x: Tensor, slope: number): Tensor {
    const [n, filters, outH, outW] = this.outputShape(x.shape);
    const [, channels, height, width] = x.shape;
    const y = reuseOrAllocate(this.y, [n, filters, outH, outW]);
    // y [n, F, outH, outW] = max(v, slope·v) of v = b + W ∗ x
    // biome-ignore format: arguments grouped as (sizes), (window), (x), (W, b), (y, activation)
    getBackend().conv2d(n, channels, height, width, filters,
      this.options.kernelSize, this.stride, this.pad,
      x.data, 0,
      this.W.value.data, this.b.value.data,
      y.data, 0, slope);
    this.x = x;
    this.y = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    return this.gradients(dy, true) as Tensor;
  }

  /** The param grads of `backward` without dx: for a first layer, whose dx nobody reads. */
  backwardParams(dy: Tensor): void {
    this.gradients(dy, false);
  }

  params(): Param[] {
    return [this.W, this.b];
  }

  private gradients(dy: Tensor, withDx: boolean): Tensor | undefined {
    const x = this.x;
    if (x === undefined) throw new Error(`${this.label}: backward called before forward`);
    const [n, filters, outH, outW] = this.outputShape(x.shape);
    if (!sameShape(dy.shape, [n, filters, outH, outW])) {
      throw new ShapeError(
        `${this.label}: backward expected dy ${formatShape([n, filters, outH, outW])}, received ${formatShape(dy.shape)}`,
      );
    }
    const [, channels, height, width] = x.shape;
    const { kernelSize } = this.options;
    const backend = getBackend();
    // db [F] = Σ over images and pixels of dy [n, F, outH·outW]
    backend.sumChannels(dy.data, n, filters, outH * outW, this.b.grad.data);
    // dW [F, C, k, k] = Σ over images and output pixels of dy · the patch of x that pixel read
    // biome-ignore format: arguments grouped as (sizes), (window), (x), (dy), (dW)
    backend.conv2dWeightGrad(n, channels, height, width, filters,
      kernelSize, this.stride, this.pad,
      x.data, 0,
      dy.data, 0,
      this.W.grad.data);
    if (!withDx) return undefined;
    const dx = reuseOrAllocate(this.dx, x.shape);
    this.dx = dx;
    // dx [n, C, H, W]: every W[f, c, ky, kx]·dy[n, f, oy, ox] added back where its window read x
    // biome-ignore format: arguments grouped as (sizes), (window), (dy), (W), (dx)
    backend.conv2dInputGrad(n, channels, height, width, filters,
      kernelSize, this.stride, this.pad,
      dy.data, 0,
      this.W.value.data,
      dx.data, 0);
    return dx;
  }
}
