// Convolution of a batch of CHW images for the wasm backend, any stride: the layouts the kernels read,
// the weight gradient and the input gradient's phases, without im2col columns. The images are copied
// once with their zero border, and for a stride s > 1 split into its phases (phasePlanes): phase
// (py, px) holds the pixels (j·s + py, i·s + px) of the padded image, so the pixels a tap reads for
// neighbouring outputs are neighbours in one phase and every kernel reads them as for stride 1; only
// the tap offsets change (tapOffsets). The forward kernels are in conv2d_panels.ts (8-pixel im2col
// panels over these planes, weights packed by packConvWeights) and winograd.ts (3×3 at stride 1). Weight
// gradient: dy is packed into 8-filter panels [pixels][8] and a 4-tap × 8-filter register block sums
// dy[f, p]·x[tap at p] over every pixel of every image; (filter block, tap block) pairs are the items,
// so no two threads write the same weight. Input gradient: for each phase of the stride, a stride-1
// convolution of dy with the flipped taps of that phase through the panels' forward kernel
// (packInputGradPhase), then the phases interleaved into dx (interleavePhases; at stride 1 there is
// one, written in place).

import { madd, transpose4x4Store } from './simd';

// Planes [first, last) of `src` [planes, H, W] copied into `dst` [planes, H + 2p, W + 2p] with a zero
// border of `pad` pixels: phasePlanes and placePlanes when there is nothing else to do.
function padPlanes(height: i32, width: i32, pad: i32, src: usize, dst: usize, first: i32, last: i32): void {
  const paddedH = height + 2 * pad;
  const paddedW = width + 2 * pad;
  for (let plane = first; plane < last; plane++) {
    for (let py = 0; py < paddedH; py++) {
      const row = dst + ((<usize>(plane * paddedH + py) * <usize>paddedW) << 2);
      const iy = py - pad;
      if (iy < 0 || iy >= height) {
        for (let px = 0; px < paddedW; px++) store<f32>(row + ((<usize>px) << 2), 0);
        continue;
      }
      for (let px = 0; px < pad; px++) {
        store<f32>(row + ((<usize>px) << 2), 0);
        store<f32>(row + ((<usize>(paddedW - 1 - px)) << 2), 0);
      }
      const line = src + ((<usize>(plane * height + iy) * <usize>width) << 2);
      const to = row + ((<usize>pad) << 2);
      let x = 0;
      for (; x + 4 <= width; x += 4) v128.store(to + ((<usize>x) << 2), v128.load(line + ((<usize>x) << 2)));
      for (; x < width; x++) store<f32>(to + ((<usize>x) << 2), load<f32>(line + ((<usize>x) << 2)));
    }
  }
}

/**
 * Planes [first, last) of `src` [planes, H, W], zero-padded by `pad`, split into the phases of `stride`:
 * dst [planes, phases, phases, phaseH, phaseW] with `dst[plane][py][px][j][i] = x[plane][j·stride + py −
 * pad][i·stride + px − pad]` (zero outside the image). A tap (ky, kx) of output (oy, ox) reads padded
 * pixel (oy·s + ky, ox·s + kx) = phase (ky mod s, kx mod s), pixel (oy + ⌊ky/s⌋, ox + ⌊kx/s⌋): for
 * outputs side by side, pixels side by side. phases = min(stride, k) (phases ≥ k are never read),
 * phaseH = outH + ⌊(k − 1)/s⌋ (phaseW alike). With stride 1 this is the padded image.
 */
