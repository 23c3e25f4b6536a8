// Direct stride-1 convolution of one CHW image for the wasm backend (no im2col columns): the image is
// copied once with its zero border, the weights are packed into 4-filter panels, and a 4-filter ×
// 8-pixel register block (the GEMM micro-kernel's shape, assembly/gemm.ts) reads its 8 pixels for each
// tap (c, ky, kx) straight from the padded image. Rows of output pixels are the parallel-for items.

/**
 * Prepares a convolution: scratch gets the padded image [C, H + 2p, W + 2p], the weights W [F, C·k·k]
 * as ceil(F/4) panels [C·k·k][4] (missing filters zero) and the byte offset of every tap in the padded
 * image, each part 16-byte aligned. Returns the padded image's byte address (the parts follow).
 */
export function prepareConv2d(
  channels: i32, height: i32, width: i32, filters: i32, kernelSize: i32, pad: i32,
  image: usize, weights: usize, scratch: usize,
): usize {
  const paddedH = height + 2 * pad;
  const paddedW = width + 2 * pad;
  const padded = alignUp(scratch);
  // the padded image: zero border, rows copied
  for (let c = 0; c < channels; c++) {
    for (let py = 0; py < paddedH; py++) {
      const row = padded + ((<usize>(c * paddedH + py) * <usize>paddedW) << 2);
      const iy = py - pad;
      if (iy < 0 || iy >= height) {
        for (let px = 0; px < paddedW; px++) store<f32>(row + (<usize>px << 2), 0);
        continue;
      }
      for (let px = 0; px < pad; px++) {
        store<f32>(row + (<usize>px << 2), 0);
        store<f32>(row + (<usize>(paddedW - 1 - px) << 2), 0);
      }
      const line = image + ((<usize>(c * height + iy) * <usize>width) << 2);
      const to = row + (<usize>pad << 2);
      let x = 0;
      for (; x + 4 <= width; x += 4) v128.store(to + (<usize>x << 2), v128.load(line + (<usize>x << 2)));
      for (; x < width; x++) store<f32>(to + (<usize>x << 2), load<f32>(line + (<usize>x << 2)));
    }
  }
  const taps = channels * kernelSize * kernelSize;
  const panels = weightPanels(padded, channels, paddedH, paddedW);
  // panel g, tap t, lane r: W[4g + r][t]
  for (let g = 0; g < (filters + 3) / 4; g++) {
    for (let t = 0; t < taps; t++) {
      for (let r = 0; r < 4; r++) {
        const f = g * 4 + r;
        const value: f32 = f < filters ? load<f32>(weights + ((<usize>(f * taps + t)) << 2)) : 0;
        store<f32>(panels + ((<usize>((g * taps + t) * 4 + r)) << 2), value);
      }
    }
  }
  const offsets = tapOffsets(panels, filters, taps);
  for (let c = 0; c < channels; c++) {
    for (let ky = 0; ky < kernelSize; ky++) {
      for (let kx = 0; kx < kernelSize; kx++) {
        const t = (c * kernelSize + ky) * kernelSize + kx;
        store<i32>(offsets + (<usize>t << 2), ((c * paddedH + ky) * paddedW + kx) << 2);
      }
    }
  }
  return padded;
}

/** Bytes of scratch prepareConv2d needs (with slack for alignment). */
export function conv2dScratchBytes(channels: i32, height: i32, width: i32, filters: i32, kernelSize: i32, pad: i32): i32 {
  const taps = channels * kernelSize * kernelSize;
  return ((channels * (height + 2 * pad) * (width + 2 * pad) + ((filters + 3) / 4) * 4 * taps + taps) << 2) + 48;
}

/**
 * Output rows [firstRow, lastRow) of y [F, outH, outW] (outH = H + 2p − k + 1) = bias + W ∗ image, with
 * `padded` from prepareConv2d.
 */
