// Reference direct convolution (stride 1) of a batch of CHW images in plain TypeScript, forward and
// weight gradient: the specification the wasm kernels are tested against. The same results as im2col
// followed by y = W·columns + b, and dW = Σ dy·columnsᵀ.

import { checkConv2dArguments, checkConv2dWeightGradArguments } from '../checks.js';

/**
 * `y[i][f][oy][ox] = bias[f] + Σ_{c, ky, kx} W[f][c][ky][kx] · x[i][c][oy − pad + ky][ox − pad + kx]`
 * (zero outside the image) for `images` CHW images one after another from `xOffset`, W [filters,
 * channels, k, k], bias [filters], y [images, filters, outH, outW] from `yOffset`, outH = height + 2·pad
 * − k + 1 (outW alike). With `slope` < 1 each output then goes through `max(v, slope·v)`: LeakyReLU
 * fused into the convolution (ReLU at 0); the default 1 leaves it as is.
 *
 * @example
 * const y = new Float32Array(4);
 * conv2d(1, 1, 3, 3, 1, 2, 0, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 0,
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
  pad: number,
  x: Float32Array,
  xOffset: number,
  weights: Float32Array,
  bias: Float32Array,
  y: Float32Array,
  yOffset: number,
  slope = 1,
): void {
  const { outH, outW } = checkConv2dArguments(
    images,
    channels,
    height,
    width,
    filters,
    kernelSize,
    pad,
    x,
    xOffset,
    weights,
    bias,
    y,
    yOffset,
    slope,
  );
  for (let image = 0; image < images; image++) {
    const xAt = xOffset + image * channels * height * width;
    const yAt = yOffset + image * filters * outH * outW;
    for (let f = 0; f < filters; f++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let sum = 0;
          for (let c = 0; c < channels; c++) {
            for (let ky = 0; ky < kernelSize; ky++) {
              const iy = oy - pad + ky;
              if (iy < 0 || iy >= height) continue;
              for (let kx = 0; kx < kernelSize; kx++) {
                const ix = ox - pad + kx;
                if (ix < 0 || ix >= width) continue;
                const w = weights[((f * channels + c) * kernelSize + ky) * kernelSize + kx];
                sum += w * x[xAt + (c * height + iy) * width + ix];
              }
            }
          }
          const v = bias[f] + sum;
          y[yAt + (f * outH + oy) * outW + ox] = Math.max(v, slope * v); // v itself at slope 1
        }
      }
    }
  }
}

/**
 * The weight gradient of conv2d: `dW[f][c][ky][kx] = Σ_{i, oy, ox} dy[i][f][oy][ox] · x[i][c][oy − pad +
 * ky][ox − pad + kx]` (zero outside the image), overwriting dW [filters, channels, k, k]; x and dy as
 * conv2d's x and y. With `images` = 0, dW is zero.
 *
 * @example
 * const dW = new Float32Array(4);
 * conv2dWeightGrad(1, 1, 3, 3, 1, 2, 0, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 0,
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
  pad: number,
  x: Float32Array,
  xOffset: number,
  dy: Float32Array,
  dyOffset: number,
  dW: Float32Array,
): void {
  const { outH, outW } = checkConv2dWeightGradArguments(
    images,
    channels,
    height,
    width,
    filters,
    kernelSize,
    pad,
    x,
    xOffset,
    dy,
    dyOffset,
    dW,
  );
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
              const iy = oy - pad + ky;
              if (iy < 0 || iy >= height) continue;
              for (let kx = 0; kx < kernelSize; kx++) {
                const ix = ox - pad + kx;
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