export function phasePlanes(
  height: i32,
  width: i32,
  stride: i32,
  pad: i32,
  phases: i32,
  phaseH: i32,
  phaseW: i32,
  src: usize,
  dst: usize,
  first: i32,
  last: i32,
): void {
  if (stride === 1) {
    padPlanes(height, width, pad, src, dst, first, last); // phaseH = outH + k − 1 = height + 2·pad
    return;
  }
  if (stride === 2 && phases === 2) {
    halfPhasePlanes(height, width, pad, phaseH, phaseW, src, dst, first, last);
    return;
  }
  const phaseBytes = (<usize>phaseH * <usize>phaseW) << 2;
  for (let plane = first; plane < last; plane++) {
    const image = src + ((<usize>plane * <usize>(height * width)) << 2);
    for (let py = 0; py < phases; py++) {
      for (let px = 0; px < phases; px++) {
        const out = dst + <usize>((plane * phases + py) * phases + px) * phaseBytes;
        // columns i with ix = i·stride + px − pad inside the image: [iFirst, iEnd); zeros around them
        const iFirst = min(phaseW, max(0, (pad - px + stride - 1) / stride));
        const iEnd = max(iFirst, min(phaseW, (width - 1 + pad - px) / stride + 1));
        for (let j = 0; j < phaseH; j++) {
          const row = out + ((<usize>(j * phaseW)) << 2);
          const iy = j * stride + py - pad;
          if (iy < 0 || iy >= height) {
            for (let i = 0; i < phaseW; i++) store<f32>(row + ((<usize>i) << 2), 0);
            continue;
          }
          for (let i = 0; i < iFirst; i++) store<f32>(row + ((<usize>i) << 2), 0);
          let from = image + ((<usize>(iy * width + iFirst * stride + px - pad)) << 2);
          const step = (<usize>stride) << 2;
          for (let i = iFirst; i < iEnd; i++) {
            store<f32>(row + ((<usize>i) << 2), load<f32>(from));
            from += step;
          }
          for (let i = iEnd; i < phaseW; i++) store<f32>(row + ((<usize>i) << 2), 0);
        }
      }
    }
  }
}

// phasePlanes for stride 2 (and k ≥ 2: four phases), image row by image row: row iy is row
// j = (iy + pad) >> 1 of the phases py = (iy + pad) & 1; its even pixels 2e go to phase px = pad & 1 at
// column e + (pad >> 1), its odd pixels 2e + 1 to the other phase at e + ((pad + 1) >> 1). Eight pixels
// are split into four even and four odd ones at a time; the planes are zeroed first (the border).
function halfPhasePlanes(
  height: i32,
  width: i32,
  pad: i32,
  phaseH: i32,
  phaseW: i32,
  src: usize,
  dst: usize,
  first: i32,
  last: i32,
): void {
  const phaseFloats = phaseH * phaseW;
  const pxEven = pad & 1;
  const shiftEven = pad >> 1;
  const shiftOdd = (pad + 1) >> 1;
  const zero = f32x4.splat(0);
  for (let plane = first; plane < last; plane++) {
    const out = dst + ((<usize>(plane * 4 * phaseFloats)) << 2);
    const end = out + ((<usize>(4 * phaseFloats)) << 2);
    let at = out;
    for (; at + 16 <= end; at += 16) v128.store(at, zero);
    for (; at < end; at += 4) store<f32>(at, 0);
    const image = src + ((<usize>(plane * height * width)) << 2);
    for (let iy = 0; iy < height; iy++) {
      const j = (iy + pad) >> 1;
      if (j >= phaseH) break;
      const py = (iy + pad) & 1;
      const line = image + ((<usize>(iy * width)) << 2);
      const evenRow = out + ((<usize>(((py * 2 + pxEven) * phaseH + j) * phaseW + shiftEven)) << 2);
      const oddRow = out + ((<usize>(((py * 2 + 1 - pxEven) * phaseH + j) * phaseW + shiftOdd)) << 2);
      // pixels 2e and 2e + 1 land at columns e + shift: inside the phase while e + shift < phaseW
      let e = 0;
      for (; 2 * e + 8 <= width && e + 4 + shiftOdd <= phaseW && e + 4 + shiftEven <= phaseW; e += 4) {
        const a = v128.load(line + ((<usize>(2 * e)) << 2));
        const b = v128.load(line + ((<usize>(2 * e)) << 2), 16);
        v128.store(evenRow + ((<usize>e) << 2), f32x4.shuffle(a, b, 0, 2, 4, 6));
        v128.store(oddRow + ((<usize>e) << 2), f32x4.shuffle(a, b, 1, 3, 5, 7));
      }
      for (let ix = 2 * e; ix < width; ix++) {
        const half = ix >> 1;
        if ((ix & 1) === 0) {
          if (half + shiftEven < phaseW)
            store<f32>(evenRow + ((<usize>half) << 2), load<f32>(line + ((<usize>ix) << 2)));
        } else if (half + shiftOdd < phaseW) {
          store<f32>(oddRow + ((<usize>half) << 2), load<f32>(line + ((<usize>ix) << 2)));
        }
      }
    }
  }
}

