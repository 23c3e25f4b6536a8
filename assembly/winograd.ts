// The forward 3×3 stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray,
// "Fast Algorithms for Convolutional Neural Networks", 2015): each 2×2 block of output pixels (a tile)
// is computed from the 4×4 input patch under it with 16 multiplications per (filter, channel) pair
// instead of 36, in three steps:
//   U = G·g·Gᵀ      each filter's 3×3 kernel g for each channel, 4×4 (once per call: winogradWeights)
//   V = Bᵀ·d·B      each tile's 4×4 input patch d for each channel, 4×4
//   M[ξ] = Σ_c U[ξ][k][c] · V[ξ][c][tile]   16 independent products, one per position ξ of the 4×4
//   y = Aᵀ·M·A      the tile's 2×2 outputs for each filter (+ bias, then the activation)
// with
//   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  Aᵀ = [1 1 1 0; 0 1 −1 −1].
// The products run on the GEMM micro-kernel's shape (8 filters × 4 tiles in registers). Work is split
// into blocks of 4 tiles, each block transformed, multiplied and transformed back in its own scratch
// (winogradBlocks), so that a block's data never leaves L1. U is laid out [16][⌈K/8⌉][C][8].

import { madd, transpose4x4Store } from './simd';

// The 16 matrices U[ξ], V[ξ] and M[ξ] lie 64 bytes more than their size apart: their sizes are often
// multiples of 4 KB (U of 128 filters × 128 channels: 64 KB), and 16 stores or loads at such a stride
// all fall into one set of the L1 cache and evict each other (the weight transform of that layer ran
// 4× slower).
// @ts-ignore: decorator
@inline function uXiBytes(filters: i32, channels: i32): usize {
  return ((<usize>(((filters + 7) >> 3) * channels)) << 5) + 64;
}
// @ts-ignore: decorator
@inline function vXiBytes(channels: i32): usize {
  return ((<usize>channels) << 4) + 64;
}
// @ts-ignore: decorator
@inline function mXiBytes(filters: i32): usize {
  return ((<usize>((filters + 7) >> 3)) << 7) + 64;
}

/** Bytes of U for W [filters, channels, 3, 3] (winogradWeights). */
export function winogradWeightBytes(filters: i32, channels: i32): i32 {
  return <i32>(16 * uXiBytes(filters, channels));
}

/** Bytes of one 4-tile block's V and M (winogradBlocks' scratch holds `group` of them, plus 320). */
export function winogradBlockBytes(filters: i32, channels: i32): i32 {
  return <i32>(16 * (vXiBytes(channels) + mXiBytes(filters)));
}

/**
 * U for the 4-filter groups [first, last) of W [K, C, 3, 3]: U[ξ][k/8][c][k%8] (ξ = 4i + j of the
 * 4×4 U = G·g·Gᵀ), zero for filters k ≥ K up to the next multiple of 8.
 */
