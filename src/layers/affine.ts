// Affine (fully connected) layer: y = x·W + b, with W [in, out] and b [1, out] as in the seed.
// Backward: dW = xᵀ·dy, db = Σₙ dy (summed over the batch), dx = dy·Wᵀ.

import { getBackend } from '../backend/active.js';
import { reuseOrAllocateMatrix, Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { initWeights, type WeightInit } from './init.js';
import type { Layer, Mode, OuterUpdate, Param } from './layer.js';

export interface AffineOptions {
  inFeatures: number;
  outFeatures: number;
  /** Initial weights: default `{ kind: 'std', std: 0.01 }`, the seed's. Ignored when `W` is given. */
  init?: WeightInit;
  /** Generator for the initial weights (default: a new `Random(0)`). */
  rng?: Random;
  /** Use these tensors as the parameters (kept, not copied: the article's `Affine(W, b)`). */
  W?: Tensor;
  b?: Tensor;
}

/**
 * Fully connected layer `y = x·W + b` for x of shape [n, inFeatures].
 *
 * The article's `db = dout` is right only for one sample (numpy then fails for n > 1); here the bias
 * gradient is summed over the batch, `db = Σₙ dy[n]`, which equals the article's at n = 1.
 *
 * @example
 * const affine = new Affine({ inFeatures: 784, outFeatures: 500 });
 * affine.forward(new Tensor([1, 784]), 'train').shape; // [1, 500]
 */
export class Affine implements Layer {
  readonly label: string;
  readonly W: Param;
  readonly b: Param;
  private x: Tensor | undefined;
  private y: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(readonly options: AffineOptions) {
    const { inFeatures, outFeatures } = options;
    this.label = `Affine(${inFeatures}→${outFeatures})`;
    for (const [name, value] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new ShapeError(`${this.label}: ${name} must be a whole number >= 1`);
    }
    const W =
      options.W ??
      initWeights(
        [inFeatures, outFeatures],
        inFeatures,
        options.init ?? { kind: 'std', std: 0.01 },
        options.rng ?? new Random(0),
      );
    const b = options.b ?? new Tensor([1, outFeatures]);
    checkParamShape(this.label, 'W', [inFeatures, outFeatures], W);
    checkParamShape(this.label, 'b', [1, outFeatures], b);
    this.W = { name: 'W', value: W, grad: new Tensor(W.shape) };
    this.b = { name: 'b', value: b, grad: new Tensor(b.shape) };
  }

  outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length !== 2 || inputShape[1] !== this.options.inFeatures) {
      throw new ShapeError(
        `${this.label}: expected input [n, ${this.options.inFeatures}], received ${formatShape(inputShape)}`,
      );
    }
    return [inputShape[0], this.options.outFeatures];
  }

  forward(x: Tensor, _mode: Mode): Tensor {
    const { inFeatures, outFeatures } = this.options;
    if (x.shape.length !== 2 || x.shape[1] !== inFeatures) this.outputShape(x.shape); // throws the ShapeError
    const n = x.shape[0];
    const y = reuseOrAllocateMatrix(this.y, n, outFeatures);
    const bias = this.b.value.data;
    for (let row = 0; row < n; row++) y.data.set(bias, row * outFeatures); // y = b (broadcast over rows)
    // y[n, out] += x[n, in] · W[in, out]
    // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
    getBackend().gemm(false, false, n, outFeatures, inFeatures,
      1, x.data, 0, inFeatures,
      this.W.value.data, 0, outFeatures,
      1, y.data, 0, outFeatures);
    this.x = x;
    this.y = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.backwardParams(dy);
    const n = dy.shape[0];
    const { inFeatures, outFeatures } = this.options;
    const dx = reuseOrAllocateMatrix(this.dx, n, inFeatures);
    // dx[n, in] = dy[n, out] · Wᵀ[out, in]
    // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
    getBackend().gemm(false, true, n, inFeatures, outFeatures,
      1, dy.data, 0, outFeatures,
      this.W.value.data, 0, outFeatures,
      0, dx.data, 0, inFeatures);
    this.dx = dx;
    return dx;
  }

  /**
   * At batch 1 the weight gradient is the outer product xᵀ·dy: computes db, then hands W, x and dy to
   * `update` instead of storing dW (Sequential.trainStep). Returns false, doing nothing, at batch > 1.
   */
  backwardParamsFused(dy: Tensor, update: OuterUpdate): boolean {
    const x = this.x;
    if (x === undefined) throw new Error(`${this.label}: backward called before forward`);
    if (x.shape[0] !== 1) return false;
    const outFeatures = this.options.outFeatures;
    if (dy.shape.length !== 2 || dy.shape[0] !== 1 || dy.shape[1] !== outFeatures) {
      throw new ShapeError(
        `${this.label}: backward expected dy [1, ${outFeatures}], received ${formatShape(dy.shape)}`,
      );
    }
    getBackend().sumRows(dy.data, 1, outFeatures, this.b.grad.data); // db[out] = dy[1, out]
    update(this.W, x.data, dy.data);
    return true;
  }

  /** dW and db only: the first layer of a network skips dx, a third of its backward work. */
  backwardParams(dy: Tensor): void {
    const x = this.x;
    if (x === undefined) throw new Error(`${this.label}: backward called before forward`);
    const n = x.shape[0];
    const { inFeatures, outFeatures } = this.options;
    if (dy.shape.length !== 2 || dy.shape[0] !== n || dy.shape[1] !== outFeatures) {
      throw new ShapeError(
        `${this.label}: backward expected dy [${n}, ${outFeatures}], received ${formatShape(dy.shape)}`,
      );
    }
    const backend = getBackend();
    // dW[in, out] = xᵀ[in, n] · dy[n, out]
    // biome-ignore format: one BLAS call, arguments grouped as (transA, transB, m, n, k), (alpha, A), (B), (beta, C)
    backend.gemm(true, false, inFeatures, outFeatures, n,
      1, x.data, 0, inFeatures,
      dy.data, 0, outFeatures,
      0, this.W.grad.data, 0, outFeatures);
    backend.sumRows(dy.data, n, outFeatures, this.b.grad.data); // db[out] = Σₙ dy[n, out]
  }

  params(): Param[] {
    return [this.W, this.b];
  }
}

function checkParamShape(label: string, name: string, expected: number[], tensor: Tensor): void {
  if (tensor.shape.length !== expected.length || tensor.shape.some((dim, i) => dim !== expected[i])) {
    throw new ShapeError(
      `${label}: ${name} must have shape ${formatShape(expected)}, received ${formatShape(tensor.shape)}`,
    );
  }
}