/**
 * Planes [first, last) of `src` [planes, H, W] placed into dst [planes, outH, outW] from (pad, pad):
 * `dst[plane][pad + y][pad + x] = src[plane][y][x]`, zero everywhere else (`pad` may be negative, and
 * pixels that land outside dst are dropped). The input gradient's dy, ready for its convolution; with
 * outH = H + 2·pad, the padded image.
 */
export function placePlanes(
  height: i32,
  width: i32,
  pad: i32,
  outH: i32,
  outW: i32,
  src: usize,
  dst: usize,
  first: i32,
  last: i32,
): void {
  if (pad >= 0 && outH === height + 2 * pad && outW === width + 2 * pad) {
    padPlanes(height, width, pad, src, dst, first, last);
    return;
  }
  for (let plane = first; plane < last; plane++) {
    const out = dst + ((<usize>plane * <usize>(outH * outW)) << 2);
    const image = src + ((<usize>plane * <usize>(height * width)) << 2);
    for (let j = 0; j < outH; j++) {
      const row = out + ((<usize>(j * outW)) << 2);
      const y = j - pad;
      if (y < 0 || y >= height) {
        for (let i = 0; i < outW; i++) store<f32>(row + ((<usize>i) << 2), 0);
        continue;
      }
      const line = image + ((<usize>(y * width)) << 2);
      for (let i = 0; i < outW; i++) {
        const x = i - pad;
        store<f32>(row + ((<usize>i) << 2), x >= 0 && x < width ? load<f32>(line + ((<usize>x) << 2)) : 0);
      }
    }
  }
}

/**
 * Planes [first, last) of dst [planes, H, W] gathered back from their phases: `dst[plane][y][x] =
 * src[py][px][plane][j][i]` where y + pad = j·stride + py and x + pad = i·stride + px, and 0 where py
 * or px ≥ phases (src [phases, phases, allPlanes, phaseH, phaseW], `phaseFloats` = allPlanes·phaseH·phaseW
 * floats a phase). The input gradient's last step for a stride > 1.
 */
export function interleavePhases(
  height: i32,
  width: i32,
  stride: i32,
  pad: i32,
  phases: i32,
  phaseH: i32,
  phaseW: i32,
  phaseFloats: i32,
  src: usize,
  dst: usize,
  first: i32,
  last: i32,
): void {
  const step = (<usize>stride) << 2;
  for (let plane = first; plane < last; plane++) {
    const out = dst + ((<usize>plane * <usize>(height * width)) << 2);
    const phased = src + ((<usize>plane * <usize>(phaseH * phaseW)) << 2);
    for (let y = 0; y < height; y++) {
      const row = out + ((<usize>(y * width)) << 2);
      const py = (y + pad) % stride;
      const j = (y + pad) / stride;
      // the pixels x ≡ px − pad (mod stride) of the row, x = i·stride + px − pad, from phase (py, px)
      for (let px = 0; px < stride; px++) {
        const xFirst = (px - pad + stride) % stride; // the first x ≥ 0 of this phase
        const iFirst = (xFirst + pad) / stride;
        let to = row + ((<usize>xFirst) << 2);
        const end = row + ((<usize>width) << 2);
        if (py >= phases || px >= phases) {
          for (; to < end; to += step) store<f32>(to, 0);
          continue;
        }
        const phase = phased + ((<usize>(py * phases + px) * <usize>phaseFloats) << 2);
        let from = phase + ((<usize>(j * phaseW + iFirst)) << 2);
        for (; to < end; to += step) {
          store<f32>(to, load<f32>(from));
          from += 4;
        }
      }
    }
  }
}

/**
 * The byte offset of every tap t = (c·k + ky)·k + kx in one image's planes as phasePlanes lays them out
 * ([C, phases, phases, phaseH, phaseW], phases = min(stride, k)), written as i32 at `offsets`: the tap
 * of output pixel (oy, ox) lives at image + offsets[t] + (oy·phaseW + ox)·4.
 */