export function winogradWeights(
  filters: i32,
  channels: i32,
  weights: usize,
  u: usize,
  first: i32,
  last: i32,
): void {
  const half = f32x4.splat(0.5);
  const xiStride = uXiBytes(filters, channels); // bytes from U[ξ] to U[ξ + 1]
  const filterBytes = (<usize>(channels * 9)) << 2;
  for (let group = first; group < last; group++) {
    const k0 = group << 2;
    // the group's four filters (a missing one reads the last filter, and its lane is masked to zero)
    const w0 = weights + <usize>min(k0, filters - 1) * filterBytes;
    const w1 = weights + <usize>min(k0 + 1, filters - 1) * filterBytes;
    const w2 = weights + <usize>min(k0 + 2, filters - 1) * filterBytes;
    const w3 = weights + <usize>min(k0 + 3, filters - 1) * filterBytes;
    const real = filters - k0;
    const keep = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(real));
    for (let c = 0; c < channels; c++) {
      const at = (<usize>(c * 9)) << 2;
      // g[t] over lanes l: W[k0 + l][c][t], taps 0–3 and 4–7 by 4×4 transposes, tap 8 lane by lane
      const x0 = v128.load(w0 + at);
      const x1 = v128.load(w1 + at);
      const x2 = v128.load(w2 + at);
      const x3 = v128.load(w3 + at);
      const lo01 = f32x4.shuffle(x0, x1, 0, 4, 1, 5);
      const hi01 = f32x4.shuffle(x0, x1, 2, 6, 3, 7);
      const lo23 = f32x4.shuffle(x2, x3, 0, 4, 1, 5);
      const hi23 = f32x4.shuffle(x2, x3, 2, 6, 3, 7);
      const g0 = v128.and(f32x4.shuffle(lo01, lo23, 0, 1, 4, 5), keep);
      const g1 = v128.and(f32x4.shuffle(lo01, lo23, 2, 3, 6, 7), keep);
      const g2 = v128.and(f32x4.shuffle(hi01, hi23, 0, 1, 4, 5), keep);
      const g3 = v128.and(f32x4.shuffle(hi01, hi23, 2, 3, 6, 7), keep);
      const y0 = v128.load(w0 + at, 16);
      const y1 = v128.load(w1 + at, 16);
      const y2 = v128.load(w2 + at, 16);
      const y3 = v128.load(w3 + at, 16);
      const lo01b = f32x4.shuffle(y0, y1, 0, 4, 1, 5);
      const hi01b = f32x4.shuffle(y0, y1, 2, 6, 3, 7);
      const lo23b = f32x4.shuffle(y2, y3, 0, 4, 1, 5);
      const hi23b = f32x4.shuffle(y2, y3, 2, 6, 3, 7);
      const g4 = v128.and(f32x4.shuffle(lo01b, lo23b, 0, 1, 4, 5), keep);
      const g5 = v128.and(f32x4.shuffle(lo01b, lo23b, 2, 3, 6, 7), keep);
      const g6 = v128.and(f32x4.shuffle(hi01b, hi23b, 0, 1, 4, 5), keep);
      const g7 = v128.and(f32x4.shuffle(hi01b, hi23b, 2, 3, 6, 7), keep);
      let g8 = f32x4.splat(load<f32>(w0 + at, 32));
      g8 = f32x4.replace_lane(g8, 1, load<f32>(w1 + at, 32));
      g8 = f32x4.replace_lane(g8, 2, load<f32>(w2 + at, 32));
      g8 = v128.and(f32x4.replace_lane(g8, 3, load<f32>(w3 + at, 32)), keep);
      // G·g: rows r0 = g row 0, r1 = (g0 + g1 + g2)/2 by rows, r2 = (g0 − g1 + g2)/2, r3 = g row 2
      const s0 = f32x4.add(g0, g6);
      const s1 = f32x4.add(g1, g7);
      const s2 = f32x4.add(g2, g8);
      const a10 = f32x4.mul(f32x4.add(s0, g3), half);
      const a11 = f32x4.mul(f32x4.add(s1, g4), half);
      const a12 = f32x4.mul(f32x4.add(s2, g5), half);
      const a20 = f32x4.mul(f32x4.sub(s0, g3), half);
      const a21 = f32x4.mul(f32x4.sub(s1, g4), half);
      const a22 = f32x4.mul(f32x4.sub(s2, g5), half);
      // (G·g)·Gᵀ, row by row: [a, b, c] → [a, (a + b + c)/2, (a − b + c)/2, c]
      const uAt = u + ((<usize>((k0 >> 3) * channels + c)) << 5) + ((<usize>(k0 & 4)) << 2);
      storeRow(uAt, g0, g1, g2, half, xiStride);
      storeRow(uAt + 4 * xiStride, a10, a11, a12, half, xiStride);
      storeRow(uAt + 8 * xiStride, a20, a21, a22, half, xiStride);
      storeRow(uAt + 12 * xiStride, g6, g7, g8, half, xiStride);
    }
  }
}

// v with lane l set to x.
// @ts-ignore: decorator
@inline function setLane(v: v128, l: i32, x: f32): v128 {
  if (l === 0) return f32x4.replace_lane(v, 0, x);
  if (l === 1) return f32x4.replace_lane(v, 1, x);
  if (l === 2) return f32x4.replace_lane(v, 2, x);
  return f32x4.replace_lane(v, 3, x);
}

