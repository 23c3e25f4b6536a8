// Batch normalisation (Ioffe & Szegedy 2015) per channel of [n, c, h, w] or per feature of [n, f]:
// y = γ·(x − μ)/√(σ² + ε) + β, with batch statistics in training and running ones in evaluation.
// The passes over the data are backend kernels (per-channel sums and affine maps); the per-channel
// arithmetic between them is here.

import { getBackend } from '../backend/active.js';
import { reuseOrAllocate, sameShape, Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError, ValueError } from '../util/errors.js';
import { flushSubnormal } from '../util/float32.js';
import type { Layer, Mode, NamedTensor, Param } from './layer.js';

export interface BatchNormOptions {
  /** Channels (after a convolution) or features (after an affine layer). */
  features: number;
  /** Weight of the newest batch in the running statistics; default 0.1 (PyTorch's). */
  momentum?: number;
  /** Added to the variance before the square root; default 1e-5 (PyTorch's). */
  eps?: number;
}

/**
 * `y = γ·x̂ + β`, `x̂ = (x − μ)/√(σ² + ε)`, per channel c over the n·h·w values of that channel.
 * Train: μ, σ² are the batch's mean and biased variance; the running statistics move by
 * `running = (1 − momentum)·running + momentum·batch`, with the unbiased variance σ²·m/(m − 1), as
 * PyTorch. Eval: μ, σ² are the running statistics. Backward (train):
 * `dβ = Σ dy`, `dγ = Σ dy·x̂`, `dx = γ/(m·√(σ² + ε)) · (m·dy − dβ − x̂·dγ)` with m = n·h·w.
 * Params `gamma`, `beta` [features]; buffers `runningMean`, `runningVar` [features].
 * Paper: https://arxiv.org/abs/1502.03167
 *
 * @example
 * const bn = new BatchNorm({ features: 16 });
 * bn.forward(new Tensor([8, 16, 48, 48]), 'train').shape; // [8, 16, 48, 48]
 * bn.buffers().map((b) => b.name);                        // ['runningMean', 'runningVar']
 */
export class BatchNorm implements Layer {
  readonly label: string;
  readonly gamma: Param;
  readonly beta: Param;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly momentum: number;
  readonly eps: number;
  private x: Tensor | undefined;
  private y: Tensor | undefined;
  private dx: Tensor | undefined;
  /** 1/√(σ² + ε) per channel, of the statistics the last forward used. */
  private readonly inverseStd: Float64Array;
  /**
   * Per-channel operands of the backend kernels, rows of one tensor (so they live where tensors do):
   * μ of the last forward, zeros, the p, q, r of affineChannels, and sums.
   */
  private readonly channelRows: Tensor;
  private readonly mean: Float32Array;
  private readonly zeros: Float32Array;
  private readonly p: Float32Array;
  private readonly q: Float32Array;
  private readonly r: Float32Array;
  private readonly sums: Float32Array;
  private readonly dots: Float32Array;
  private lastMode: Mode | undefined;

  constructor(options: BatchNormOptions) {
    const { features, momentum = 0.1, eps = 1e-5 } = options;
    this.label = `BatchNorm(${features})`;
    if (!Number.isInteger(features) || features < 1)
      throw new ShapeError(`${this.label}: features must be a whole number >= 1`);
    if (!(momentum >= 0 && momentum <= 1))
      throw new ValueError(`${this.label}: momentum must be in [0, 1], got ${momentum}`);
    if (!(eps > 0)) throw new ValueError(`${this.label}: eps must be > 0, got ${eps}`);
    this.momentum = momentum;
    this.eps = eps;
    this.gamma = { name: 'gamma', value: new Tensor([features]), grad: new Tensor([features]) };
    this.gamma.value.data.fill(1);
    this.beta = { name: 'beta', value: new Tensor([features]), grad: new Tensor([features]) };
    this.runningMean = new Tensor([features]);
    this.runningVar = new Tensor([features]);
    this.runningVar.data.fill(1);
    this.inverseStd = new Float64Array(features);
    this.channelRows = new Tensor([7, features]);
    const row = (index: number) => this.channelRows.data.subarray(index * features, (index + 1) * features);
    [this.mean, this.zeros, this.p, this.q, this.r, this.sums, this.dots] = [0, 1, 2, 3, 4, 5, 6].map(row);
  }

  outputShape(inputShape: readonly number[]): number[] {
    const features = this.gamma.value.size;
    if ((inputShape.length !== 2 && inputShape.length !== 4) || inputShape[1] !== features) {
      throw new ShapeError(
        `${this.label}: expected input [n, ${features}] or [n, ${features}, h, w], received ${formatShape(inputShape)}`,
      );
    }
    return [...inputShape];
  }

