// Reference elementwise kernels of a training step, in plain TypeScript: the specification the wasm
// versions must agree with. The optimizer updates compute in float32, one rounding per operation
// (`f` = Math.fround), in the order the wasm kernels do, so the two backends agree bit for bit; their
// states are flushed (a value below 2⁻¹²⁶ is stored as 0: src/util/float32.ts says why).

import { flushSubnormal } from '../../util/float32.js';
import {
  checkAffineChannelsArguments,
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

/** out[c] = Σ_{n, p} (a[n][c][p] − aShift[c])·(b[n][c][p] − bShift[c]): batch norm's sums. */
export function channelDot(
  a: Float32Array,
  aShift: Float32Array,
  b: Float32Array,
  bShift: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  out: Float32Array,
): void {
  checkChannelArguments('channelDot', a, images, channels, pixels, aShift);
  checkChannelArguments('channelDot', b, images, channels, pixels, bShift);
  checkChannelArguments('channelDot', a, images, channels, pixels, out);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let n = 0; n < images; n++) {
      const offset = (n * channels + c) * pixels;
      for (let i = offset; i < offset + pixels; i++) sum += (a[i] - aShift[c]) * (b[i] - bShift[c]);
    }
    out[c] = sum;
  }
}

/** out[n][c][p] = p[c]·a[n][c][p] + q[c]·(b[n][c][p] − m[c]) + r[c]: batch norm's forward and backward. */
export function affineChannels(
  a: Float32Array,
  p: Float32Array,
  b: Float32Array,
  q: Float32Array,
  m: Float32Array,
  r: Float32Array,
  images: number,
  channels: number,
  pixels: number,
  out: Float32Array,
): void {
  checkAffineChannelsArguments(a, p, b, q, m, r, images, channels, pixels, out);
  for (let n = 0; n < images; n++) {
    for (let c = 0; c < channels; c++) {
      const offset = (n * channels + c) * pixels;
      for (let i = offset; i < offset + pixels; i++) out[i] = p[c] * a[i] + q[c] * (b[i] - m[c]) + r[c];
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
