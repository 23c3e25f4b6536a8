// Reference im2col / col2im in plain TypeScript (the Caffe/darknet layout): one CHW image ↔ columns
// [channels·k·k, outH·outW], so that a convolution becomes one gemm. col2im is im2col's adjoint.

import { checkIm2colArguments } from '../checks.js';

/**
 * Copies every k×k patch of one CHW image (zero outside it, `pad` wide) into columns:
 * `columns[(c·k + ky)·k + kx][oy·outW + ox] = image[c][oy·stride − pad + ky][ox·stride − pad + kx]`,
 * where outH = ⌊(height + 2·pad − k) / stride⌋ + 1 (and outW alike). Rows of `columns` are
 * `ldColumns` apart (≥ outH·outW), so several images can sit side by side in one column matrix.
 *
 * @example
 * const columns = new Float32Array(4 * 4);
 * im2col(1, 3, 3, 2, 1, 0, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 0, columns, 0, 4);
 * // columns = [1, 2, 4, 5,  2, 3, 5, 6,  4, 5, 7, 8,  5, 6, 8, 9]
 */
export function im2col(
  channels: number,
  height: number,
  width: number,
  kernelSize: number,
  stride: number,
  pad: number,
  image: Float32Array,
  imageOffset: number,
  columns: Float32Array,
  columnsOffset: number,
  ldColumns: number,
): void {
  const { outH, outW } = checkIm2colArguments(
    'im2col',
    channels,
    height,
    width,
    kernelSize,
    stride,
    pad,
    image,
    imageOffset,
    columns,
    columnsOffset,
    ldColumns,
  );
  for (let c = 0; c < channels; c++) {
    const plane = imageOffset + c * height * width;
    for (let ky = 0; ky < kernelSize; ky++) {
      for (let kx = 0; kx < kernelSize; kx++) {
        const row = columnsOffset + ((c * kernelSize + ky) * kernelSize + kx) * ldColumns;
        const [first, last] = insideColumns(outW, width, kx, stride, pad);
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * stride - pad + ky;
          const out = row + oy * outW;
          if (iy < 0 || iy >= height) {
            for (let ox = 0; ox < outW; ox++) columns[out + ox] = 0;
            continue;
          }
          const line = plane + iy * width - pad + kx; // image[line + ox·stride] is pixel (iy, ix)
          // plain loops, not fill(): these runs are a few elements long and a call per run costs more
          for (let ox = 0; ox < first; ox++) columns[out + ox] = 0;
          for (let ox = first; ox < last; ox++) columns[out + ox] = image[line + ox * stride];
          for (let ox = last; ox < outW; ox++) columns[out + ox] = 0;
        }
      }
    }
  }
}

/**
 * Adds columns back into one CHW image: the adjoint of `im2col` (same arguments, image and columns
 * swapped), so `image[c][iy][ix] += Σ columns[…]` over every patch position that read that pixel.
 * The image is added to, not overwritten: zero it first for dx.
 *
 * @example
 * const image = new Float32Array(9);
 * col2im(1, 3, 3, 2, 1, 0, new Float32Array(16).fill(1), 0, 4, image, 0);
 * // image = [1, 2, 1,  2, 4, 2,  1, 2, 1] (how many patches cover each pixel)
 */
export function col2im(
  channels: number,
  height: number,
  width: number,
  kernelSize: number,
  stride: number,
  pad: number,
  columns: Float32Array,
  columnsOffset: number,
  ldColumns: number,
  image: Float32Array,
  imageOffset: number,
): void {
  const { outH, outW } = checkIm2colArguments(
    'col2im',
    channels,
    height,
    width,
    kernelSize,
    stride,
    pad,
    image,
    imageOffset,
    columns,
    columnsOffset,
    ldColumns,
  );
  for (let c = 0; c < channels; c++) {
    const plane = imageOffset + c * height * width;
    for (let ky = 0; ky < kernelSize; ky++) {
      for (let kx = 0; kx < kernelSize; kx++) {
        const row = columnsOffset + ((c * kernelSize + ky) * kernelSize + kx) * ldColumns;
        const [first, last] = insideColumns(outW, width, kx, stride, pad);
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * stride - pad + ky;
          if (iy < 0 || iy >= height) continue;
          const line = plane + iy * width - pad + kx;
          const out = row + oy * outW;
          for (let ox = first; ox < last; ox++) image[line + ox * stride] += columns[out + ox];
        }
      }
    }
  }
}

// The output columns [first, last) whose input column ox·stride − pad + kx lies inside the image;
// the loops above run only over them, so the inner loop has no bounds test.
function insideColumns(
  outW: number,
  width: number,
  kx: number,
  stride: number,
  pad: number,
): [number, number] {
  const first = Math.min(outW, Math.max(0, Math.ceil((pad - kx) / stride)));
  const last = Math.max(first, Math.min(outW, Math.floor((width - 1 + pad - kx) / stride) + 1));
  return [first, last];
}