  forward(x: Tensor, mode: Mode): Tensor {
    this.outputShape(x.shape);
    const { n, features, plane, count } = layout(x.shape);
    if (mode === 'train' && count < 2) {
      throw new ShapeError(
        `${this.label}: training needs at least 2 values per channel for a variance, received ${formatShape(x.shape)}`,
      );
    }
    const y = reuseOrAllocate(this.y, x.shape);
    const backend = getBackend();
    const { mean, zeros, q, sums, dots } = this;
    if (mode === 'train') {
      // μ = Σx / m, then σ² = Σ(x − μ)² / m (two passes: no cancellation)
      backend.sumChannels(x.data, n, features, plane, sums);
      for (let c = 0; c < features; c++) mean[c] = sums[c] / count;
      backend.channelDot(x.data, mean, x.data, mean, n, features, plane, dots);
    }
    for (let c = 0; c < features; c++) {
      let variance = this.runningVar.data[c];
      if (mode === 'train') {
        const deviations = dots[c]; // Σ(x − μ)²
        variance = deviations / count;
        const m = this.momentum;
        // flushed: a channel that stays 0 (a dead ReLU) decays its statistics towards 0 (src/util/float32.ts)
        this.runningMean.data[c] = flushSubnormal((1 - m) * this.runningMean.data[c] + m * mean[c]);
        this.runningVar.data[c] = flushSubnormal(
          (1 - m) * this.runningVar.data[c] + (m * deviations) / (count - 1),
        );
      } else {
        mean[c] = this.runningMean.data[c];
      }
      this.inverseStd[c] = 1 / Math.sqrt(variance + this.eps);
      q[c] = this.gamma.value.data[c] * this.inverseStd[c];
    }
    // y = γ·(x − μ)·inverseStd + β = 0·x + q·(x − μ) + β
    backend.affineChannels(x.data, zeros, x.data, q, mean, this.beta.value.data, n, features, plane, y.data);
    this.x = x;
    this.y = y;
    this.lastMode = mode;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = this.x;
    if (x === undefined) throw new Error(`${this.label}: backward called before forward`);
    if (!sameShape(dy.shape, x.shape)) {
      throw new ShapeError(
        `${this.label}: backward expected dy ${formatShape(x.shape)}, received ${formatShape(dy.shape)}`,
      );
    }
    const { n, features, plane, count } = layout(x.shape);
    const dx = reuseOrAllocate(this.dx, x.shape);
    const backend = getBackend();
    const { mean, zeros, p, q, r, sums, dots } = this;
    // dβ = Σ dy; dγ = Σ dy·x̂ = inverseStd·Σ dy·(x − μ) (x̂ recomputed, not stored by forward)
    backend.sumChannels(dy.data, n, features, plane, sums);
    backend.channelDot(dy.data, zeros, x.data, mean, n, features, plane, dots);
    for (let c = 0; c < features; c++) {
      const inverseStd = this.inverseStd[c];
      const dBeta = sums[c];
      const dGamma = dots[c] * inverseStd;
      this.beta.grad.data[c] = dBeta;
      this.gamma.grad.data[c] = dGamma;
      const scale = this.gamma.value.data[c] * inverseStd;
      p[c] = scale;
      if (this.lastMode === 'train') {
        // dx = γ/(m·σ̂)·(m·dy − dβ − x̂·dγ) = scale·dy + q·(x − μ) + r
        q[c] = (-scale * inverseStd * dGamma) / count;
        r[c] = (-scale * dBeta) / count;
      } else {
        // in eval mode μ and σ² are constants, so x̂ is affine in x and dx is dy scaled
        q[c] = 0;
        r[c] = 0;
      }
    }
    backend.affineChannels(dy.data, p, x.data, q, mean, r, n, features, plane, dx.data);
    this.dx = dx;
    return dx;
  }

  params(): Param[] {
    return [this.gamma, this.beta];
  }

  buffers(): NamedTensor[] {
    return [
      { name: 'runningMean', value: this.runningMean },
      { name: 'runningVar', value: this.runningVar },
    ];
  }
}

// [n, c] is [n, c, 1, 1]: one loop serves both, over `plane` values per sample and channel.
function layout(shape: readonly number[]): { n: number; features: number; plane: number; count: number } {
  const plane = shape.length === 4 ? shape[2] * shape[3] : 1;
  return { n: shape[0], features: shape[1], plane, count: shape[0] * plane };
}