// One row of U = (G·g)·Gᵀ from the row [a, b, c] of G·g, its four entries `stride` bytes apart.
// @ts-ignore: decorator
@inline function storeRow(at: usize, a: v128, b: v128, c: v128, half: v128, stride: usize): void {
  const ac = f32x4.add(a, c);
  v128.store(at, a);
  v128.store(at + stride, f32x4.mul(f32x4.add(ac, b), half));
  v128.store(at + 2 * stride, f32x4.mul(f32x4.sub(ac, b), half));
  v128.store(at + 3 * stride, c);
}

/**
 * Tile blocks [first, last) of y [n, K, outH, outW] = act(bias + W ∗ x), a 3×3 kernel at stride 1,
 * act(v) = max(v, slope·v), from x already zero-padded: planes [n, C, height, width] with the pixel
 * (iy, ix) that output (oy, ox)'s window starts at in row oy and column ox, and at least
 * 2·⌈outH/2⌉ + 2 rows and 2·⌈outW/2⌉ + 2 columns (every tile's 4×4 patch inside). Tiles (2×2 output
 * pixels) are numbered image by image, row by row; block b holds tiles 4b … 4b + 3. `u` is
 * winogradWeights' output. Blocks go `group` at a time: all their V, then the 16 products with each
 * panel of U read once for the group, then all their outputs. `scratch` is this chunk's own:
 * group · winogradBlockBytes + 320 bytes.
 */
