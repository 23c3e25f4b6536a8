// 2-D convolution on NCHW images via im2col + gemm (darknet/Caffe): per image, columns
// [C·k·k, outH·outW] = im2col(x), y = W·columns + b; backward with two gemms and col2im.

import { getBackend } from '../backend/backend.js';
import { reuseOrAllocate, sameShape, Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../util/errors.js';
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
 * With columns = im2col(x[n]) this is `y[n] = W·columns + b`; backward is `dW = Σₙ dy[n]·columnsᵀ`,
 * `db = Σ dy`, `dx[n] = col2im(Wᵀ·dy[n])`.
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
  /** The column matrices the last forward used (x itself for a direct 1×1 kernel). */
  private columns: Tensor | undefined;
  private columnBuffer: Tensor | undefined;
  private dColumns: Tensor | undefined;
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
    const [n, filters, outH, outW] = this.outputShape(x.shape);
    const [, channels, height, width] = x.shape;
    const { kernelSize } = this.options;
    const patch = channels * kernelSize * kernelSize; // rows of columns = W's row length
    const pixels = outH * outW;
    const backend = getBackend();
    const y = reuseOrAllocate(this.y, [n, filters, outH, outW]);
    const columns = this.columnsOf(x, [n, patch, pixels]);
    const bias = this.b.value.data;
    for (let image = 0; image < n; image++) {
      const at = image * patch * pixels;
      if (columns !== x) {
        // columns[image]: [C·k·k, outH·outW]
        backend.im2col(
          channels,
          height,
          width,
          kernelSize,
          this.stride,
          this.pad,
          x.data,
          image * channels * height * width,
          columns.data,
          at,
          pixels,
        );
      }
      const yAt = image * filters * pixels;
      for (let f = 0; f < filters; f++) y.data.fill(bias[f], yAt + f * pixels, yAt + (f + 1) * pixels);
      // y[image]: [F, outH·outW] += W [F, C·k·k] · columns[image] [C·k·k, outH·outW]
      backend.gemm(
        false,
        false,
        filters,
        pixels,
        patch,
        1,
        this.W.value.data,
        0,
        patch,
        columns.data,
        at,
        pixels,
        1,
        y.data,
        yAt,
        pixels,
      );
    }
    this.x = x;
    this.y = y;
    this.columns = columns;
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
    const { x, columns } = this;
    if (x === undefined || columns === undefined)
      throw new Error(`${this.label}: backward called before forward`);
    const [n, filters, outH, outW] = this.outputShape(x.shape);
    if (!sameShape(dy.shape, [n, filters, outH, outW])) {
      throw new ShapeError(
        `${this.label}: backward expected dy ${formatShape([n, filters, outH, outW])}, received ${formatShape(dy.shape)}`,
      );
    }
    const [, channels, height, width] = x.shape;
    const { kernelSize } = this.options;
    const patch = channels * kernelSize * kernelSize;
    const pixels = outH * outW;
    const imageSize = channels * height * width;
    const backend = getBackend();
    const db = this.b.grad.data;
    db.fill(0);
    for (let image = 0; image < n; image++) {
      for (let f = 0; f < filters; f++) {
        const start = (image * filters + f) * pixels;
        let sum = 0;
        for (let j = start; j < start + pixels; j++) sum += dy.data[j];
        db[f] += sum;
      }
    }
    for (let image = 0; image < n; image++) {
      // dW [F, C·k·k] (+)= dy[image] [F, outH·outW] · columns[image]ᵀ [outH·outW, C·k·k]
      backend.gemm(
        false,
        true,
        filters,
        patch,
        pixels,
        1,
        dy.data,
        image * filters * pixels,
        pixels,
        columns.data,
        image * patch * pixels,
        pixels,
        image === 0 ? 0 : 1,
        this.W.grad.data,
        0,
        patch,
      );
    }
    if (n === 0) this.W.grad.data.fill(0);
    if (!withDx) return undefined;
    const dx = reuseOrAllocate(this.dx, x.shape);
    // 1×1, stride 1, pad 0: columns are x itself, so Wᵀ·dy is dx directly (as darknet skips im2col)
    const direct = columns === x;
    const dColumns = direct ? dx : reuseOrAllocate(this.dColumns, [patch, pixels]);
    if (!direct) dx.data.fill(0);
    for (let image = 0; image < n; image++) {
      // dColumns [C·k·k, outH·outW] = Wᵀ [C·k·k, F] · dy[image] [F, outH·outW]
      backend.gemm(
        true,
        false,
        patch,
        pixels,
        filters,
        1,
        this.W.value.data,
        0,
        patch,
        dy.data,
        image * filters * pixels,
        pixels,
        0,
        dColumns.data,
        direct ? image * patch * pixels : 0,
        pixels,
      );
      if (!direct) {
        backend.col2im(
          channels,
          height,
          width,
          kernelSize,
          this.stride,
          this.pad,
          dColumns.data,
          0,
          pixels,
          dx.data,
          image * imageSize,
        );
      }
    }
    if (!direct) this.dColumns = dColumns;
    this.dx = dx;
    return dx;
  }

  // The column matrices of every image, kept for backward's dW: [n, C·k·k, outH·outW]. A 1×1 kernel
  // with stride 1 and no padding needs none: x's own [C, H·W] planes are its columns.
  private columnsOf(x: Tensor, shape: number[]): Tensor {
    if (this.options.kernelSize === 1 && this.stride === 1 && this.pad === 0) return x;
    this.columnBuffer = reuseOrAllocate(this.columnBuffer, shape);
    return this.columnBuffer;
  }
}
