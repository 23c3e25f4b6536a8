// Reference direct convolution of a batch of CHW images in plain TypeScript, any stride and padding:
// forward, weight gradient and input gradient, the specification the wasm kernels are tested against.
// The same results as im2col followed by y = W·columns + b, dW = Σ dy·columnsᵀ and dx = col2im(Wᵀ·dy).

import {
  checkConv2dArguments,
  checkConv2dInputGradArguments,
  checkConv2dWeightGradArguments,
} from '../checks.js';

/**
 * `y[i][f][oy][ox] = bias[f] + Σ_{c, ky, kx} W[f][c][ky][kx] · x[i][c][oy·stride − pad + ky][ox·stride −
 * pad + kx]` (zero outside the image) for `images` CHW images one after another from `xOffset`, W
 * [filters, channels, k, k], bias [filters], y [images, filters, outH, outW] from `yOffset`, outH =
 * ⌊(height + 2·pad − k)/stride⌋ + 1 (outW alike). With `slope` < 1 each output then goes through
 * `max(v, slope·v)`: LeakyReLU fused into the convolution (ReLU at 0); the default 1 leaves it as is.
 *
 * @example
 * const y = new Float32Array(4);
 * conv2d(1, 1, 3, 3, 1, 2, 1, 0, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 0,
 *   Float32Array.from([1, 0, 0, 1]), Float32Array.from([0.5]), y, 0);
 * // y = [6.5, 8.5, 12.5, 14.5]
 */
export function conv2d(
  images: number,
  channels: number,
  height: number,
  width: number,
  filters: number,
  kernelSize: number,
  stride: number,
  pad: number,
  x: Float32Array,
  xOffset: number,
  weights: Float32Array,
  bias: Float32Array,
  y: Float32Array,
  yOffset: number,
  slope = 1,
): void {
  // biome-ignore format: arguments grouped as (sizes), (x), (W, b), (y, activation)
  const { outH, outW } = checkConv2dArguments(images, channels, height, width, filters, kernelSize, stride, pad,
    x, xOffset,
    weights, bias,
    y, yOffset, slope);
  for (let image = 0; image < images; image++) {
    const xAt = xOffset + image * channels * height * width;
    const yAt = yOffset + image * filters * outH * outW;
    for (let f = 0; f < filters; f++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let sum = 0;
          for (let c = 0; c < channels; c++) {
            for (let ky = 0; ky < kernelSize; ky++) {
              const iy = oy * stride - pad + ky;
              if (iy < 0 || iy >= height) continue;
              for (let kx = 0; kx < kernelSize; kx++) {
                const ix = ox * stride - pad + kx;
                if (ix < 0 || ix >= width) continue;
                const w = weights[((f * channels + c) * kernelSize + ky) * kernelSize + kx];
                sum += w * x[xAt + (c * height + iy) * width + ix];
              }
            }
          }
          // v rounded to float32 before the activation, which rounds slope·v again: what the unfused
          // layers compute (a convolution's output, then LeakyReLU on it), bit for bit
          const v = Math.fround(bias[f] + sum);
          y[yAt + (f * outH + oy) * outW + ox] = Math.max(v, Math.fround(slope * v)); // v itself at slope 1
        }
      }
    }
  }
}

/**
 * The weight gradient of conv2d: `dW[f][c][ky][kx] = Σ_{i, oy, ox} dy[i][f][oy][ox] · x[i][c][oy·stride −
 * pad + ky][ox·stride − pad + kx]` (zero outside the image), overwriting dW [filters, channels, k, k];
 * x and dy as conv2d's x and y. With `images` = 0, dW is zero.
 *
 * @example
 * const dW = new Float32Array(4);
 * conv2dWeightGrad(1, 1, 3, 3, 1, 2, 1, 0, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 0,
 *   Float32Array.from([1, 0, 0, 0]), 0, dW);
 * // dW = [1, 2, 4, 5]: dy picks the top-left window
 */
