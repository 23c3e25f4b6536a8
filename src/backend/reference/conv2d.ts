// Reference direct convolution (stride 1) of one CHW image in plain TypeScript: the specification the
// wasm kernel is tested against. The same result as im2col followed by y = W·columns + b.

import { checkConv2dArguments } from '../checks.js';

/**
 * `y[f][oy][ox] = bias[f] + Σ_{c, ky, kx} W[f][c][ky][kx] · image[c][oy − pad + ky][ox − pad + kx]`
 * (zero outside the image) for one CHW image at `imageOffset`, W [filters, channels, k, k], bias
 * [filters], y [filters, outH, outW] at `yOffset`, outH = height + 2·pad − k + 1 (outW alike).
 *
 * @example
 * const y = new Float32Array(4);
 * conv2d(1, 3, 3, 1, 2, 0, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 0,
 *   Float32Array.from([1, 0, 0, 1]), Float32Array.from([0.5]), y, 0);
 * // y = [6.5, 8.5, 12.5, 14.5]
 */
export function conv2d(
  channels: number,
  height: number,
  width: number,
  filters: number,
  kernelSize: number,
  pad: number,
  image: Float32Array,
  imageOffset: number,
  weights: Float32Array,
  bias: Float32Array,
  y: Float32Array,
  yOffset: number,
): void {
  const { outH, outW } = checkConv2dArguments(
    channels,
    height,
    width,
    filters,
    kernelSize,
    pad,
    image,
    imageOffset,
    weights,
    bias,
    y,
    yOffset,
  );
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
              sum += w * image[imageOffset + (c * height + iy) * width + ix];
            }
          }
        }
        y[yOffset + (f * outH + oy) * outW + ox] = bias[f] + sum;
      }
    }
  }
}
