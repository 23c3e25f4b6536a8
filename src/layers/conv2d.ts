// 2-D convolution on NCHW images via im2col + gemm (darknet/Caffe): a chunk of images' columns
// [C·k·k, m·outH·outW] = im2col(x), y = W·columns + b in one gemm; backward with two gemms and col2im.

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
 * With the patches of m images side by side as columns = im2col(x) [C·k·k, m·outH·outW], this is one
 * product `Y = W·columns + b` (Y is [F, m·outH·outW]: y with the image and filter axes swapped);
 * backward is `dW = Σ dY·columnsᵀ`, `db = Σ dY`, `dx = col2im(Wᵀ·dY)`. Images go m at a time, m chosen
 * so the columns (about 2 MB) stay in cache: large enough for an efficient product, small enough that
 * the columns never travel to memory. Backward recomputes them (as darknet) instead of keeping them.
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
  /** Y [F, m·outH·outW] (forward) and dY (backward) of one chunk: the image and filter axes swapped. */
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
    const pixels = outH * outW;
    const { patch, chunk } = this.chunking(x.shape, pixels);
    const backend = getBackend();
    const y = reuseOrAllocate(this.y, [n, filters, outH, outW]);
    const bias = this.b.value.data;
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      const columns = this.im2col(x, start, count, pixels);
      // Y [F, m·outH·outW]; for one image it is y[start] itself
      const target = count === 1 ? y : this.swappedBuffer(filters, chunk * pixels);
      const at = count === 1 ? start * filters * pixels : 0;
      for (let f = 0; f < filters; f++)
        target.data.fill(bias[f], at + f * count * pixels, at + (f + 1) * count * pixels);
      // Y [F, m·outH·outW] += W [F, C·k·k] · columns [C·k·k, m·outH·outW]
      // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
      backend.gemm(false, false, filters, count * pixels, patch,
        1, this.W.value.data, 0, patch,
        columns.data, 0, count * pixels,
        1, target.data, at, count * pixels);
      // Y [F, m, outH·outW] → y[start …] [m, F, outH·outW]
      if (count > 1) swapAxes(target.data, 0, y.data, start * filters * pixels, filters, count, pixels);
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
    const { patch, chunk } = this.chunking(x.shape, pixels);
    const backend = getBackend();
    const db = this.b.grad.data;
    db.fill(0);
    this.W.grad.data.fill(0);
    const dx = withDx ? reuseOrAllocate(this.dx, x.shape) : undefined;
    dx?.data.fill(0);
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      const columns = this.im2col(x, start, count, pixels);
      // dY [F, m·outH·outW] from dy[start …] [m, F, outH·outW]; for one image they are the same
      const dY = count === 1 ? dy : this.swappedBuffer(filters, chunk * pixels);
      const at = count === 1 ? start * filters * pixels : 0;
      if (count > 1) swapAxes(dy.data, start * filters * pixels, dY.data, 0, count, filters, pixels);
      for (let f = 0; f < filters; f++) {
        let sum = 0;
        for (let j = at + f * count * pixels; j < at + (f + 1) * count * pixels; j++) sum += dY.data[j];
        db[f] += sum;
      }
      // dW [F, C·k·k] += dY [F, m·outH·outW] · columnsᵀ [m·outH·outW, C·k·k]
      // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
      backend.gemm(false, true, filters, patch, count * pixels,
        1, dY.data, at, count * pixels,
        columns.data, 0, count * pixels,
        1, this.W.grad.data, 0, patch);
      if (dx === undefined) continue;
      // dColumns [C·k·k, m·outH·outW] = Wᵀ [C·k·k, F] · dY [F, m·outH·outW]
      const dColumns = reuseOrAllocate(this.dColumns, [patch, chunk * pixels]);
      this.dColumns = dColumns;
      // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
      backend.gemm(true, false, patch, count * pixels, filters,
        1, this.W.value.data, 0, patch,
        dY.data, at, count * pixels,
        0, dColumns.data, 0, count * pixels);
      for (let image = 0; image < count; image++) {
        const imageAt = (start + image) * channels * height * width;
        backend.col2im(
          channels,
          height,
          width,
          kernelSize,
          this.stride,
          this.pad,
          dColumns.data,
          image * pixels,
          count * pixels,
          dx.data,
          imageAt,
        );
      }
    }
    if (dx !== undefined) this.dx = dx;
    return dx;
  }

  // Patch rows, and how many images go in one chunk: about 2^19 floats (2 MB) of columns.
  private chunking(shape: readonly number[], pixels: number): { patch: number; chunk: number } {
    const { kernelSize } = this.options;
    const patch = shape[1] * kernelSize * kernelSize;
    return { patch, chunk: Math.max(1, Math.min(shape[0], Math.floor(2 ** 19 / (patch * pixels)))) };
  }

  // columns [C·k·k, m·outH·outW] for images start … start + count − 1, in a buffer reused across calls.
  private im2col(x: Tensor, start: number, count: number, pixels: number): Tensor {
    const [, channels, height, width] = x.shape;
    const { patch, chunk } = this.chunking(x.shape, pixels);
    const columns = reuseOrAllocate(this.columns, [patch, chunk * pixels]);
    this.columns = columns;
    const { kernelSize } = this.options;
    for (let image = 0; image < count; image++) {
      // columns[:, image·outH·outW …] = the patches of x[start + image], rows count·outH·outW apart
      getBackend().im2col(
        channels,
        height,
        width,
        kernelSize,
        this.stride,
        this.pad,
        x.data,
        (start + image) * channels * height * width,
        columns.data,
        image * pixels,
        count * pixels,
      );
    }
    return columns;
  }

  private swappedBuffer(filters: number, columns: number): Tensor {
    this.swapped = reuseOrAllocate(this.swapped, [filters, columns]);
    return this.swapped;
  }
}

/**
 * Copies a [rows, cols, length] block at `sourceOffset` into [cols, rows, length] at `targetOffset`:
 * contiguous runs of `length`, so each is a block copy.
 */
function swapAxes(
  source: Float32Array,
  sourceOffset: number,
  target: Float32Array,
  targetOffset: number,
  rows: number,
  cols: number,
  length: number,
): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const from = sourceOffset + (r * cols + c) * length;
      target.set(source.subarray(from, from + length), targetOffset + (c * rows + r) * length);
    }
  }
}