export function conv2dWeightGrad(
  images: number,
  channels: number,
  height: number,
  width: number,
  filters: number,
  kernelSize: number,
  stride: number,
  pad: number,
  x: Float32Array,
  xOffset: number,
  dy: Float32Array,
  dyOffset: number,
  dW: Float32Array,
): void {
  // biome-ignore format: arguments grouped as (sizes), (x), (dy), (dW)
  const { outH, outW } = checkConv2dWeightGradArguments(images, channels, height, width, filters, kernelSize,
    stride, pad,
    x, xOffset,
    dy, dyOffset,
    dW);
  const taps = channels * kernelSize * kernelSize;
  const sums = new Float64Array(filters * taps);
  for (let image = 0; image < images; image++) {
    const xAt = xOffset + image * channels * height * width;
    const dyAt = dyOffset + image * filters * outH * outW;
    for (let f = 0; f < filters; f++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const g = dy[dyAt + (f * outH + oy) * outW + ox];
          for (let c = 0; c < channels; c++) {
            for (let ky = 0; ky < kernelSize; ky++) {
              const iy = oy * stride - pad + ky;
              if (iy < 0 || iy >= height) continue;
              for (let kx = 0; kx < kernelSize; kx++) {
                const ix = ox * stride - pad + kx;
                if (ix < 0 || ix >= width) continue;
                sums[f * taps + (c * kernelSize + ky) * kernelSize + kx] +=
                  g * x[xAt + (c * height + iy) * width + ix];
              }
            }
          }
        }
      }
    }
  }
  dW.set(sums);
}

/**
 * The input gradient of conv2d (a transposed convolution): `dx[i][c][iy][ix] = Σ dy[i][f][oy][ox] ·
 * W[f][c][ky][kx]` over the f, ky, kx whose output (oy, ox) = ((iy + pad − ky)/stride, (ix + pad −
 * kx)/stride) is a whole output pixel, overwriting dx [images, channels, height, width] from
 * `dxOffset`; dy and W as conv2d's y and W. Pixels no window reads get 0.
 *
 * @example
 * const dx = new Float32Array(9);
 * conv2dInputGrad(1, 1, 3, 3, 1, 2, 1, 0, Float32Array.from([1, 0, 0, 2]), 0,
 *   Float32Array.from([1, 2, 3, 4]), dx, 0);
 * // dx = [1, 2, 0, 3, 6, 4, 0, 6, 8]: W laid on each window, times its dy (1 and 2), summed
 */
export function conv2dInputGrad(
  images: number,
  channels: number,
  height: number,
  width: number,
  filters: number,
  kernelSize: number,
  stride: number,
  pad: number,
  dy: Float32Array,
  dyOffset: number,
  weights: Float32Array,
  dx: Float32Array,
  dxOffset: number,
): void {
  // biome-ignore format: arguments grouped as (sizes), (dy), (W), (dx)
  const { outH, outW } = checkConv2dInputGradArguments(images, channels, height, width, filters, kernelSize,
    stride, pad,
    dy, dyOffset,
    weights,
    dx, dxOffset);
  // the output row (or column) whose window reads input pixel `at` with tap k, or -1 if none does
  const outputAt = (at: number, k: number, outSize: number) => {
    const shifted = at + pad - k;
    if (shifted < 0 || shifted % stride !== 0 || shifted / stride >= outSize) return -1;
    return shifted / stride;
  };
  for (let image = 0; image < images; image++) {
    const dyAt = dyOffset + image * filters * outH * outW;
    const dxAt = dxOffset + image * channels * height * width;
    for (let c = 0; c < channels; c++) {
      for (let iy = 0; iy < height; iy++) {
        for (let ix = 0; ix < width; ix++) {
          let sum = 0;
          for (let f = 0; f < filters; f++) {
            for (let ky = 0; ky < kernelSize; ky++) {
              const oy = outputAt(iy, ky, outH);
              if (oy < 0) continue;
              for (let kx = 0; kx < kernelSize; kx++) {
                const ox = outputAt(ix, kx, outW);
                if (ox < 0) continue;
                const w = weights[((f * channels + c) * kernelSize + ky) * kernelSize + kx];
                sum += w * dy[dyAt + (f * outH + oy) * outW + ox];
              }
            }
          }
          dx[dxAt + (c * height + iy) * width + ix] = sum;
        }
      }
    }
  }
}