export function tapOffsets(
  channels: i32,
  kernelSize: i32,
  stride: i32,
  phaseH: i32,
  phaseW: i32,
  offsets: usize,
): void {
  const phases = min(stride, kernelSize);
  for (let c = 0; c < channels; c++) {
    for (let ky = 0; ky < kernelSize; ky++) {
      for (let kx = 0; kx < kernelSize; kx++) {
        const t = (c * kernelSize + ky) * kernelSize + kx;
        const phase = (c * phases + (ky % stride)) * phases + (kx % stride);
        const at = (phase * phaseH + ky / stride) * phaseW + kx / stride;
        store<i32>(offsets + ((<usize>t) << 2), at << 2);
      }
    }
  }
}

/**
 * Packs W [F, taps] into ceil(F/4) panels [taps][4] at `panels` (panel g, tap t, lane r: W[4g + r][t];
 * missing filters zero).
 */
export function packConvWeights(filters: i32, taps: i32, weights: usize, panels: usize): void {
  const zero = f32x4.splat(0);
  const rowBytes = (<usize>taps) << 2;
  for (let g = 0; g < (filters + 3) / 4; g++) {
    const rows = min(4, filters - 4 * g);
    const w0 = weights + <usize>(4 * g) * rowBytes; // W[4g][0]
    const panel = panels + ((<usize>(g * taps)) << 4);
    // four taps of the panel's four filters at a time: a 4×4 transpose in registers
    let t = 0;
    for (; t + 4 <= taps; t += 4) {
      const at = w0 + ((<usize>t) << 2);
      transpose4x4Store(
        v128.load(at),
        rows > 1 ? v128.load(at + rowBytes) : zero,
        rows > 2 ? v128.load(at + 2 * rowBytes) : zero,
        rows > 3 ? v128.load(at + 3 * rowBytes) : zero,
        panel + ((<usize>t) << 4),
        16,
      );
    }
    for (; t < taps; t++) {
      for (let r = 0; r < 4; r++) {
        const value: f32 = r < rows ? load<f32>(w0 + <usize>r * rowBytes + ((<usize>t) << 2)) : 0;
        store<f32>(panel + ((<usize>t) << 4) + ((<usize>r) << 2), value);
      }
    }
  }
}

/**
 * Packs the weight panels and tap offsets of one phase (py, px) of the input gradient's convolution;
 * returns its tap count. For a stride s, the pixels y + pad = j·s + py of dx (and the same across)
 * collect dy[j − m] · W[py + s·m] over m < ⌈(k − py)/s⌉: a stride-1 convolution of dy, placed
 * M − 1 − ⌊pad/s⌋ rows and columns into planes [F, placedH, placedW] (M = ⌈k/s⌉), whose filters are
 * the channels c and whose taps (f, my, mx) read W[f][c][py + s·my][px + s·mx] at row and column
 * offsets (M − 1 − my, M − 1 − mx), output row j − ⌊pad/s⌋. At stride 1 there is one phase: dy
 * padded by k − 1 − pad, convolved with W flipped (channels and filters swapped). Panels as
 * packConvWeights packs them, offsets as tapOffsets writes them; C zeros at `zeroBias` (no bias).
 */
