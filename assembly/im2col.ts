// im2col / col2im for the wasm backend: the loops of src/backend/reference/im2col.ts (the
// specification), with each in-image run copied (stride 1) and added with SIMD. Runs are short (an
// output row, 24–96 floats): inline loops, not memory.copy / memory.fill, which V8 compiles to calls
// costing more than the copy. Pointers are byte addresses of the image's and the columns' first element.

/**
 * columns[(c·k + ky)·k + kx][oy·outW + ox] = image[c][oy·stride − pad + ky][ox·stride − pad + kx], zero
 * outside the image; rows of columns are ldColumns floats apart.
 */
export function im2col(
  channels: i32,
  height: i32,
  width: i32,
  kernelSize: i32,
  stride: i32,
  pad: i32,
  image: usize,
  columns: usize,
  ldColumns: i32,
): void {
  const outH = (height + 2 * pad - kernelSize) / stride + 1;
  const outW = (width + 2 * pad - kernelSize) / stride + 1;
  for (let c = 0; c < channels; c++) {
    const plane = image + ((<usize>c * <usize>height * <usize>width) << 2);
    for (let ky = 0; ky < kernelSize; ky++) {
      for (let kx = 0; kx < kernelSize; kx++) {
        const row = columns + ((<usize>((c * kernelSize + ky) * kernelSize + kx) * <usize>ldColumns) << 2);
        const first = firstInside(outW, kx, stride, pad);
        const last = lastInside(outW, width, kx, stride, pad, first);
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * stride - pad + ky;
          const out = row + ((<usize>oy * <usize>outW) << 2);
          if (iy < 0 || iy >= height) {
            zeroFloats(out, outW);
            continue;
          }
          // pixel (iy, ox·stride − pad + kx) for ox in [first, last)
          const line = plane + ((<usize>(iy * width + first * stride - pad + kx)) << 2);
          zeroFloats(out, first);
          if (stride === 1) {
            copyFloats(out + ((<usize>first) << 2), line, last - first);
          } else {
            for (let ox = first; ox < last; ox++) {
              store<f32>(out + ((<usize>ox) << 2), load<f32>(line + ((<usize>((ox - first) * stride)) << 2)));
            }
          }
          zeroFloats(out + ((<usize>last) << 2), outW - last);
        }
      }
    }
  }
}

/** The adjoint of im2col: adds every column entry into the image pixel it was read from. */
export function col2im(
  channels: i32,
  height: i32,
  width: i32,
  kernelSize: i32,
  stride: i32,
  pad: i32,
  columns: usize,
  ldColumns: i32,
  image: usize,
): void {
  const outH = (height + 2 * pad - kernelSize) / stride + 1;
  const outW = (width + 2 * pad - kernelSize) / stride + 1;
  for (let c = 0; c < channels; c++) {
    const plane = image + ((<usize>c * <usize>height * <usize>width) << 2);
    for (let ky = 0; ky < kernelSize; ky++) {
      for (let kx = 0; kx < kernelSize; kx++) {
        const row = columns + ((<usize>((c * kernelSize + ky) * kernelSize + kx) * <usize>ldColumns) << 2);
        const first = firstInside(outW, kx, stride, pad);
        const last = lastInside(outW, width, kx, stride, pad, first);
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * stride - pad + ky;
          if (iy < 0 || iy >= height) continue;
          const line = plane + ((<usize>(iy * width + first * stride - pad + kx)) << 2);
          const out = row + ((<usize>(oy * outW + first)) << 2);
          const count = last - first;
          if (stride === 1) {
            let i = 0;
            for (; i + 4 <= count; i += 4) {
              const at = (<usize>i) << 2;
              v128.store(line + at, f32x4.add(v128.load(line + at), v128.load(out + at)));
            }
            for (; i < count; i++) {
              const at = (<usize>i) << 2;
              store<f32>(line + at, load<f32>(line + at) + load<f32>(out + at));
            }
          } else {
            for (let i = 0; i < count; i++) {
              const pixel = line + ((<usize>(i * stride)) << 2);
              store<f32>(pixel, load<f32>(pixel) + load<f32>(out + ((<usize>i) << 2)));
            }
          }
        }
      }
    }
  }
}

// The output columns [first, last) whose input column ox·stride − pad + kx lies inside the image.
function firstInside(outW: i32, kx: i32, stride: i32, pad: i32): i32 {
  const needed = pad - kx; // ox·stride ≥ pad − kx
  const first = needed <= 0 ? 0 : (needed + stride - 1) / stride;
  return min(outW, first);
}

function lastInside(outW: i32, width: i32, kx: i32, stride: i32, pad: i32, first: i32): i32 {
  const limit = width - 1 + pad - kx; // ox·stride ≤ width − 1 + pad − kx
  const last = limit < 0 ? 0 : limit / stride + 1;
  return max(first, min(outW, last));
}

// to[0 … count) = from[0 … count), four at a time.
// @ts-ignore: decorator
@inline
function copyFloats(to: usize, from: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(to + ((<usize>i) << 2), v128.load(from + ((<usize>i) << 2)));
  for (; i < count; i++) store<f32>(to + ((<usize>i) << 2), load<f32>(from + ((<usize>i) << 2)));
}

// to[0 … count) = 0.
// @ts-ignore: decorator
@inline
function zeroFloats(to: usize, count: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(to + ((<usize>i) << 2), zero);
  for (; i < count; i++) store<f32>(to + ((<usize>i) << 2), 0);
}
