// Elementwise kernels of a training step, SIMD128 with scalar tails: LeakyReLU and its backward, the
// bias gradients (sum over rows; per channel), a convolution's bias fill, batch norm's per-channel
// sums and affine maps, and the SGD / Momentum / Adam updates. Pointers are byte addresses.
// The optimizer states (velocity, Adam's m and v) are flushed: a value below 2⁻¹²⁶ is stored as 0
// (flushSubnormal in assembly/simd.ts says why).

import { flushSubnormal, flushSubnormalScalar } from './simd';

/** y = x > 0 ? x : alpha·x over n elements. */
export function leakyRelu(x: usize, y: usize, n: i32, alpha: f32): void {
  const va = f32x4.splat(alpha);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = (<usize>i) << 2;
    const v = v128.load(x + offset);
    v128.store(y + offset, v128.bitselect(v, f32x4.mul(v, va), f32x4.gt(v, zero)));
  }
  for (; i < n; i++) {
    const offset = (<usize>i) << 2;
    const v = load<f32>(x + offset);
    store<f32>(y + offset, v > 0 ? v : alpha * v);
  }
}

/** dx = x > 0 ? dy : alpha·dy over n elements (alpha at x = 0, as the seed). */
export function leakyReluBackward(x: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  const va = f32x4.splat(alpha);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = (<usize>i) << 2;
    const d = v128.load(dy + offset);
    v128.store(dx + offset, v128.bitselect(d, f32x4.mul(d, va), f32x4.gt(v128.load(x + offset), zero)));
  }
  for (; i < n; i++) {
    const offset = (<usize>i) << 2;
    const d = load<f32>(dy + offset);
    store<f32>(dx + offset, load<f32>(x + offset) > 0 ? d : alpha * d);
  }
}

/** out[j] = Σ_r m[r·cols + j] for a rows×cols matrix (the bias gradient, summed over the batch). */
export function sumRows(m: usize, rows: i32, cols: i32, out: usize): void {
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let s = f32x4.splat(0);
    let p = m + ((<usize>j) << 2);
    const step = (<usize>cols) << 2;
    for (let r = 0; r < rows; r++) {
      s = f32x4.add(s, v128.load(p));
      p += step;
    }
    v128.store(out + ((<usize>j) << 2), s);
  }
  for (; j < cols; j++) {
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += load<f32>(m + ((<usize>r * <usize>cols + <usize>j) << 2));
    store<f32>(out + ((<usize>j) << 2), s);
  }
}

/**
 * Rows first … last − 1 of y [images·channels, pixels] (NCHW with pixels = H·W): row r = n·channels + c
 * gets values[c] everywhere (a convolution's bias).
 */
export function fillChannels(
  values: usize,
  channels: i32,
  pixels: i32,
  y: usize,
  first: i32,
  last: i32,
): void {
  for (let row = first; row < last; row++) {
    const value = f32x4.splat(load<f32>(values + ((<usize>(row % channels)) << 2)));
    const out = y + ((<usize>row * <usize>pixels) << 2);
    let p = 0;
    for (; p + 4 <= pixels; p += 4) v128.store(out + ((<usize>p) << 2), value);
    for (; p < pixels; p++) store<f32>(out + ((<usize>p) << 2), f32x4.extract_lane(value, 0));
  }
}

/**
 * out[c] = Σ_{n, p} m[n][c][p] for channels first … last − 1 of m [images, channels, pixels]
 * (a convolution's bias gradient), summed in float64.
 */
export function sumChannels(
  m: usize,
  images: i32,
  channels: i32,
  pixels: i32,
  out: usize,
  first: i32,
  last: i32,
): void {
  for (let c = first; c < last; c++) {
    let low = f64x2.splat(0);
    let high = f64x2.splat(0);
    let scalar: f64 = 0;
    for (let n = 0; n < images; n++) {
      const row = m + ((<usize>(n * channels + c) * <usize>pixels) << 2);
      let p = 0;
      for (; p + 4 <= pixels; p += 4) {
        const v = v128.load(row + ((<usize>p) << 2));
        low = f64x2.add(low, f64x2.promote_low_f32x4(v));
        high = f64x2.add(high, f64x2.promote_low_f32x4(v128.shuffle<u32>(v, v, 2, 3, 0, 1)));
      }
      for (; p < pixels; p++) scalar += <f64>load<f32>(row + ((<usize>p) << 2));
    }
    store<f32>(out + ((<usize>c) << 2), <f32>(laneSum(f64x2.add(low, high)) + scalar));
  }
}

/**
 * out[c] = Σ_{n, p} (a[n][c][p] − aShift[c])·(b[n][c][p] − bShift[c]) for channels first … last − 1
 * of a, b [images, channels, pixels], summed in float64: batch norm's Σ(x − μ)² and Σ dy·(x − μ).
 */
