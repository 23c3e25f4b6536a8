// 2-D convolution on NCHW images via im2col + gemm (darknet/Caffe): the whole batch's columns
// [C·k·k, n·outH·outW] = im2col(x), y = W·columns + b in one gemm; backward with two gemms and col2im.

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
 * With the batch's patches side by side as columns = im2col(x) [C·k·k, n·outH·outW], this is one
 * product `Y = W·columns + b` (Y is [F, n·outH·outW]: y with the batch and filter axes swapped);
 * backward is `dW = dY·columnsᵀ`, `db = Σ dY`, `dx = col2im(Wᵀ·dY)`. One large product instead of one
 * per image: with small images (MNIST's 28×28) per-image products are too small to run fast.
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
  /** Y [F, n·outH·outW] (forward) and dY (backward): y and dy with the batch and filter axes swapped. */
  private swapped: Tensor | undefined;
  private columns: Tensor | undefined;
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
    const columns = reuseOrAllocate(this.columns, [patch, n * pixels]);
    for (let image = 0; image < n; image++) {
      // columns[:, image·outH·outW …] = the patches of x[image]: [C·k·k, outH·outW] with row stride n·outH·outW
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
        image * pixels,
        n * pixels,
      );
    }
    const y = reuseOrAllocate(this.y, [n, filters, outH, outW]);
    // with one image, Y [F, outH·outW] is y itself
    const swapped = n === 1 ? y : reuseOrAllocate(this.swapped, [filters, n * pixels]);
    const bias = this.b.value.data;
    for (let f = 0; f < filters; f++) swapped.data.fill(bias[f], f * n * pixels, (f + 1) * n * pixels);
    // Y [F, n·outH·outW] += W [F, C·k·k] · columns [C·k·k, n·outH·outW]
    backend.gemm(
      false,
      false,
      filters,
      n * pixels,
      patch,
      1,
      this.W.value.data,
      0,
      patch,
      columns.data,
      0,
      n * pixels,
      1,
      swapped.data,
      0,
      n * pixels,
    );
    if (n > 1) swapAxes(swapped.data, y.data, filters, n, pixels); // Y [F, n, outH·outW] → y [n, F, outH·outW]
    this.x = x;
    this.y = y;
    this.columns = columns;
    if (n > 1) this.swapped = swapped;
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
    const backend = getBackend();
    // dY [F, n·outH·outW] from dy [n, F, outH·outW]; with one image they are the same array
    let dySwapped = dy;
    if (n > 1) {
      dySwapped = reuseOrAllocate(this.swapped, [filters, n * pixels]);
      swapAxes(dy.data, dySwapped.data, n, filters, pixels);
      this.swapped = dySwapped;
    }
    const db = this.b.grad.data;
    for (let f = 0; f < filters; f++) {
      let sum = 0;
      for (let j = f * n * pixels; j < (f + 1) * n * pixels; j++) sum += dySwapped.data[j];
      db[f] = sum;
    }
    // dW [F, C·k·k] = dY [F, n·outH·outW] · columnsᵀ [n·outH·outW, C·k·k]
    backend.gemm(
      false,
      true,
      filters,
      patch,
      n * pixels,
      1,
      dySwapped.data,
      0,
      n * pixels,
      columns.data,
      0,
      n * pixels,
      0,
      this.W.grad.data,
      0,
      patch,
    );
    if (!withDx) return undefined;
    // dColumns [C·k·k, n·outH·outW] = Wᵀ [C·k·k, F] · dY [F, n·outH·outW]
    const dColumns = reuseOrAllocate(this.dColumns, [patch, n * pixels]);
    backend.gemm(
      true,
      false,
      patch,
      n * pixels,
      filters,
      1,
      this.W.value.data,
      0,
      patch,
      dySwapped.data,
      0,
      n * pixels,
      0,
      dColumns.data,
      0,
      n * pixels,
    );
    const dx = reuseOrAllocate(this.dx, x.shape);
    dx.data.fill(0);
    for (let image = 0; image < n; image++) {
      backend.col2im(
        channels,
        height,
        width,
        kernelSize,
        this.stride,
        this.pad,
        dColumns.data,
        image * pixels,
        n * pixels,
        dx.data,
        image * channels * height * width,
      );
    }
    this.dColumns = dColumns;
    this.dx = dx;
    return dx;
  }
}

/**
 * Copies a [rows, cols, length] array into [cols, rows, length]: contiguous runs of `length`, so each
 * is a block copy.
 */
function swapAxes(
  source: Float32Array,
  target: Float32Array,
  rows: number,
  cols: number,
  length: number,
): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const from = (r * cols + c) * length;
      target.set(source.subarray(from, from + length), (c * rows + r) * length);
    }
  }
}
