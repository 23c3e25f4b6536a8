// Reference elementwise kernels of a training step, in plain TypeScript: the specification the wasm
// versions must agree with. The optimizer updates compute in float32, one rounding per operation
// (`f` = Math.fround), in the order the wasm kernels do, so the two backends agree bit for bit; their
// states are flushed (a value below 2⁻¹²⁶ is stored as 0: src/util/float32.ts says why).

import { flushSubnormal } from '../../util/float32.js';
import {
  checkBatchNormBackwardArguments,
  checkBatchNormForwardArguments,
  checkBatchNormGradientSumsArguments,
  checkBatchNormStatisticsArguments,
  checkChannelArguments,
  checkOuterUpdateArguments,
  checkSameLengths,
  checkSumRowsArguments,
} from '../checks.js';

const f = Math.fround;

/** y = x > 0 ? x : alpha·x. */
export function leakyRelu(x: Float32Array, y: Float32Array, alpha: number): void {
  checkSameLengths('leakyRelu', x, y);
  for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : alpha * x[i];
}

/** dx = x > 0 ? dy : alpha·dy. */
export function leakyReluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, alpha: number): void {
  checkSameLengths('leakyReluBackward', x, dy, dx);
  for (let i = 0; i < x.length; i++) dx[i] = x[i] > 0 ? dy[i] : alpha * dy[i];
}

/** out[j] = Σ_r m[r·cols + j]. */
export function sumRows(m: Float32Array, rows: number, cols: number, out: Float32Array): void {
  checkSumRowsArguments(m, rows, cols, out);
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    for (let j = 0; j < cols; j++) out[j] += m[offset + j];
  }
}

/** y[n][c][p] = values[c] for y [images, channels, pixels]: a convolution's bias, before the product adds to it. */
export function fillChannels(
  values: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  y: Float32Array,
): void {
  checkChannelArguments('fillChannels', y, images, channels, pixels, values);
  for (let n = 0; n < images; n++) {
    for (let c = 0; c < channels; c++)
      y.fill(values[c], (n * channels + c) * pixels, (n * channels + c + 1) * pixels);
  }
}

/** out[c] = Σ_{n, p} m[n][c][p] for m [images, channels, pixels]: a convolution's bias gradient. */
export function sumChannels(
  m: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  out: Float32Array,
): void {
  checkChannelArguments('sumChannels', m, images, channels, pixels, out);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let n = 0; n < images; n++) {
      const offset = (n * channels + c) * pixels;
      for (let p = 0; p < pixels; p++) sum += m[offset + p];
    }
    out[c] = sum;
  }
}

// Batch normalisation per channel c of [images, channels, pixels] (src/layers/batch_norm.ts has the
// formulas). Sums in float64, rounded to float32 once.

/** mean[c] = Σ x / m, then squaredDeviations[c] = Σ (x − mean[c])², m = images·pixels. */
export function batchNormStatistics(
  x: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  mean: Float32Array,
  squaredDeviations: Float32Array,
): void {
  checkBatchNormStatisticsArguments(x, images, channels, pixels, mean, squaredDeviations);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let n = 0; n < images; n++) {
      const offset = (n * channels + c) * pixels;
      for (let i = offset; i < offset + pixels; i++) sum += x[i];
    }
    mean[c] = f(sum) / (images * pixels);
    let squares = 0;
    for (let n = 0; n < images; n++) {
      const offset = (n * channels + c) * pixels;
      for (let i = offset; i < offset + pixels; i++) squares += (x[i] - mean[c]) * (x[i] - mean[c]);
    }
    squaredDeviations[c] = squares;
  }
}

/** y = scale[c]·(x − mean[c]) + beta[c]. */
export function batchNormForward(
  x: Float32Array,
  mean: Float32Array,
  scale: Float32Array,
  beta: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  y: Float32Array,
): void {
  checkBatchNormForwardArguments(x, mean, scale, beta, images, channels, pixels, y);
  for (let n = 0; n < images; n++) {
    for (let c = 0; c < channels; c++) {
      const offset = (n * channels + c) * pixels;
      for (let i = offset; i < offset + pixels; i++) y[i] = scale[c] * (x[i] - mean[c]) + beta[c];
    }
  }
}

