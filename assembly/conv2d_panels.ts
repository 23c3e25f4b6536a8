// The forward convolution as im2col + GEMM, one 8-pixel block at a time: for a block of 8 output
// pixels of one image (pixels numbered p = oy·outW + ox, as y stores them), the patch values every tap
// reads are first gathered into a contiguous panel [taps][8] (the block's 8 columns of im2col), then
// the GEMM micro-kernel (4 filters × 8 pixels, assembly/gemm/packed.ts) runs over that panel once per
// 4-filter weight panel, the panel staying in L1. It replaced a kernel that read the planes at 8
// scattered tap offsets and computed rows of 12 or 6 pixels in partly repeated 8-pixel blocks: the
// detector's 24×24 … 6×6 layers ran at 15–23 GFLOP/s there and at 33–42 here (the register block alone
// reaches 46–48; one thread, Zen 3). The planes, weight panels and tap offsets are those of conv2d.ts
// (phasePlanes, packConvWeights, tapOffsets). The input gradient runs through it too, on dy with the
// weights flipped (packInputGradPhase).

import { madd } from './simd';

/**
 * Blocks [first, last) of the batch (block b = image · ⌈N/8⌉ + block of that image, N = outH·outW) of
 * y [n, F, N] = act(bias + W ∗ image), act(v) = max(v, slope·v); `panel` is this chunk's own scratch of
 * taps·8 floats. Planes, rows `rowFloats` apart, `imageFloats` floats an image, as phasePlanes lays them
 * out; weight panels as packConvWeights packs them; tap byte offsets as tapOffsets writes them.
 */
export function conv2dPanelBlocks(
  imageFloats: i32,
  rowFloats: i32,
  outH: i32,
  outW: i32,
  filters: i32,
  taps: i32,
  planes: usize,
  weightPanels: usize,
  offsets: usize,
  bias: usize,
  y: usize,
  slope: f32,
  panel: usize,
  first: i32,
  last: i32,
): void {
  const pixels = outH * outW;
  const blocks = (pixels + 7) >> 3;
  const plane = (<usize>pixels) << 2;
  const vslope = f32x4.splat(slope);
  for (let item = first; item < last; item++) {
    const image = item / blocks;
    const p = (item - image * blocks) << 3;
    const imageAt = planes + ((<usize>image * <usize>imageFloats) << 2);
    gatherPanel(imageAt, rowFloats, outW, pixels, p, taps, offsets, panel);
    const yAt = y + <usize>(image * filters) * plane + ((<usize>p) << 2);
    const count = min(8, pixels - p);
    for (let g = 0; g < filters; g += 4) {
      // biome-ignore format: arguments grouped as (panels), (output), (bias, slope)
      panelKernel(panel, weightPanels + ((<usize>(g * taps)) << 2), taps,
        yAt + <usize>g * plane, plane, min(4, filters - g), count,
        bias + ((<usize>g) << 2), vslope);
    }
  }
}

// panel[t][j] = the value tap t reads for pixel p + j (j < 8; zero past the last pixel). Pixels are
// taken four at a time: four pixels in one output row are neighbours in the planes (one v128 load per
// tap); a group that wraps to the next row (or runs past the end) is read pixel by pixel.
function gatherPanel(
  imageAt: usize,
  rowFloats: i32,
  outW: i32,
  pixels: i32,
  p: i32,
  taps: i32,
  offsets: usize,
  panel: usize,
): void {
  for (let half = 0; half < 8; half += 4) {
    const q = p + half;
    const oy = q / outW;
    const ox = q - oy * outW;
    const dst = panel + ((<usize>half) << 2);
    if (ox + 4 <= outW && q + 4 <= pixels) {
      const src = imageAt + ((<usize>(oy * rowFloats + ox)) << 2);
      for (let t = 0; t < taps; t++) {
        const offset = <usize>load<i32>(offsets + ((<usize>t) << 2));
        v128.store(dst + ((<usize>t) << 5), v128.load(src + offset));
      }
      continue;
    }
    for (let j = 0; j < 4; j++) {
      const pixel = q + j;
      const column = dst + ((<usize>j) << 2);
      if (pixel >= pixels) {
        for (let t = 0; t < taps; t++) store<f32>(column + ((<usize>t) << 5), 0);
        continue;
      }
      const py = pixel / outW;
      const src = imageAt + ((<usize>(py * rowFloats + pixel - py * outW)) << 2);
      for (let t = 0; t < taps; t++) {
        store<f32>(
          column + ((<usize>t) << 5),
          load<f32>(src + <usize>load<i32>(offsets + ((<usize>t) << 2))),
        );
      }
    }
  }
}

// y[r][0:count] (filters r < rows, `plane` bytes apart) = act(bias[r] + Σ_t weights[t][r] · panel[t][·]).
// @ts-ignore: decorator
@inline function panelKernel(
  panel: usize,
  weights: usize,
  taps: i32,
  out: usize,
  plane: usize,
  rows: i32,
  count: i32,
  bias: usize,
  slope: v128,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let wp = weights;
  let bp = panel;
  const end = weights + ((<usize>taps) << 4);
  while (wp < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load32_splat(wp);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(wp, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(wp, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(wp, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    wp += 16;
    bp += 32;
  }
  storePixels(out, c00, c01, bias, slope, count);
  if (rows > 1) storePixels(out + plane, c10, c11, bias + 4, slope, count);
  if (rows > 2) storePixels(out + 2 * plane, c20, c21, bias + 8, slope, count);
  if (rows > 3) storePixels(out + 3 * plane, c30, c31, bias + 12, slope, count);
}

// y[0:count] = act(the 8 sums (lo, hi) + the bias at `bias`): whole vectors when all 8 pixels exist.
// @ts-ignore: decorator
@inline function storePixels(y: usize, lo: v128, hi: v128, bias: usize, slope: v128, count: i32): void {
  const b = v128.load32_splat(bias);
  let v0 = f32x4.add(lo, b);
  v0 = f32x4.max(v0, f32x4.mul(v0, slope));
  let v1 = f32x4.add(hi, b);
  v1 = f32x4.max(v1, f32x4.mul(v1, slope));
  if (count === 8) {
    v128.store(y, v0);
    v128.store(y, v1, 16);
    return;
  }
  if (count > 0) store<f32>(y, f32x4.extract_lane(v0, 0));
  if (count > 1) store<f32>(y, f32x4.extract_lane(v0, 1), 4);
  if (count > 2) store<f32>(y, f32x4.extract_lane(v0, 2), 8);
  if (count > 3) store<f32>(y, f32x4.extract_lane(v0, 3), 12);
  if (count > 4) store<f32>(y, f32x4.extract_lane(v1, 0), 16);
  if (count > 5) store<f32>(y, f32x4.extract_lane(v1, 1), 20);
  if (count > 6) store<f32>(y, f32x4.extract_lane(v1, 2), 24);
}