export function channelDot(
  a: usize,
  aShift: usize,
  b: usize,
  bShift: usize,
  images: i32,
  channels: i32,
  pixels: i32,
  out: usize,
  first: i32,
  last: i32,
): void {
  for (let c = first; c < last; c++) {
    const sa = load<f32>(aShift + ((<usize>c) << 2));
    const sb = load<f32>(bShift + ((<usize>c) << 2));
    const va = f32x4.splat(sa);
    const vb = f32x4.splat(sb);
    let low = f64x2.splat(0);
    let high = f64x2.splat(0);
    let scalar: f64 = 0;
    for (let n = 0; n < images; n++) {
      const offset = (<usize>(n * channels + c) * <usize>pixels) << 2;
      const rowA = a + offset;
      const rowB = b + offset;
      let p = 0;
      for (; p + 4 <= pixels; p += 4) {
        const at = (<usize>p) << 2;
        const product = f32x4.mul(f32x4.sub(v128.load(rowA + at), va), f32x4.sub(v128.load(rowB + at), vb));
        low = f64x2.add(low, f64x2.promote_low_f32x4(product));
        high = f64x2.add(high, f64x2.promote_low_f32x4(v128.shuffle<u32>(product, product, 2, 3, 0, 1)));
      }
      for (; p < pixels; p++) {
        const at = (<usize>p) << 2;
        scalar += <f64>((load<f32>(rowA + at) - sa) * (load<f32>(rowB + at) - sb));
      }
    }
    store<f32>(out + ((<usize>c) << 2), <f32>(laneSum(f64x2.add(low, high)) + scalar));
  }
}

/**
 * Rows first … last − 1 of out [images·channels, pixels]: out = p[c]·a + q[c]·(b − m[c]) + r[c], row
 * r = n·channels + c of a, b alike (batch norm's forward, p = 0, and backward).
 */
export function affineChannels(
  a: usize,
  p: usize,
  b: usize,
  q: usize,
  m: usize,
  r: usize,
  channels: i32,
  pixels: i32,
  out: usize,
  first: i32,
  last: i32,
): void {
  for (let row = first; row < last; row++) {
    const c = (<usize>(row % channels)) << 2;
    const sp = load<f32>(p + c);
    const sq = load<f32>(q + c);
    const sm = load<f32>(m + c);
    const sr = load<f32>(r + c);
    const vp = f32x4.splat(sp);
    const vq = f32x4.splat(sq);
    const vm = f32x4.splat(sm);
    const vr = f32x4.splat(sr);
    const offset = (<usize>row * <usize>pixels) << 2;
    let i = 0;
    for (; i + 4 <= pixels; i += 4) {
      const at = offset + ((<usize>i) << 2);
      const scaled = f32x4.mul(vp, v128.load(a + at));
      const centred = f32x4.mul(vq, f32x4.sub(v128.load(b + at), vm));
      v128.store(out + at, f32x4.add(f32x4.add(scaled, centred), vr));
    }
    for (; i < pixels; i++) {
      const at = offset + ((<usize>i) << 2);
      store<f32>(out + at, sp * load<f32>(a + at) + sq * (load<f32>(b + at) - sm) + sr);
    }
  }
}

// @ts-ignore: decorator
@inline
function laneSum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Momentum: v = momentum·v − lr·g (flushed); w += v, over n elements. */
export function momentumUpdate(w: usize, v: usize, g: usize, n: i32, lr: f32, momentum: f32): void {
  momentumSpan(w, v, g, n, lr, momentum);
}

// v = momentum·v − rate·g (flushed); w += v over n elements: the Momentum update, and one row of its
// outer-product form. Two vectors per iteration: with one, the flush's three operations per vector made
// the loop 27% slower than without them (the seed's W1 on Zen 3), with two 8%.
// @ts-ignore: decorator
@inline function momentumSpan(w: usize, v: usize, g: usize, n: i32, rate: f32, momentum: f32): void {
  const vr = f32x4.splat(rate);
  const vm = f32x4.splat(momentum);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    momentumVector(w, v, g, (<usize>i) << 2, vr, vm);
    momentumVector(w, v, g, ((<usize>i) << 2) + 16, vr, vm);
  }
  for (; i + 4 <= n; i += 4) momentumVector(w, v, g, (<usize>i) << 2, vr, vm);
  for (; i < n; i++) {
    const offset = (<usize>i) << 2;
    const velocity = flushSubnormalScalar(momentum * load<f32>(v + offset) - rate * load<f32>(g + offset));
    store<f32>(v + offset, velocity);
    store<f32>(w + offset, load<f32>(w + offset) + velocity);
  }
}

// momentumSpan on the 4 floats at byte offset `offset` of w, v and g.
// @ts-ignore: decorator
@inline function momentumVector(w: usize, v: usize, g: usize, offset: usize, vr: v128, vm: v128): void {
  const velocity = flushSubnormal(
    f32x4.sub(f32x4.mul(vm, v128.load(v + offset)), f32x4.mul(vr, v128.load(g + offset))),
  );
  v128.store(v + offset, velocity);
  v128.store(w + offset, f32x4.add(v128.load(w + offset), velocity));
}

