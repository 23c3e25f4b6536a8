// Data augmentation for image batches: each image is moved by a random whole-pixel offset and, when
// asked, rotated and scaled about its centre (bilinear sampling); the uncovered border is filled with
// 0, MNIST's background. All draws come from the seeded PRNG, so a run (and its resume) is repeatable.

import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError, ValueError } from '../util/errors.js';
import type { Random } from '../util/random.js';

export interface RandomAffineOptions {
  /** Largest move along each axis, whole pixels (default 0). */
  shift?: number;
  /** Largest rotation either way, degrees (default 0). */
  degrees?: number;
  /** Largest relative change of size: the scale factor is drawn from [1 − scale, 1 + scale] (default 0). */
  scale?: number;
}

/**
 * Moves, rotates and scales every image of `x` [n, c, h, w] in place, the same transform for all
 * channels of an image and a new one for each image: offsets dy, dx uniform whole numbers in
 * [−shift, shift], angle θ uniform in [−degrees, degrees], factor s uniform in [1 − scale, 1 + scale].
 * Output pixel p' reads the input at `p = R(−θ)·(p' − centre − d)/s + centre` (inverse mapping, so
 * every output pixel gets a value), bilinearly interpolated, 0 outside the image. With rotation and
 * scale off, pixels are copied exactly (a pure whole-pixel shift).
 *
 * @example
 * const augment = new RandomAffine({ shift: 2, degrees: 10, scale: 0.1 });
 * augment.apply(batch.x, rng); // each digit lands up to 2 pixels away, turned up to 10°, ±10% in size
 */
export class RandomAffine {
  readonly shift: number;
  readonly degrees: number;
  readonly scale: number;
  private scratch = new Float32Array(0);

  constructor(options: RandomAffineOptions) {
    const { shift = 0, degrees = 0, scale = 0 } = options;
    if (!Number.isInteger(shift) || shift < 0)
      throw new ValueError(`RandomAffine: shift must be a whole number >= 0, got ${shift}`);
    if (!Number.isFinite(degrees) || degrees < 0 || degrees > 180)
      throw new ValueError(`RandomAffine: degrees must be in [0, 180], got ${degrees}`);
    if (!Number.isFinite(scale) || scale < 0 || scale >= 1)
      throw new ValueError(`RandomAffine: scale must be in [0, 1), got ${scale}`);
    this.shift = shift;
    this.degrees = degrees;
    this.scale = scale;
  }

  /** True when apply() would leave every image unchanged. */
  get identity(): boolean {
    return this.shift === 0 && this.degrees === 0 && this.scale === 0;
  }

  apply(x: Tensor, rng: Random): void {
    if (x.shape.length !== 4)
      throw new ShapeError(`RandomAffine: expected images [n, c, h, w], received ${formatShape(x.shape)}`);
    const [n, channels, height, width] = x.shape;
    const plane = height * width;
    if (this.scratch.length < plane) this.scratch = new Float32Array(plane);
    for (let image = 0; image < n; image++) {
      // Drawn in this order (shift first) so that shift-only runs repeat those of earlier versions.
      const dy = rng.int(2 * this.shift + 1) - this.shift;
      const dx = rng.int(2 * this.shift + 1) - this.shift;
      const angle = this.degrees > 0 ? ((2 * rng.uniform() - 1) * this.degrees * Math.PI) / 180 : 0;
      const factor = this.scale > 0 ? 1 + (2 * rng.uniform() - 1) * this.scale : 1;
      if (dx === 0 && dy === 0 && angle === 0 && factor === 1) continue;
      for (let c = 0; c < channels; c++) {
        const offset = (image * channels + c) * plane;
        const output = x.data.subarray(offset, offset + plane);
        this.scratch.set(output);
        if (angle === 0 && factor === 1) shiftImage(this.scratch, output, height, width, dy, dx);
        else warpImage(this.scratch, output, height, width, dy, dx, angle, factor);
      }
    }
  }
}

// output[row][col] = source[row − dy][col − dx], 0 where that falls outside.
function shiftImage(
  source: Float32Array,
  output: Float32Array,
  height: number,
  width: number,
  dy: number,
  dx: number,
): void {
  for (let row = 0; row < height; row++) {
    const fromRow = row - dy;
    for (let col = 0; col < width; col++) {
      const fromCol = col - dx;
      const inside = fromRow >= 0 && fromRow < height && fromCol >= 0 && fromCol < width;
      output[row * width + col] = inside ? source[fromRow * width + fromCol] : 0;
    }
  }
}

// output(p') = source(R(−angle)·(p' − centre − d)/factor + centre), bilinear, 0 outside.
function warpImage(
  source: Float32Array,
  output: Float32Array,
  height: number,
  width: number,
  dy: number,
  dx: number,
  angle: number,
  factor: number,
): void {
  const centreY = (height - 1) / 2;
  const centreX = (width - 1) / 2;
  const cos = Math.cos(angle) / factor;
  const sin = Math.sin(angle) / factor;
  for (let row = 0; row < height; row++) {
    const y = row - centreY - dy;
    for (let col = 0; col < width; col++) {
      const x = col - centreX - dx;
      // rotate by −angle and shrink by the factor: the inverse of the forward transform
      const fromY = cos * y - sin * x + centreY;
      const fromX = sin * y + cos * x + centreX;
      output[row * width + col] = bilinear(source, height, width, fromY, fromX);
    }
  }
}

// source at a fractional position: the four neighbours weighted by closeness, 0 outside the image.
function bilinear(source: Float32Array, height: number, width: number, y: number, x: number): number {
  const top = Math.floor(y);
  const left = Math.floor(x);
  const fy = y - top;
  const fx = x - left;
  return (
    (1 - fy) *
      ((1 - fx) * pixel(source, height, width, top, left) +
        fx * pixel(source, height, width, top, left + 1)) +
    fy *
      ((1 - fx) * pixel(source, height, width, top + 1, left) +
        fx * pixel(source, height, width, top + 1, left + 1))
  );
}

// source[row][col], or 0 outside the image.
function pixel(source: Float32Array, height: number, width: number, row: number, col: number): number {
  return row >= 0 && row < height && col >= 0 && col < width ? source[row * width + col] : 0;
}
