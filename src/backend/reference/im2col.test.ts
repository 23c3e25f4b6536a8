// im2col / col2im: the documented layouts on literal examples, col2im as the exact adjoint of im2col
// on odd sizes with stride and padding, a side-by-side column stride, and argument errors.
//
// @backend-independent: calls the reference kernels directly, never the installed backend

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShapeError } from '../../util/errors.js';
import { Random } from '../../util/random.js';
import { col2im, im2col } from './im2col.js';

const random = (rng: Random, size: number) => Float32Array.from({ length: size }, () => rng.uniform() - 0.5);

describe('im2col and col2im', () => {
  it('lay out 2×2 patches of a 3×3 image as the doc says, and col2im counts the patches per pixel', () => {
    const columns = new Float32Array(16);
    im2col(1, 3, 3, 2, 1, 0, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 0, columns, 0, 4);
    assert.deepEqual([...columns], [1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9]);
    const image = new Float32Array(9);
    col2im(1, 3, 3, 2, 1, 0, new Float32Array(16).fill(1), 0, 4, image, 0);
    assert.deepEqual([...image], [1, 2, 1, 2, 4, 2, 1, 2, 1]);
  });

  it('read zeros from the padding', () => {
    const columns = new Float32Array(9 * 4);
    im2col(1, 2, 2, 3, 1, 1, Float32Array.from([1, 2, 3, 4]), 0, columns, 0, 4);
    // kernel row 0, column 0 reads (oy − 1, ox − 1): only output (1, 1) sees pixel (0, 0)
    assert.deepEqual([...columns.subarray(0, 4)], [0, 0, 0, 1]);
    // the kernel centre reads the image itself
    assert.deepEqual([...columns.subarray(16, 20)], [1, 2, 3, 4]);
  });

  for (const [channels, height, width, kernelSize, stride, pad] of [
    [3, 7, 5, 3, 2, 1],
    [2, 6, 9, 5, 1, 2],
    [1, 4, 4, 1, 1, 0],
    [2, 5, 5, 3, 3, 0],
    [1, 3, 8, 4, 2, 2],
  ]) {
    it(`col2im is the adjoint of im2col (c ${channels}, ${height}×${width}, k ${kernelSize}, stride ${stride}, pad ${pad})`, () => {
      const rng = new Random(kernelSize * 10 + stride);
      const outH = Math.floor((height + 2 * pad - kernelSize) / stride) + 1;
      const outW = Math.floor((width + 2 * pad - kernelSize) / stride) + 1;
      const rows = channels * kernelSize * kernelSize;
      const ld = outH * outW + 3; // a wider column stride, as when images sit side by side
      const imageOffset = 5;
      const columnsOffset = 2;
      const image = random(rng, imageOffset + channels * height * width);
      const direction = random(rng, columnsOffset + rows * ld);
      const columns = new Float32Array(columnsOffset + rows * ld);
      im2col(
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
        ld,
      );
      const back = new Float32Array(image.length);
      col2im(
        channels,
        height,
        width,
        kernelSize,
        stride,
        pad,
        direction,
        columnsOffset,
        ld,
        back,
        imageOffset,
      );
      // ⟨im2col(x), d⟩ = ⟨x, col2im(d)⟩ over the columns im2col writes
      let left = 0;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < outH * outW; j++) {
          const at = columnsOffset + r * ld + j;
          left += columns[at] * direction[at];
        }
      }
      let right = 0;
      for (let i = imageOffset; i < image.length; i++) right += image[i] * back[i];
      assert.ok(Math.abs(left - right) <= 1e-4 * (1 + Math.abs(left)), `${left} vs ${right}`);
      // and every column value is a pixel or a padding zero, by the formula
      for (let c = 0; c < channels; c++) {
        for (let ky = 0; ky < kernelSize; ky++) {
          for (let kx = 0; kx < kernelSize; kx++) {
            for (let oy = 0; oy < outH; oy++) {
              for (let ox = 0; ox < outW; ox++) {
                const iy = oy * stride - pad + ky;
                const ix = ox * stride - pad + kx;
                const inside = iy >= 0 && iy < height && ix >= 0 && ix < width;
                const expected = inside ? image[imageOffset + (c * height + iy) * width + ix] : 0;
                const row = (c * kernelSize + ky) * kernelSize + kx;
                assert.equal(columns[columnsOffset + row * ld + oy * outW + ox], expected);
              }
            }
          }
        }
      }
    });
  }

  it('reject sizes that do not fit before touching memory', () => {
    const columns = new Float32Array(100);
    const image = new Float32Array(9);
    assert.throws(() => im2col(1, 3, 3, 5, 1, 0, image, 0, columns, 0, 1), {
      name: 'ShapeError',
      message: 'im2col: a 5×5 kernel does not fit a 3×3 image with pad 0',
    });
    assert.throws(
      () => im2col(1, 3, 3, 2, 0, 0, image, 0, columns, 0, 4),
      /stride = 0 must be a whole number >= 1/,
    );
    assert.throws(
      () => im2col(1, 3, 3, 2, 1, 0, image, 1, columns, 0, 4),
      /needs 10 elements but its array holds 9/,
    );
    assert.throws(
      () => im2col(1, 3, 3, 2, 1, 0, image, 0, columns, 0, 3),
      /ldColumns = 3 is smaller than outH·outW = 4/,
    );
    assert.throws(() => col2im(1, 3, 3, 2, 1, 0, new Float32Array(15), 0, 4, image, 0), ShapeError);
  });
});