export function winogradBlocks(
  images: i32,
  channels: i32,
  height: i32,
  width: i32,
  outH: i32,
  outW: i32,
  filters: i32,
  x: usize,
  u: usize,
  bias: usize,
  y: usize,
  slope: f32,
  group: i32,
  scratch: usize,
  first: i32,
  last: i32,
): void {
  const tilesW = (outW + 1) >> 1;
  const tilesPerImage = ((outH + 1) >> 1) * tilesW;
  const tiles = images * tilesPerImage;
  const kBlocks = (filters + 7) >> 3;
  const uXi = uXiBytes(filters, channels);
  const xiStride = vXiBytes(channels); // bytes from V[ξ] to V[ξ + 1]
  const mXi = mXiBytes(filters);
  const vBytes = 16 * xiStride; // a block's V [16][C][4 tiles]
  const mBytes = 16 * mXi; // a block's M [16][4 tiles][⌈K/8⌉·8]
  const v = scratch;
  const m = v + <usize>group * vBytes;
  const rows = m + <usize>group * mBytes; // one block's Bᵀ·d·B columns: [4 j][4 tiles] v128
  const corners = rows + 256; // the block's tiles: [4][plane, iy, ix, real] i32
  const planeBytes = (<usize>(height * width)) << 2;
  for (let g0 = first; g0 < last; g0 += group) {
    const count = min(group, last - g0);
    for (let b = 0; b < count; b++) {
      const t0 = (g0 + b) << 2;
      const vBlock = v + <usize>b * vBytes;
      // each tile's channel-0 plane and patch corner, once for the block: [plane address, iy, ix, real]
      for (let lane = 0; lane < 4; lane++) {
        const t = t0 + lane;
        const image = t / tilesPerImage;
        const inImage = t - image * tilesPerImage;
        const ty = inImage / tilesW;
        const at = corners + ((<usize>lane) << 4);
        store<i32>(at, <i32>(x + <usize>(image * channels) * planeBytes));
        store<i32>(at, ty << 1, 4);
        store<i32>(at, (inImage - ty * tilesW) << 1, 8);
        store<i32>(at, t < tiles ? 1 : 0, 12);
      }
      for (let c = 0; c < channels; c++) {
        const planeOffset = <usize>c * planeBytes;
        for (let lane = 0; lane < 4; lane++) {
          const at = corners + ((<usize>lane) << 4);
          // biome-ignore format: the tile, its plane, the patch's corner, where its columns go
          inputTile(load<i32>(at, 12) !== 0, <usize>load<i32>(at) + planeOffset, width,
            load<i32>(at, 4), load<i32>(at, 8), rows + ((<usize>lane) << 4));
        }
        // rows holds w_j of tile `lane` at (j·4 + lane)·16: transpose each j into V[4i + j][c][lanes]
        const vc = vBlock + ((<usize>c) << 4);
        for (let j = 0; j < 4; j++) {
          const w = rows + ((<usize>j) << 6);
          // biome-ignore format: the four tiles' w_j, then where V[j][c] lies and V[4 + j][c] after it
          transpose4x4Store(v128.load(w), v128.load(w, 16), v128.load(w, 32), v128.load(w, 48),
            vc + <usize>j * xiStride, 4 * xiStride);
        }
      }
    }
    // a last block of one or two tiles (9 tiles of a 6×6 map: 4 + 4 + 1) takes kernels that spend
    // their registers on more filters instead of on the missing tiles
    const lastTiles = min(4, tiles - ((g0 + count - 1) << 2));
    const narrow = lastTiles === 1 ? (kBlocks & 3) === 0 : lastTiles === 2 && (kBlocks & 1) === 0;
    const full = narrow ? count - 1 : count;
    const panelBytes = (<usize>channels) << 5; // from U[ξ][kb] to U[ξ][kb + 1]
    for (let xi = 0; xi < 16; xi++) {
      const uXiAt = u + <usize>xi * uXi;
      for (let kb = 0; kb < kBlocks; kb++) {
        const uAt = uXiAt + <usize>kb * panelBytes;
        for (let b = 0; b < full; b++) {
          const vAt = v + <usize>b * vBytes + <usize>xi * xiStride;
          const mAt = m + <usize>b * mBytes + <usize>xi * mXi + ((<usize>kb) << 5);
          product(uAt, vAt, channels, mAt, (<usize>kBlocks) << 5);
        }
      }
      if (narrow) {
        const vAt = v + <usize>full * vBytes + <usize>xi * xiStride;
        const mAt = m + <usize>full * mBytes + <usize>xi * mXi;
        if (lastTiles === 1) {
          for (let kb = 0; kb < kBlocks; kb += 4) {
            product32x1(uXiAt + <usize>kb * panelBytes, panelBytes, vAt, channels, mAt + ((<usize>kb) << 5));
          }
        } else {
          for (let kb = 0; kb < kBlocks; kb += 2) {
            // biome-ignore format: U, V, then M and its tile stride
            product16x2(uXiAt + <usize>kb * panelBytes, panelBytes, vAt, channels,
              mAt + ((<usize>kb) << 5), (<usize>kBlocks) << 5);
          }
        }
      }
    }
    for (let b = 0; b < count; b++) {
      const mBlock = m + <usize>b * mBytes;
      for (let lane = 0; lane < 4; lane++) {
        const t = ((g0 + b) << 2) + lane;
        if (t >= tiles) break;
        const image = t / tilesPerImage;
        const inImage = t - image * tilesPerImage;
        const ty = inImage / tilesW;
        const tx = inImage - ty * tilesW;
        const mTile = mBlock + ((<usize>(lane * kBlocks)) << 5);
        for (let k0 = 0; k0 < filters; k0 += 4) {
          const yAt = y + ((<usize>(((image * filters + k0) * outH + 2 * ty) * outW + 2 * tx)) << 2);
          // biome-ignore format: arguments grouped as (M), (y), (sizes), (bias, slope)
          outputTile(mTile + ((<usize>k0) << 2), mXi,
            yAt, (<usize>(outH * outW)) << 2, (<usize>outW) << 2,
            min(4, filters - k0), min(2, outH - 2 * ty), min(2, outW - 2 * tx),
            bias + ((<usize>k0) << 2), slope);
        }
      }
    }
  }
}