/** dySums[c] = Σ dy, dyDeviationSums[c] = Σ dy·(x − mean[c]). */
export function batchNormGradientSums(
  dy: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  dySums: Float32Array,
  dyDeviationSums: Float32Array,
): void {
  checkBatchNormGradientSumsArguments(dy, x, mean, images, channels, pixels, dySums, dyDeviationSums);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let products = 0;
    for (let n = 0; n < images; n++) {
      const offset = (n * channels + c) * pixels;
      for (let i = offset; i < offset + pixels; i++) {
        sum += dy[i];
        products += dy[i] * (x[i] - mean[c]);
      }
    }
    dySums[c] = sum;
    dyDeviationSums[c] = products;
  }
}

/** dx = dyScale[c]·dy + deviationScale[c]·(x − mean[c]) + shift[c]. */
export function batchNormBackward(
  dy: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  dyScale: Float32Array,
  deviationScale: Float32Array,
  shift: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  dx: Float32Array,
): void {
  checkBatchNormBackwardArguments(dy, x, mean, dyScale, deviationScale, shift, images, channels, pixels, dx);
  for (let n = 0; n < images; n++) {
    for (let c = 0; c < channels; c++) {
      const offset = (n * channels + c) * pixels;
      for (let i = offset; i < offset + pixels; i++)
        dx[i] = dyScale[c] * dy[i] + deviationScale[c] * (x[i] - mean[c]) + shift[c];
    }
  }
}

/** v = momentum·v − lr·g (flushed); w += v. */
export function momentumUpdate(
  w: Float32Array,
  v: Float32Array,
  g: Float32Array,
  lr: number,
  momentum: number,
): void {
  checkSameLengths('momentumUpdate', w, v, g);
  const [rate, mu] = [f(lr), f(momentum)];
  for (let i = 0; i < w.length; i++) {
    v[i] = flushSubnormal(f(mu * v[i]) - f(rate * g[i]));
    w[i] += v[i];
  }
}

/**
 * v = momentum·v − lr·xᵀ·dy (flushed); w += v, for w and v [x.length, dy.length]. A row with x[i] = 0
 * and a velocity of +0s (the flush never stores −0) is left alone: its update adds 0.
 */
export function momentumOuterUpdate(
  w: Float32Array,
  v: Float32Array,
  x: Float32Array,
  dy: Float32Array,
  lr: number,
  momentum: number,
): void {
  checkOuterUpdateArguments(w, v, x, dy);
  const mu = f(momentum);
  const cols = dy.length;
  for (let i = 0; i < x.length; i++) {
    const rate = f(f(lr) * x[i]); // row i of the gradient is x[i]·dy: Momentum with rate lr·x[i]
    if (rate === 0 && allZero(v, i * cols, (i + 1) * cols)) continue;
    for (let j = 0; j < cols; j++) {
      const at = i * cols + j;
      v[at] = flushSubnormal(f(mu * v[at]) - f(rate * dy[j]));
      w[at] += v[at];
    }
  }
}

/** True when a[start … end − 1] are all +0. */
function allZero(a: Float32Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!Object.is(a[i], 0)) return false;
  return true;
}

/** m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g² (both flushed); w −= lr·m / (√v + epsilon). */
export function adamUpdate(
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  lr: number,
  beta1: number,
  beta2: number,
  epsilon: number,
): void {
  checkSameLengths('adamUpdate', w, m, v);
  checkSameLengths('adamUpdate', w, g);
  const [rate, b1, b2, eps] = [f(lr), f(beta1), f(beta2), f(epsilon)];
  const [c1, c2] = [f(1 - b1), f(1 - b2)];
  for (let i = 0; i < w.length; i++) {
    m[i] = flushSubnormal(f(b1 * m[i]) + f(c1 * g[i]));
    v[i] = flushSubnormal(f(b2 * v[i]) + f(c2 * f(g[i] * g[i])));
    w[i] -= f(f(rate * m[i]) / f(f(Math.sqrt(v[i])) + eps));
  }
}

/** w −= lr·g. */
export function sgdUpdate(w: Float32Array, g: Float32Array, lr: number): void {
  checkSameLengths('sgdUpdate', w, g);
  const rate = f(lr);
  for (let i = 0; i < w.length; i++) w[i] -= f(rate * g[i]);
}
