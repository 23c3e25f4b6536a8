// Max pooling for the wasm backend: the loops of src/backend/reference/pool.ts (the specification),
// four output columns at a time with SIMD compares and selects where windows lie inside the plane
// (which element wins is unpredictable, so branches would mispredict), with plain loads instead of
// gathers for 2×2 stride-2 windows; and its backward. Pointers are byte addresses.

/** y = the maximum of each k×k window (clipped to the plane) of `planes` H×W planes; argmax its index into x. */
export function maxPool2d(
  planes: i32,
  height: i32,
  width: i32,
  kernelSize: i32,
  stride: i32,
  pad: i32,
  x: usize,
  y: usize,
  argmax: usize,
): void {
  const outH = (height + 2 * pad - kernelSize) / stride + 1;
  const outW = (width + 2 * pad - kernelSize) / stride + 1;
  // output columns whose windows need no clipping: ox·stride − pad ≥ 0 and ox·stride − pad + k ≤ width
  const inside0 = min(outW, (pad + stride - 1) / stride);
  const inside1 = max(inside0, min(outW, (width + pad - kernelSize) / stride + 1));
  const laneSteps = i32x4(0, stride, 2 * stride, 3 * stride);
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * height * width;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = max(0, oy * stride - pad);
      const y1 = min(height, oy * stride - pad + kernelSize);
      const out = <usize>((plane * outH + oy) * outW);
      let ox = 0;
      for (; ox < inside0; ox++) poolOne(x, y, argmax, base, width, y0, y1, ox, kernelSize, stride, pad, out);
      if (kernelSize === 2 && stride === 2) {
        for (; ox + 4 <= inside1; ox += 4) poolFourPairs(x, y, argmax, base, width, y0, y1, ox, pad, out);
        // a partial last group: redo the last four inside windows (outputs do not depend on each other)
        if (ox < inside1 && inside1 - 4 >= inside0) {
          poolFourPairs(x, y, argmax, base, width, y0, y1, inside1 - 4, pad, out);
          ox = inside1;
        }
      }
      for (; ox + 4 <= inside1; ox += 4) {
        const first = base + y0 * width + ox * stride - pad; // window (ox)'s top-left pixel
        let bestIndex = i32x4.add(i32x4.splat(first), laneSteps);
        let best = gather(x, bestIndex);
        for (let iy = y0; iy < y1; iy++) {
          for (let kx = 0; kx < kernelSize; kx++) {
            const index = i32x4.add(i32x4.splat(base + iy * width + ox * stride - pad + kx), laneSteps);
            const value = gather(x, index);
            const better = f32x4.gt(value, best);
            best = v128.bitselect(value, best, better);
            bestIndex = v128.bitselect(index, bestIndex, better);
          }
        }
        v128.store(y + ((out + <usize>ox) << 2), best);
        v128.store(argmax + ((out + <usize>ox) << 2), bestIndex);
      }
      for (; ox < outW; ox++) poolOne(x, y, argmax, base, width, y0, y1, ox, kernelSize, stride, pad, out);
    }
  }
}

// Four 2×2 stride-2 windows side by side (the common pooling): each of their rows is 8 adjacent
// pixels, two loads split into the windows' left (even) and right (odd) columns, instead of gathers.
// Same visiting order and strict comparison as the general loop, so the same element wins ties.
// @ts-ignore: decorator
@inline
function poolFourPairs(
  x: usize,
  y: usize,
  argmax: usize,
  base: i32,
  width: i32,
  y0: i32,
  y1: i32,
  ox: i32,
  pad: i32,
  out: usize,
): void {
  const evenSteps = i32x4(0, 2, 4, 6);
  const one = i32x4.splat(1);
  let best = f32x4.splat(0);
  let bestIndex = i32x4.splat(0);
  for (let iy = y0; iy < y1; iy++) {
    const first = base + iy * width + ox * 2 - pad;
    const row = x + ((<usize>first) << 2);
    const left = v128.load(row);
    const right = v128.load(row, 16);
    const even = v128.shuffle<f32>(left, right, 0, 2, 4, 6);
    const odd = v128.shuffle<f32>(left, right, 1, 3, 5, 7);
    const evenIndex = i32x4.add(i32x4.splat(first), evenSteps);
    if (iy === y0) {
      best = even;
      bestIndex = evenIndex;
    } else {
      const better = f32x4.gt(even, best);
      best = v128.bitselect(even, best, better);
      bestIndex = v128.bitselect(evenIndex, bestIndex, better);
    }
    const better = f32x4.gt(odd, best);
    best = v128.bitselect(odd, best, better);
    bestIndex = v128.bitselect(i32x4.add(evenIndex, one), bestIndex, better);
  }
  v128.store(y + ((out + <usize>ox) << 2), best);
  v128.store(argmax + ((out + <usize>ox) << 2), bestIndex);
}