// Bᵀ·d·B of the 4×4 patch of the (padded) plane at `planeAt`, rows `width` pixels long, whose top-left
// pixel is (iy, ix) (zero when `real` is false: a tile past the last), written as its four columns w_j
// (lanes i: (Bᵀ·d·B)[i][j]) at out + j·64 bytes.
// @ts-ignore: decorator
@inline function inputTile(real: bool, planeAt: usize, width: i32, iy: i32, ix: i32, out: usize): void {
  let d0 = f32x4.splat(0);
  let d1 = f32x4.splat(0);
  let d2 = f32x4.splat(0);
  let d3 = f32x4.splat(0);
  if (real) {
    const row = (<usize>width) << 2;
    const at = planeAt + ((<usize>(iy * width + ix)) << 2);
    d0 = v128.load(at);
    d1 = v128.load(at + row);
    d2 = v128.load(at + 2 * row);
    d3 = v128.load(at + 3 * row);
  }
  // Bᵀ·d by rows (each a vector over the columns)
  const t0 = f32x4.sub(d0, d2);
  const t1 = f32x4.add(d1, d2);
  const t2 = f32x4.sub(d2, d1);
  const t3 = f32x4.sub(d1, d3);
  // transpose: s_j lane i = (Bᵀ·d)[i][j]
  const lo01 = f32x4.shuffle(t0, t1, 0, 4, 1, 5);
  const hi01 = f32x4.shuffle(t0, t1, 2, 6, 3, 7);
  const lo23 = f32x4.shuffle(t2, t3, 0, 4, 1, 5);
  const hi23 = f32x4.shuffle(t2, t3, 2, 6, 3, 7);
  const s0 = f32x4.shuffle(lo01, lo23, 0, 1, 4, 5);
  const s1 = f32x4.shuffle(lo01, lo23, 2, 3, 6, 7);
  const s2 = f32x4.shuffle(hi01, hi23, 0, 1, 4, 5);
  const s3 = f32x4.shuffle(hi01, hi23, 2, 3, 6, 7);
  // ·B by columns
  v128.store(out, f32x4.sub(s0, s2));
  v128.store(out, f32x4.add(s1, s2), 64);
  v128.store(out, f32x4.sub(s2, s1), 128);
  v128.store(out, f32x4.sub(s1, s3), 192);
}

// M[ξ][tile][k0 … k0 + 7] for the block's 4 tiles = Σ_c U[ξ][k0/8][c][0:8] · V[ξ][c][tile]: 8 filters
// (two vectors of U) × 4 tiles (V's values splat) in registers, `mStride` bytes between tiles.
// @ts-ignore: decorator
@inline function product(uAt: usize, vAt: usize, channels: i32, mAt: usize, mStride: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let up = uAt;
  let vp = vAt;
  const end = vAt + ((<usize>channels) << 4);
  while (vp < end) {
    const a0 = v128.load(up);
    const a1 = v128.load(up, 16);
    let b = v128.load32_splat(vp);
    c00 = madd(a0, b, c00);
    c01 = madd(a1, b, c01);
    b = v128.load32_splat(vp, 4);
    c10 = madd(a0, b, c10);
    c11 = madd(a1, b, c11);
    b = v128.load32_splat(vp, 8);
    c20 = madd(a0, b, c20);
    c21 = madd(a1, b, c21);
    b = v128.load32_splat(vp, 12);
    c30 = madd(a0, b, c30);
    c31 = madd(a1, b, c31);
    up += 32;
    vp += 16;
  }
  v128.store(mAt, c00);
  v128.store(mAt, c01, 16);
  v128.store(mAt + mStride, c10);
  v128.store(mAt + mStride, c11, 16);
  v128.store(mAt + 2 * mStride, c20);
  v128.store(mAt + 2 * mStride, c21, 16);
  v128.store(mAt + 3 * mStride, c30);
  v128.store(mAt + 3 * mStride, c31, 16);
}