export function packInputGradPhase(
  filters: i32,
  channels: i32,
  kernelSize: i32,
  stride: i32,
  py: i32,
  px: i32,
  placedH: i32,
  placedW: i32,
  weights: usize,
  panels: usize,
  offsets: usize,
  zeroBias: usize,
): i32 {
  const m = (kernelSize + stride - 1) / stride;
  const mH = (kernelSize - py + stride - 1) / stride; // the phase's taps down and across
  const mW = (kernelSize - px + stride - 1) / stride;
  const taps = filters * mH * mW;
  // tap t = (f·mH + ry)·mW + rx, with my = mH − 1 − ry and mx = mW − 1 − rx: offsets ascend with t
  for (let f = 0; f < filters; f++) {
    for (let ry = 0; ry < mH; ry++) {
      for (let rx = 0; rx < mW; rx++) {
        const t = (f * mH + ry) * mW + rx;
        const at = (f * placedH + m - mH + ry) * placedW + m - mW + rx;
        store<i32>(offsets + ((<usize>t) << 2), at << 2);
      }
    }
  }
  for (let g = 0; g < (channels + 3) / 4; g++) {
    const panel = panels + ((<usize>(g * taps)) << 4);
    for (let r = 0; r < 4; r++) {
      const c = 4 * g + r;
      for (let f = 0; f < filters; f++) {
        for (let ry = 0; ry < mH; ry++) {
          const ky = py + stride * (mH - 1 - ry);
          for (let rx = 0; rx < mW; rx++) {
            const t = (f * mH + ry) * mW + rx;
            const tap = ((f * channels + c) * kernelSize + ky) * kernelSize + px + stride * (mW - 1 - rx);
            const value: f32 = c < channels ? load<f32>(weights + ((<usize>tap) << 2)) : 0;
            store<f32>(panel + ((<usize>t) << 4) + ((<usize>r) << 2), value);
          }
        }
      }
    }
  }
  for (let c = 0; c < channels; c++) store<f32>(zeroBias + ((<usize>c) << 2), 0);
  return taps;
}

/**
 * Items [first, last) of packing dy [n, F, pixels] into panels [n, ceil(F/8), pixels, 8] (item = image ·
 * ceil(F/8) + filter block; lane r of pixel p holds dy[image, 8·block + r, p], missing filters zero).
 */
export function packGradientPanels(
  filters: i32,
  pixels: i32,
  dy: usize,
  panels: usize,
  first: i32,
  last: i32,
): void {
  const blocks = (filters + 7) / 8;
  const zero = f32x4.splat(0);
  for (let item = first; item < last; item++) {
    const image = item / blocks;
    const f0 = (item - image * blocks) * 8;
    const dst = panels + ((<usize>item * <usize>pixels) << 5);
    // row r of the block: dy[image, f0 + r, :], or none past the last filter
    const rows = dy + ((<usize>(image * filters + f0) * <usize>pixels) << 2);
    const stride = (<usize>pixels) << 2;
    const valid = min(8, filters - f0);
    let p = 0;
    for (; p + 4 <= pixels; p += 4) {
      const at = rows + ((<usize>p) << 2);
      const x0 = v128.load(at);
      const x1 = valid > 1 ? v128.load(at + stride) : zero;
      const x2 = valid > 2 ? v128.load(at + 2 * stride) : zero;
      const x3 = valid > 3 ? v128.load(at + 3 * stride) : zero;
      transpose4x4Store(x0, x1, x2, x3, dst + ((<usize>p) << 5), 32);
      const x4 = valid > 4 ? v128.load(at + 4 * stride) : zero;
      const x5 = valid > 5 ? v128.load(at + 5 * stride) : zero;
      const x6 = valid > 6 ? v128.load(at + 6 * stride) : zero;
      const x7 = valid > 7 ? v128.load(at + 7 * stride) : zero;
      transpose4x4Store(x4, x5, x6, x7, dst + ((<usize>p) << 5) + 16, 32);
    }
    for (; p < pixels; p++) {
      for (let r = 0; r < 8; r++) {
        const value: f32 = r < valid ? load<f32>(rows + <usize>r * stride + ((<usize>p) << 2)) : 0;
        store<f32>(dst + ((<usize>p) << 5) + ((<usize>r) << 2), value);
      }
    }
  }
}

/**
 * Items [first, last) of dW [F, taps] = Σ_images Σ_pixels dy[image, f, p] · x[tap at p], with the images'
 * planes as phasePlanes lays them out, the tap offsets of tapOffsets and the dy panels of packGradientPanels.
 * Item = filter block (8 filters) · ceil(taps/4) + tap block (4 taps); its 4×8 sums live in `sums`
 * (32 floats per item) while the images go by in blocks of rows (about 256 pixels, whose 8 KB of dy
 * panel stay in L1 while every item of the chunk reads them), then are written into dW.
 */