// x at four element indices.
// @ts-ignore: decorator
@inline
function gather(x: usize, index: v128): v128 {
  let value = f32x4.splat(load<f32>(x + ((<usize>i32x4.extract_lane(index, 0)) << 2)));
  value = f32x4.replace_lane(value, 1, load<f32>(x + ((<usize>i32x4.extract_lane(index, 1)) << 2)));
  value = f32x4.replace_lane(value, 2, load<f32>(x + ((<usize>i32x4.extract_lane(index, 2)) << 2)));
  return f32x4.replace_lane(value, 3, load<f32>(x + ((<usize>i32x4.extract_lane(index, 3)) << 2)));
}

// One output element, its window clipped to the plane: the reference loop.
function poolOne(
  x: usize,
  y: usize,
  argmax: usize,
  base: i32,
  width: i32,
  y0: i32,
  y1: i32,
  ox: i32,
  kernelSize: i32,
  stride: i32,
  pad: i32,
  out: usize,
): void {
  const x0 = max(0, ox * stride - pad);
  const x1 = min(width, ox * stride - pad + kernelSize);
  let best = base + y0 * width + x0;
  let bestValue = load<f32>(x + ((<usize>best) << 2));
  for (let iy = y0; iy < y1; iy++) {
    const row = base + iy * width;
    for (let i = row + x0; i < row + x1; i++) {
      const value = load<f32>(x + ((<usize>i) << 2));
      const better = value > bestValue;
      best = select<i32>(i, best, better);
      bestValue = select<f32>(value, bestValue, better);
    }
  }
  store<i32>(argmax + ((out + <usize>ox) << 2), best);
  store<f32>(y + ((out + <usize>ox) << 2), bestValue);
}

/**
 * Max pooling's backward for planes first … last − 1: each dx plane (planeSize floats) is zeroed, then
 * dx[argmax[i]] += dy[i] for that plane's outputs (outputSize each). An index outside dx's `dxSize`
 * floats is skipped rather than written (argmax comes from maxPool2d; this keeps memory safe anyway).
 */
export function maxPool2dBackward(
  planeSize: i32,
  outputSize: i32,
  dy: usize,
  argmax: usize,
  dx: usize,
  dxSize: i32,
  first: i32,
  last: i32,
): void {
  const zero = f32x4.splat(0);
  const start = <usize>first * <usize>planeSize;
  const end = <usize>last * <usize>planeSize;
  let i = start;
  for (; i + 4 <= end; i += 4) v128.store(dx + (i << 2), zero);
  for (; i < end; i++) store<f32>(dx + (i << 2), 0);
  const outEnd = <usize>last * <usize>outputSize;
  for (let o = <usize>first * <usize>outputSize; o < outEnd; o++) {
    const target = <u32>load<i32>(argmax + (o << 2));
    if (target >= <u32>dxSize) continue;
    const at = dx + ((<usize>target) << 2);
    store<f32>(at, load<f32>(at) + load<f32>(dy + (o << 2)));
  }
}

/**
 * The first entry of argmax [planes · outputSize] outside its own plane — plane p's entries must lie in
 * [p·planeSize, (p + 1)·planeSize) — or -1: maxPool2dBackward's argument check, four entries per compare.
 */
export function firstArgmaxOutside(planes: i32, outputSize: i32, planeSize: i32, argmax: usize): i32 {
  const size = i32x4.splat(planeSize);
  for (let p = 0; p < planes; p++) {
    const low = p * planeSize;
    const lows = i32x4.splat(low);
    const first = <usize>p * <usize>outputSize;
    const end = first + <usize>outputSize;
    // index − low, compared unsigned: below low wraps around to a large value
    let bad = i32x4.splat(0);
    let o = first;
    for (; o + 4 <= end; o += 4)
      bad = v128.or(bad, i32x4.ge_u(i32x4.sub(v128.load(argmax + (o << 2)), lows), size));
    for (; o < end; o++) {
      if (<u32>(load<i32>(argmax + (o << 2)) - low) >= <u32>planeSize) return <i32>o;
    }
    if (!v128.any_true(bad)) continue;
    for (o = first; o < end; o++) {
      if (<u32>(load<i32>(argmax + (o << 2)) - low) >= <u32>planeSize) return <i32>o;
    }
  }
  return -1;
}