// product for one tile (lane 0 of V) and 32 filters: the four U panels from uAt, `panelBytes` apart.
// @ts-ignore: decorator
@inline function product32x1(uAt: usize, panelBytes: usize, vAt: usize, channels: i32, mAt: usize): void {
  let c0 = f32x4.splat(0);
  let c1 = f32x4.splat(0);
  let c2 = f32x4.splat(0);
  let c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0);
  let c5 = f32x4.splat(0);
  let c6 = f32x4.splat(0);
  let c7 = f32x4.splat(0);
  const u1 = uAt + panelBytes;
  const u2 = uAt + 2 * panelBytes;
  const u3 = uAt + 3 * panelBytes;
  const end = (<usize>channels) << 5;
  let vp = vAt;
  for (let at: usize = 0; at < end; at += 32) {
    const b = v128.load32_splat(vp);
    c0 = madd(v128.load(uAt + at), b, c0);
    c1 = madd(v128.load(uAt + at, 16), b, c1);
    c2 = madd(v128.load(u1 + at), b, c2);
    c3 = madd(v128.load(u1 + at, 16), b, c3);
    c4 = madd(v128.load(u2 + at), b, c4);
    c5 = madd(v128.load(u2 + at, 16), b, c5);
    c6 = madd(v128.load(u3 + at), b, c6);
    c7 = madd(v128.load(u3 + at, 16), b, c7);
    vp += 16;
  }
  v128.store(mAt, c0);
  v128.store(mAt, c1, 16);
  v128.store(mAt, c2, 32);
  v128.store(mAt, c3, 48);
  v128.store(mAt, c4, 64);
  v128.store(mAt, c5, 80);
  v128.store(mAt, c6, 96);
  v128.store(mAt, c7, 112);
}

// product for two tiles (lanes 0 and 1 of V) and 16 filters: two U panels from uAt, `panelBytes` apart.
// @ts-ignore: decorator
@inline function product16x2(
  uAt: usize,
  panelBytes: usize,
  vAt: usize,
  channels: i32,
  mAt: usize,
  mStride: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c02 = f32x4.splat(0);
  let c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c12 = f32x4.splat(0);
  let c13 = f32x4.splat(0);
  const u1 = uAt + panelBytes;
  const end = (<usize>channels) << 5;
  let vp = vAt;
  for (let at: usize = 0; at < end; at += 32) {
    const a0 = v128.load(uAt + at);
    const a1 = v128.load(uAt + at, 16);
    const a2 = v128.load(u1 + at);
    const a3 = v128.load(u1 + at, 16);
    let b = v128.load32_splat(vp);
    c00 = madd(a0, b, c00);
    c01 = madd(a1, b, c01);
    c02 = madd(a2, b, c02);
    c03 = madd(a3, b, c03);
    b = v128.load32_splat(vp, 4);
    c10 = madd(a0, b, c10);
    c11 = madd(a1, b, c11);
    c12 = madd(a2, b, c12);
    c13 = madd(a3, b, c13);
    vp += 16;
  }
  v128.store(mAt, c00);
  v128.store(mAt, c01, 16);
  v128.store(mAt, c02, 32);
  v128.store(mAt, c03, 48);
  v128.store(mAt + mStride, c10);
  v128.store(mAt + mStride, c11, 16);
  v128.store(mAt + mStride, c12, 32);
  v128.store(mAt + mStride, c13, 48);
}

