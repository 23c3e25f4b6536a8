// Reference max pooling in plain TypeScript: the largest value of each k×k window of each H×W plane,
// and where it was, for backward. Padding is never the maximum (windows are clipped to the plane).

import { checkMaxPoolArguments, checkMaxPoolBackwardArguments } from '../checks.js';

/**
 * `y[p][oy][ox] = max x[p][iy][ix]` over the window rows oy·stride − pad … + k and columns likewise,
 * clipped to the plane, for each of `planes` H×W planes stored one after another (NCHW has n·c of
 * them). `argmax` receives the flat index into x of each maximum (the first one on ties).
 *
 * @example
 * const y = new Float32Array(1);
 * const argmax = new Int32Array(1);
 * maxPool2d(1, 2, 2, 2, 2, 0, Float32Array.from([1, 2, 4, 3]), y, argmax); // y = [4], argmax = [2]
 */
export function maxPool2d(
  planes: number,
  height: number,
  width: number,
  kernelSize: number,
  stride: number,
  pad: number,
  x: Float32Array,
  y: Float32Array,
  argmax: Int32Array,
): void {
  const { outH, outW } = checkMaxPoolArguments(planes, height, width, kernelSize, stride, pad, x, y, argmax);
  let out = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * height * width;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = Math.max(0, oy * stride - pad);
      const y1 = Math.min(height, oy * stride - pad + kernelSize);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = Math.max(0, ox * stride - pad);
        const x1 = Math.min(width, ox * stride - pad + kernelSize);
        let best = base + y0 * width + x0;
        let bestValue = x[best];
        for (let iy = y0; iy < y1; iy++) {
          const row = base + iy * width;
          for (let i = row + x0; i < row + x1; i++) {
            if (x[i] > bestValue) {
              best = i;
              bestValue = x[i];
            }
          }
        }
        argmax[out] = best;
        y[out++] = bestValue;
      }
    }
  }
}

/**
 * Max pooling's backward: `dx = 0`, then `dx[argmax[i]] += dy[i]` (overlapping windows, stride <
 * kernel, may share a maximum: add, do not overwrite). Throws a ShapeError, before dx is touched, if an
 * argmax is not a flat index into its own plane of x (plane p: [p·H·W, (p + 1)·H·W)).
 *
 * @example
 * const dx = new Float32Array(4);
 * maxPool2dBackward(1, Float32Array.from([5]), Int32Array.from([2]), dx); // dx = [0, 0, 5, 0]
 */
export function maxPool2dBackward(
  planes: number,
  dy: Float32Array,
  argmax: Int32Array,
  dx: Float32Array,
): void {
  checkMaxPoolBackwardArguments(planes, dy, argmax, dx);
  dx.fill(0);
  for (let i = 0; i < dy.length; i++) dx[argmax[i]] += dy[i];
}
