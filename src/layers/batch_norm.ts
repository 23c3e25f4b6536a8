// Batch normalisation (Ioffe & Szegedy 2015) per channel c of [n, c, h, w] (or feature of [n, f]), over
// the m = n·h·w values of that channel:
//   μ = Σ x / m,   σ² = Σ (x − μ)² / m,   x̂ = (x − μ) / √(σ² + ε),   y = γ·x̂ + β
//   dβ = Σ dy,   dγ = Σ dy·x̂,   dx = γ / (m·√(σ² + ε)) · (m·dy − dβ − x̂·dγ)
// Training uses the batch's μ and σ² (and moves the running ones); evaluation uses the running ones.
// The passes over the batch are backend kernels named for what they compute (batchNormStatistics,
// batchNormForward, batchNormGradientSums, batchNormBackward); the per-channel arithmetic is here.

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
  /** 1/√(σ² + ε) per channel, of the statistics the last forward used (float64). */
  private readonly inverseStd: Float64Array;
  /**
   * Per-channel vectors the kernels read or write, rows of one tensor (so they live where tensors do,
   * in wasm memory on the wasm backend): μ of the last forward, Σ(x − μ)², γ/√(σ² + ε), Σ dy,
   * Σ dy·(x − μ), and backward's two other factors.
   */
  private readonly channelRows: Tensor;
  private readonly mean: Float32Array;
  private readonly squaredDeviations: Float32Array;
  private readonly scale: Float32Array;
  private readonly dySums: Float32Array;
  private readonly dyDeviationSums: Float32Array;
  private readonly deviationScale: Float32Array;
  private readonly shift: Float32Array;
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
    [
      this.mean,
      this.squaredDeviations,
      this.scale,
      this.dySums,
      this.dyDeviationSums,
      this.deviationScale,
      this.shift,
    ] = [0, 1, 2, 3, 4, 5, 6].map(row);
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
    const { mean, squaredDeviations, scale } = this;
    const gamma = this.gamma.value.data;
    const runningMean = this.runningMean.data;
    const runningVar = this.runningVar.data;
    // μ = Σx / m and Σ(x − μ)² per channel, over the m = n·h·w values of the batch (two passes: no cancellation)
    if (mode === 'train') backend.batchNormStatistics(x.data, n, features, plane, mean, squaredDeviations);
    for (let c = 0; c < features; c++) {
      let variance: number;
      if (mode === 'train') {
        variance = squaredDeviations[c] / count; // σ² (biased)
        // running = (1 − momentum)·running + momentum·batch, with the unbiased variance Σ(x − μ)²/(m − 1);
        // flushed: a channel that stays 0 (a dead ReLU) decays its statistics towards 0 (src/util/float32.ts)
        const momentum = this.momentum;
        runningMean[c] = flushSubnormal((1 - momentum) * runningMean[c] + momentum * mean[c]);
        runningVar[c] = flushSubnormal(
          (1 - momentum) * runningVar[c] + (momentum * squaredDeviations[c]) / (count - 1),
        );
      } else {
        mean[c] = runningMean[c];
        variance = runningVar[c];
      }
      this.inverseStd[c] = 1 / Math.sqrt(variance + this.eps);
      scale[c] = gamma[c] * this.inverseStd[c];
    }
    // y = γ·x̂ + β with x̂ = (x − μ)/√(σ² + ε), i.e. y = scale·(x − μ) + β
    backend.batchNormForward(x.data, mean, scale, this.beta.value.data, n, features, plane, y.data);
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
    const { mean, scale, dySums, dyDeviationSums, deviationScale, shift } = this;
    // dβ = Σ dy; dγ = Σ dy·x̂ = Σ dy·(x − μ) / √(σ² + ε) (x̂ recomputed, not stored by forward)
    backend.batchNormGradientSums(dy.data, x.data, mean, n, features, plane, dySums, dyDeviationSums);
    for (let c = 0; c < features; c++) {
      const inverseStd = this.inverseStd[c];
      const dBeta = dySums[c];
      const dGamma = dyDeviationSums[c] * inverseStd;
      this.beta.grad.data[c] = dBeta;
      this.gamma.grad.data[c] = dGamma;
      const dyScale = this.gamma.value.data[c] * inverseStd; // γ/√(σ² + ε), forward's scale
      scale[c] = dyScale;
      if (this.lastMode === 'train') {
        // dx = γ/(m·√(σ² + ε))·(m·dy − dβ − x̂·dγ)
        //    = dyScale·dy − (dyScale·dγ/(m·√(σ² + ε)))·(x − μ) − dyScale·dβ/m
        deviationScale[c] = (-dyScale * inverseStd * dGamma) / count;
        shift[c] = (-dyScale * dBeta) / count;
      } else {
        // in eval mode μ and σ² are constants, so x̂ is affine in x and dx = dyScale·dy
        deviationScale[c] = 0;
        shift[c] = 0;
      }
    }
    backend.batchNormBackward(
      dy.data,
      x.data,
      mean,
      scale,
      deviationScale,
      shift,
      n,
      features,
      plane,
      dx.data,
    );
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