// y = act(bias + Aᵀ·M·A) of one tile for `count` filters (lanes): M[ξ] at mAt + ξ·xiStride (4 filters
// a vector); y's planes `plane` bytes apart, rows `row` bytes apart; `outRows` × `outCols` of the 2×2
// inside the image.
// @ts-ignore: decorator
@inline function outputTile(
  mAt: usize,
  xiStride: usize,
  yAt: usize,
  plane: usize,
  row: usize,
  count: i32,
  outRows: i32,
  outCols: i32,
  bias: usize,
  slope: f32,
): void {
  // Aᵀ·M: p_j = M[0][j] + M[1][j] + M[2][j], q_j = M[1][j] − M[2][j] − M[3][j] (M[i][j] = M[ξ = 4i + j])
  const r1 = mAt + 4 * xiStride;
  const r2 = mAt + 8 * xiStride;
  const r3 = mAt + 12 * xiStride;
  const m10 = v128.load(r1);
  const m11 = v128.load(r1 + xiStride);
  const m12 = v128.load(r1 + 2 * xiStride);
  const m13 = v128.load(r1 + 3 * xiStride);
  const m20 = v128.load(r2);
  const m21 = v128.load(r2 + xiStride);
  const m22 = v128.load(r2 + 2 * xiStride);
  const m23 = v128.load(r2 + 3 * xiStride);
  const s0 = f32x4.add(m10, m20);
  const s1 = f32x4.add(m11, m21);
  const s2 = f32x4.add(m12, m22);
  const s3 = f32x4.add(m13, m23);
  const p0 = f32x4.add(v128.load(mAt), s0);
  const p1 = f32x4.add(v128.load(mAt + xiStride), s1);
  const p2 = f32x4.add(v128.load(mAt + 2 * xiStride), s2);
  const p3 = f32x4.add(v128.load(mAt + 3 * xiStride), s3);
  const q0 = f32x4.sub(f32x4.sub(m10, m20), v128.load(r3));
  const q1 = f32x4.sub(f32x4.sub(m11, m21), v128.load(r3 + xiStride));
  const q2 = f32x4.sub(f32x4.sub(m12, m22), v128.load(r3 + 2 * xiStride));
  const q3 = f32x4.sub(f32x4.sub(m13, m23), v128.load(r3 + 3 * xiStride));
  // ·A: [a, b, c, d] → [a + b + c, b − c − d]
  let b = f32x4.splat(0);
  if (count === 4) b = v128.load(bias);
  else for (let l = 0; l < count; l++) b = setLane(b, l, load<f32>(bias + ((<usize>l) << 2)));
  const vslope = f32x4.splat(slope);
  const y00 = activate(f32x4.add(f32x4.add(f32x4.add(p0, p1), p2), b), vslope);
  const y01 = activate(f32x4.add(f32x4.sub(f32x4.sub(p1, p2), p3), b), vslope);
  const y10 = activate(f32x4.add(f32x4.add(f32x4.add(q0, q1), q2), b), vslope);
  const y11 = activate(f32x4.add(f32x4.sub(f32x4.sub(q1, q2), q3), b), vslope);
  if (count === 4 && outRows === 2 && outCols === 2) {
    // the whole tile for four filters: lane l to filter l's plane
    storeTileLane(yAt, row, y00, y01, y10, y11, 0);
    storeTileLane(yAt + plane, row, y00, y01, y10, y11, 1);
    storeTileLane(yAt + 2 * plane, row, y00, y01, y10, y11, 2);
    storeTileLane(yAt + 3 * plane, row, y00, y01, y10, y11, 3);
    return;
  }
  for (let l = 0; l < count; l++) {
    const at = yAt + <usize>l * plane;
    store<f32>(at, lane(y00, l));
    if (outCols > 1) store<f32>(at, lane(y01, l), 4);
    if (outRows > 1) {
      store<f32>(at + row, lane(y10, l));
      if (outCols > 1) store<f32>(at + row, lane(y11, l), 4);
    }
  }
}

// The 2×2 outputs of lane l (a constant once inlined) at `at`, rows `row` bytes apart.
// @ts-ignore: decorator
@inline function storeTileLane(
  at: usize,
  row: usize,
  y00: v128,
  y01: v128,
  y10: v128,
  y11: v128,
  l: i32,
): void {
  store<f32>(at, lane(y00, l));
  store<f32>(at, lane(y01, l), 4);
  store<f32>(at + row, lane(y10, l));
  store<f32>(at + row, lane(y11, l), 4);
}

// @ts-ignore: decorator
@inline function activate(v: v128, slope: v128): v128 {
  return f32x4.max(v, f32x4.mul(v, slope));
}

// Lane l of v.
// @ts-ignore: decorator
@inline function lane(v: v128, l: i32): f32 {
  if (l === 0) return f32x4.extract_lane(v, 0);
  if (l === 1) return f32x4.extract_lane(v, 1);
  if (l === 2) return f32x4.extract_lane(v, 2);
  return f32x4.extract_lane(v, 3);
}
