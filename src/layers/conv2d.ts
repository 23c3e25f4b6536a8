// 2-D convolution on NCHW images. Stride 1: the whole batch at once with the backend's direct kernels
// (conv2d for y and dx, conv2dWeightGrad for dW). Other strides, one image at a time via im2col + gemm
// (darknet/Caffe): columns [C·k·k, outH·outW] = im2col(x[i]), y[i] = W·columns + b; backward with two
// gemms and col2im.

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
 * With the patches of one image as columns = im2col(x[i]) [C·k·k, outH·outW], this is one product
 * `y[i] = W·columns + b` ([F, outH·outW], already NCHW); backward is `dW = Σᵢ dy[i]·columnsᵀ`,
 * `db = Σ dy`, `dx[i] = col2im(Wᵀ·dy[i])`. With stride 1 no columns are made: the backend's `conv2d`
 * and `conv2dWeightGrad` read the patches straight from the images of the whole batch (faster: no
 * columns written, re-read and packed, and one hand-off to the threads per batch instead of per image),
 * and dx is the convolution of dy with the flipped weights. With other strides one image's columns
 * (at most a few MB) stay in cache between im2col and the product; backward recomputes them (as
 * darknet) instead of keeping them. The wasm backend splits every kernel over its threads.
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
  private columns: Tensor | undefined;
  private dColumns: Tensor | undefined;
  private dx: Tensor | undefined;
  private flipped: Tensor | undefined;
  private zeroBias: Tensor | undefined;

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
   * Whether `forwardActivated` can apply LeakyReLU with this slope (ReLU at 0): with stride 1 and a slope
   * in [0, 1], which the direct convolution kernel applies as it writes y (`Layer.fusesActivation`).
   */
  fusesActivation(slope: number): boolean {
    return this.stride === 1 && slope >= 0 && slope <= 1;
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
        `${this.label}: cannot apply max(v, ${slope}·v) to its output (stride 1 and a slope in [0, 1] only); run the activation as a layer of its own`,
      );
    }
    return this.convolve(x, slope);
  }

  // y = W ∗ x + b, each value then through max(v, slope·v) (stride 1; slope 1 is the identity).
  private convolve(x: Tensor, slope: number): Tensor {
    const [n, filters, outH, outW] = this.outputShape(x.shape);
    const pixels = outH * outW;
    const patch = this.patchSize();
    const backend = getBackend();
    const y = reuseOrAllocate(this.y, [n, filters, outH, outW]);
    if (this.stride === 1) {
      // y [n, F, outH, outW] = b + W ∗ x, computed directly (no columns), then max(y, slope·y)
      const [, channels, height, width] = x.shape;
      // biome-ignore format: arguments grouped as (sizes), (x), (W, b), (y, activation)
      backend.conv2d(n, channels, height, width, filters, this.options.kernelSize, this.pad,
        x.data, 0,
        this.W.value.data, this.b.value.data,
        y.data, 0, slope);
    } else {
      // y [n, F, outH·outW] = b, broadcast; the products below add to it
      backend.fillChannels(this.b.value.data, n, filters, pixels, y.data);
      for (let image = 0; image < n; image++) {
        const columns = this.im2col(x, image, pixels);
        // y[image] [F, outH·outW] += W [F, C·k·k] · columns [C·k·k, outH·outW]
        // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
        backend.gemm(false, false, filters, pixels, patch,
          1, this.W.value.data, 0, patch,
          columns.data, 0, pixels,
          1, y.data, image * filters * pixels, pixels);
      }
    }
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
    const pixels = outH * outW;
    const patch = this.patchSize();
    const backend = getBackend();
    // db [F] = Σ over images and pixels of dy [n, F, outH·outW]
    backend.sumChannels(dy.data, n, filters, pixels, this.b.grad.data);
    if (this.stride === 1) {
      // dW [F, C, k, k] = Σ over images and pixels of dy · the patches of x, computed directly
      // biome-ignore format: arguments grouped as (sizes), (x), (dy), (dW)
      backend.conv2dWeightGrad(n, channels, height, width, filters, kernelSize, this.pad,
        x.data, 0,
        dy.data, 0,
        this.W.grad.data);
    } else {
      if (n === 0) this.W.grad.data.fill(0); // otherwise the first image's product overwrites dW
      for (let image = 0; image < n; image++) {
        const columns = this.im2col(x, image, pixels);
        // dW [F, C·k·k] (+)= dy[image] [F, outH·outW] · columnsᵀ [outH·outW, C·k·k]; the first image overwrites
        // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
        backend.gemm(false, true, filters, patch, pixels,
          1, dy.data, image * filters * pixels, pixels,
          columns.data, 0, pixels,
          image === 0 ? 0 : 1, this.W.grad.data, 0, patch);
      }
    }
    if (!withDx) return undefined;
    const dx = reuseOrAllocate(this.dx, x.shape);
    this.dx = dx;
    if (this.stride === 1 && this.pad <= kernelSize - 1) {
      // dx is itself a stride-1 convolution (see flippedWeights):
      // dx [n, C, H, W] = W̃ ∗ dy, dy padded by k − 1 − pad
      const flipped = this.flippedWeights();
      // biome-ignore format: arguments grouped as (sizes), (dy), (W̃, zero bias), (dx)
      backend.conv2d(n, filters, outH, outW, channels, kernelSize, kernelSize - 1 - this.pad,
        dy.data, 0,
        flipped.W.data, flipped.zeros.data,
        dx.data, 0);
      return dx;
    }
    // otherwise dx = col2im(Wᵀ·dy) image by image
    dx.data.fill(0); // col2im adds into it
    const dColumns = reuseOrAllocate(this.dColumns, [patch, pixels]);
    this.dColumns = dColumns;
    for (let image = 0; image < n; image++) {
      // dColumns [C·k·k, outH·outW] = Wᵀ [C·k·k, F] · dy[image] [F, outH·outW]
      // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
      backend.gemm(true, false, patch, pixels, filters,
        1, this.W.value.data, 0, patch,
        dy.data, image * filters * pixels, pixels,
        0, dColumns.data, 0, pixels);
      // dx[image] [C, H, W] += col2im(dColumns)
      // biome-ignore format: arguments grouped as (sizes), (columns), (dx)
      backend.col2im(channels, height, width, kernelSize, this.stride, this.pad,
        dColumns.data, 0, pixels,
        dx.data, image * channels * height * width);
    }
    return dx;
  }

  /**
   * For stride 1, `dx[c, iy, ix] = Σ_{f, ky, kx} W[f, c, ky, kx] · dy[f, iy + p − ky, ix + p − kx]`: the
   * convolution of dy (padded by k − 1 − p) with W̃[c, f, ky, kx] = W[f, c, k − 1 − ky, k − 1 − kx]
   * (filters and channels swapped, taps flipped). Returns W̃ and a zero bias, in buffers reused across calls.
   */
  private flippedWeights(): { W: Tensor; zeros: Tensor } {
    const { inChannels, filters, kernelSize: k } = this.options;
    const flipped = reuseOrAllocate(this.flipped, [inChannels, filters, k, k]);
    this.flipped = flipped;
    const zeros = reuseOrAllocate(this.zeroBias, [inChannels]); // never written: stays zero
    this.zeroBias = zeros;
    const w = this.W.value.data;
    const out = flipped.data;
    for (let f = 0; f < filters; f++) {
      for (let c = 0; c < inChannels; c++) {
        const from = (f * inChannels + c) * k * k;
        const to = (c * filters + f) * k * k + k * k - 1;
        for (let tap = 0; tap < k * k; tap++) out[to - tap] = w[from + tap];
      }
    }
    return { W: flipped, zeros };
  }

  // Rows of the columns matrix: C·k·k.
  private patchSize(): number {
    const { inChannels, kernelSize } = this.options;
    return inChannels * kernelSize * kernelSize;
  }

  // columns [C·k·k, outH·outW] = the patches of x[image], in a buffer reused across calls.
  private im2col(x: Tensor, image: number, pixels: number): Tensor {
    const [, channels, height, width] = x.shape;
    const columns = reuseOrAllocate(this.columns, [this.patchSize(), pixels]);
    this.columns = columns;
    const imageAt = image * channels * height * width;
    const { kernelSize } = this.options;
    getBackend().im2col(
      channels,
      height,
      width,
      kernelSize,
      this.stride,
      this.pad,
      x.data,
      imageAt,
      columns.data,
      0,
      pixels,
    );
    return columns;
  }
}