export function conv2dWeightGradItems(
  images: i32,
  imageFloats: i32,
  rowFloats: i32,
  outH: i32,
  outW: i32,
  filters: i32,
  taps: i32,
  planes: usize,
  offsets: usize,
  dyPanels: usize,
  sums: usize,
  dW: usize,
  first: i32,
  last: i32,
): void {
  const pixels = outH * outW;
  const tapBlocks = (taps + 3) / 4;
  const filterBlocks = (filters + 7) / 8;
  const imageBytes = (<usize>imageFloats) << 2;
  const rowStep = (<usize>(rowFloats - outW)) << 2; // from the end of one output row to the next row's start
  const blockRows = max(1, 256 / outW);
  const zero = f32x4.splat(0);
  for (let item = first; item < last; item++) {
    const s = sums + ((<usize>item) << 7);
    for (let q: usize = 0; q < 128; q += 16) v128.store(s + q, zero);
  }
  for (let image = 0; image < images; image++) {
    const imageAt = planes + <usize>image * imageBytes;
    for (let oy0 = 0; oy0 < outH; oy0 += blockRows) {
      const oy1 = min(outH, oy0 + blockRows);
      for (let item = first; item < last; item++) {
        const fb = item / tapBlocks;
        const t0 = (item - fb * tapBlocks) * 4;
        // taps past the last one read tap 0 (valid memory); their sums are never written out
        const a0 = imageAt + <usize>load<i32>(offsets + ((<usize>t0) << 2));
        const a1 = imageAt + <usize>load<i32>(offsets + ((<usize>(t0 + 1 < taps ? t0 + 1 : 0)) << 2));
        const a2 = imageAt + <usize>load<i32>(offsets + ((<usize>(t0 + 2 < taps ? t0 + 2 : 0)) << 2));
        const a3 = imageAt + <usize>load<i32>(offsets + ((<usize>(t0 + 3 < taps ? t0 + 3 : 0)) << 2));
        const s = sums + ((<usize>item) << 7);
        let c00 = v128.load(s);
        let c01 = v128.load(s, 16);
        let c10 = v128.load(s, 32);
        let c11 = v128.load(s, 48);
        let c20 = v128.load(s, 64);
        let c21 = v128.load(s, 80);
        let c30 = v128.load(s, 96);
        let c31 = v128.load(s, 112);
        // the dy panel of (image, fb) from pixel oy0·outW
        let bp = dyPanels + ((<usize>((image * filterBlocks + fb) * pixels + oy0 * outW)) << 5);
        let at: usize = (<usize>(oy0 * rowFloats)) << 2; // byte offset of pixel (oy, ox) in a plane
        for (let oy = oy0; oy < oy1; oy++) {
          const rowEnd = at + ((<usize>outW) << 2);
          for (; at < rowEnd; at += 4) {
            const b0 = v128.load(bp);
            const b1 = v128.load(bp, 16);
            let av = v128.load32_splat(a0 + at);
            c00 = madd(av, b0, c00);
            c01 = madd(av, b1, c01);
            av = v128.load32_splat(a1 + at);
            c10 = madd(av, b0, c10);
            c11 = madd(av, b1, c11);
            av = v128.load32_splat(a2 + at);
            c20 = madd(av, b0, c20);
            c21 = madd(av, b1, c21);
            av = v128.load32_splat(a3 + at);
            c30 = madd(av, b0, c30);
            c31 = madd(av, b1, c31);
            bp += 32;
          }
          at += rowStep;
        }
        v128.store(s, c00);
        v128.store(s, c01, 16);
        v128.store(s, c10, 32);
        v128.store(s, c11, 48);
        v128.store(s, c20, 64);
        v128.store(s, c21, 80);
        v128.store(s, c30, 96);
        v128.store(s, c31, 112);
      }
    }
  }
  // sums[item] row r (tap t0 + r), lane l (filter 8·fb + l) → dW[8·fb + l][t0 + r]
  for (let item = first; item < last; item++) {
    const fb = item / tapBlocks;
    const t0 = (item - fb * tapBlocks) * 4;
    const s = sums + ((<usize>item) << 7);
    for (let r = 0; r < min(4, taps - t0); r++) {
      for (let l = 0; l < min(8, filters - 8 * fb); l++) {
        const value = load<f32>(s + ((<usize>(r * 8 + l)) << 2));
        store<f32>(dW + ((<usize>((8 * fb + l) * taps + t0 + r)) << 2), value);
      }
    }
  }
}