export function conv2dRows(
  channels: i32, height: i32, width: i32, filters: i32, kernelSize: i32, pad: i32,
  padded: usize, bias: usize, y: usize, firstRow: i32, lastRow: i32,
): void {
  const paddedH = height + 2 * pad;
  const paddedW = width + 2 * pad;
  const outH = paddedH - kernelSize + 1;
  const outW = paddedW - kernelSize + 1;
  const taps = channels * kernelSize * kernelSize;
  const panels = weightPanels(padded, channels, paddedH, paddedW);
  const offsets = tapOffsets(panels, filters, taps);
  const offsetsEnd = offsets + (<usize>taps << 2);
  const plane = <usize>(outH * outW) << 2;
  for (let g = 0; g < (filters + 3) / 4; g++) {
    const panel = panels + ((<usize>(g * taps)) << 4);
    const rows = min(4, filters - 4 * g);
    const yPanel = y + <usize>(4 * g) * plane;
    for (let oy = firstRow; oy < lastRow; oy++) {
      const inRow = padded + ((<usize>(oy * paddedW)) << 2);
      const outRow = yPanel + ((<usize>(oy * outW)) << 2);
      let ox = 0;
      for (; ox + 8 <= outW; ox += 8) {
        const at = inRow + (<usize>ox << 2);
        let c00 = f32x4.splat(0);
        let c01 = f32x4.splat(0);
        let c10 = f32x4.splat(0);
        let c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0);
        let c21 = f32x4.splat(0);
        let c30 = f32x4.splat(0);
        let c31 = f32x4.splat(0);
        let wp = panel;
        for (let op = offsets; op < offsetsEnd; op += 4) {
          const src = at + <usize>load<i32>(op);
          const b0 = v128.load(src);
          const b1 = v128.load(src, 16);
          let av = v128.load32_splat(wp);
          c00 = f32x4.add(c00, f32x4.mul(av, b0));
          c01 = f32x4.add(c01, f32x4.mul(av, b1));
          av = v128.load32_splat(wp, 4);
          c10 = f32x4.add(c10, f32x4.mul(av, b0));
          c11 = f32x4.add(c11, f32x4.mul(av, b1));
          av = v128.load32_splat(wp, 8);
          c20 = f32x4.add(c20, f32x4.mul(av, b0));
          c21 = f32x4.add(c21, f32x4.mul(av, b1));
          av = v128.load32_splat(wp, 12);
          c30 = f32x4.add(c30, f32x4.mul(av, b0));
          c31 = f32x4.add(c31, f32x4.mul(av, b1));
          wp += 16;
        }
        const out = outRow + (<usize>ox << 2);
        storeBiased(out, c00, c01, bias, 4 * g);
        if (rows > 1) storeBiased(out + plane, c10, c11, bias, 4 * g + 1);
        if (rows > 2) storeBiased(out + 2 * plane, c20, c21, bias, 4 * g + 2);
        if (rows > 3) storeBiased(out + 3 * plane, c30, c31, bias, 4 * g + 3);
      }
      // the last outW mod 8 pixels, one at a time
      for (; ox < outW; ox++) {
        const at = inRow + (<usize>ox << 2);
        for (let r = 0; r < rows; r++) {
          let sum: f32 = 0;
          let wp = panel + (<usize>r << 2);
          for (let op = offsets; op < offsetsEnd; op += 4) {
            sum += load<f32>(wp) * load<f32>(at + <usize>load<i32>(op));
            wp += 16;
          }
          store<f32>(outRow + <usize>r * plane + (<usize>ox << 2), sum + load<f32>(bias + (<usize>(4 * g + r) << 2)));
        }
      }
    }
  }
}

// y[0:8] = lo, hi + bias[filter].
// @ts-ignore: decorator
@inline function storeBiased(y: usize, lo: v128, hi: v128, bias: usize, filter: i32): void {
  const b = v128.load32_splat(bias + (<usize>filter << 2));
  v128.store(y, f32x4.add(lo, b));
  v128.store(y, f32x4.add(hi, b), 16);
}

// Where prepareConv2d put the weight panels and the tap offsets, after the padded image.
// @ts-ignore: decorator
@inline function weightPanels(padded: usize, channels: i32, paddedH: i32, paddedW: i32): usize {
  return alignUp(padded + ((<usize>(channels * paddedH) * <usize>paddedW) << 2));
}
// @ts-ignore: decorator
@inline function tapOffsets(panels: usize, filters: i32, taps: i32): usize {
  return panels + ((<usize>(((filters + 3) / 4) * taps)) << 4);
}
// @ts-ignore: decorator
@inline function alignUp(address: usize): usize {
  return (address + 15) & ~(<usize>15);
}