/** Plain SGD: w −= lr·g over n elements. */
export function sgdUpdate(w: usize, g: usize, n: i32, lr: f32): void {
  const vl = f32x4.splat(lr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = (<usize>i) << 2;
    v128.store(w + offset, f32x4.sub(v128.load(w + offset), f32x4.mul(vl, v128.load(g + offset))));
  }
  for (; i < n; i++) {
    const offset = (<usize>i) << 2;
    store<f32>(w + offset, load<f32>(w + offset) - lr * load<f32>(g + offset));
  }
}

/**
 * Momentum with the gradient of an Affine layer at batch 1, the outer product g = xᵀ·dy, never stored:
 * for w and v [rows, cols], v[i][j] = momentum·v[i][j] − lr·x[i]·dy[j] (flushed); w[i][j] += v[i][j].
 * A row whose input x[i] is 0 and whose velocity is all 0 stays as it is (w += 0) and is only read: in
 * the seed's MNIST epoch about a third of W1's rows, pixels dark for the last ~800 images, whose
 * velocity the flush has brought to exactly 0.
 */
export function momentumOuterUpdate(
  w: usize,
  v: usize,
  x: usize,
  dy: usize,
  rows: i32,
  cols: i32,
  lr: f32,
  momentum: f32,
): void {
  for (let i = 0; i < rows; i++) {
    // row i of the gradient is x[i]·dy: the Momentum update with rate lr·x[i] and gradient dy
    const rate = lr * load<f32>(x + ((<usize>i) << 2));
    const row = (<usize>i * <usize>cols) << 2;
    if (rate === 0 && allZero(v + row, cols)) continue;
    momentumSpan(w + row, v + row, dy, cols, rate, momentum);
  }
}

// True when the n floats at p are all +0 (bits zero), reading 64 bytes at a time until one is not.
function allZero(p: usize, n: i32): bool {
  const end = p + ((<usize>n) << 2);
  let at = p;
  for (; at + 64 <= end; at += 64) {
    const any = v128.or(
      v128.or(v128.load(at), v128.load(at, 16)),
      v128.or(v128.load(at, 32), v128.load(at, 48)),
    );
    if (v128.any_true(any)) return false;
  }
  for (; at < end; at += 4) if (load<u32>(at) !== 0) return false;
  return true;
}

// Adam on the 4 floats at byte address `offset` of every array (the constants splatted by adamUpdate).
// @ts-ignore: decorator
@inline function adamVector(
  w: usize,
  m: usize,
  v: usize,
  g: usize,
  offset: usize,
  b1: v128,
  c1: v128,
  b2: v128,
  c2: v128,
  vl: v128,
  ve: v128,
): void {
  const grad = v128.load(g + offset);
  const mean = flushSubnormal(f32x4.add(f32x4.mul(b1, v128.load(m + offset)), f32x4.mul(c1, grad)));
  const square = flushSubnormal(
    f32x4.add(f32x4.mul(b2, v128.load(v + offset)), f32x4.mul(c2, f32x4.mul(grad, grad))),
  );
  v128.store(m + offset, mean);
  v128.store(v + offset, square);
  const step = f32x4.div(f32x4.mul(vl, mean), f32x4.add(f32x4.sqrt(square), ve));
  v128.store(w + offset, f32x4.sub(v128.load(w + offset), step));
}

/**
 * Adam with the bias correction folded into lr: m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g² (both flushed);
 * w −= lr·m / (√v + epsilon), over n elements.
 */
export function adamUpdate(
  w: usize,
  m: usize,
  v: usize,
  g: usize,
  n: i32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  epsilon: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(1 - beta2);
  const vl = f32x4.splat(lr);
  const ve = f32x4.splat(epsilon);
  let i = 0;
  // two vectors per iteration, as momentumSpan: with one, the flushes made this loop 45% slower than
  // without them (421,642 floats on Zen 3), with two 20%
  for (; i + 8 <= n; i += 8) {
    adamVector(w, m, v, g, (<usize>i) << 2, b1, c1, b2, c2, vl, ve);
    adamVector(w, m, v, g, ((<usize>i) << 2) + 16, b1, c1, b2, c2, vl, ve);
  }
  for (; i + 4 <= n; i += 4) adamVector(w, m, v, g, (<usize>i) << 2, b1, c1, b2, c2, vl, ve);
  for (; i < n; i++) {
    const offset = (<usize>i) << 2;
    const grad = load<f32>(g + offset);
    const mean = flushSubnormalScalar(beta1 * load<f32>(m + offset) + (1 - beta1) * grad);
    const square = flushSubnormalScalar(beta2 * load<f32>(v + offset) + (1 - beta2) * (grad * grad));
    store<f32>(m + offset, mean);
    store<f32>(v + offset, square);
    store<f32>(w + offset, load<f32>(w + offset) - (lr * mean) / (Mathf.sqrt(square) + epsilon));
  }
}
