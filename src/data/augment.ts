// Data augmentation for image batches: random translations (each image moved by up to ±shift pixels,
// the uncovered border filled with 0, MNIST's background), drawn from the seeded PRNG.

import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError, ValueError } from '../util/errors.js';
import type { Random } from '../util/random.js';

/**
 * Moves every image of `x` [n, c, h, w] in place by a random whole-pixel offset in [−shift, shift]
 * along each axis (the same offset for all channels of an image).
 *
 * @example
 * const shifter = new RandomShift(2);
 * shifter.apply(batch.x, rng); // each digit lands up to 2 pixels away from where it was
 */
export class RandomShift {
  private scratch = new Float32Array(0);

  constructor(readonly shift: number) {
    if (!Number.isInteger(shift) || shift < 0)
      throw new ValueError(`RandomShift: shift must be a whole number >= 0, got ${shift}`);
  }

  apply(x: Tensor, rng: Random): void {
    if (x.shape.length !== 4)
      throw new ShapeError(`RandomShift: expected images [n, c, h, w], received ${formatShape(x.shape)}`);
    const [n, channels, height, width] = x.shape;
    const plane = height * width;
    if (this.scratch.length < plane) this.scratch = new Float32Array(plane);
    const source = this.scratch;
    for (let image = 0; image < n; image++) {
      const dy = rng.int(2 * this.shift + 1) - this.shift;
      const dx = rng.int(2 * this.shift + 1) - this.shift;
      if (dx === 0 && dy === 0) continue;
      for (let c = 0; c < channels; c++) {
        const offset = (image * channels + c) * plane;
        source.set(x.data.subarray(offset, offset + plane));
        for (let row = 0; row < height; row++) {
          const fromRow = row - dy;
          for (let col = 0; col < width; col++) {
            const fromCol = col - dx;
            const inside = fromRow >= 0 && fromRow < height && fromCol >= 0 && fromCol < width;
            x.data[offset + row * width + col] = inside ? source[fromRow * width + fromCol] : 0;
          }
        }
      }
    }
  }
}
