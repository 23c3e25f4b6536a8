// Tensor: an n-dimensional float32 array, contiguous and row-major (NCHW for images).
// It is only a shape and a flat Float32Array; all math lives in layers and kernels.

import { formatShape, ShapeError } from '../util/errors.js';
import type { Random } from '../util/random.js';
import { allocateFloat32 } from './storage.js';

/**
 * A shape plus a flat row-major `Float32Array` holding `product(shape)` values.
 *
 * @example
 * const x = new Tensor([2, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
 * x.at(1, 2); // 6
 */
export class Tensor {
  readonly shape: number[];
  readonly data: Float32Array;
  /**
   * The whole allocation `data` is a prefix of (usually `data` itself). A layer buffer that shrinks —
   * a batch of 128 after an evaluation batch of 500 — becomes a view of its old storage instead of a
   * new allocation (see `reuseOrAllocate`), and this reference keeps that storage alive.
   */
  readonly storage: Float32Array;

  constructor(shape: readonly number[], data?: Float32Array, storage?: Float32Array) {
    for (const dim of shape) {
      if (!Number.isInteger(dim) || dim < 0) {
        throw new ShapeError(
          `Tensor: shape ${formatShape(shape)} has a dimension that is not a whole number >= 0`,
        );
      }
    }
    const size = shapeSize(shape);
    if (data !== undefined && data.length !== size) {
      throw new ShapeError(
        `Tensor: data length ${data.length} does not match shape ${formatShape(shape)} (product ${size})`,
      );
    }
    this.shape = [...shape];
    this.data = data ?? allocateFloat32(size);
    this.storage = storage ?? this.data;
  }

  /** A tensor of zeros. */
  static zeros(shape: readonly number[]): Tensor {
    return new Tensor(shape);
  }

  /** A tensor from nested arrays, e.g. `Tensor.from([[1, 2, 3]])` has shape [1, 3]. */
  static from(values: NestedNumbers): Tensor {
    const shape: number[] = [];
    let level: NestedNumbers = values;
    while (Array.isArray(level)) {
      shape.push(level.length);
      level = level[0] as NestedNumbers;
    }
    const flat = (values as unknown[]).flat(Number.POSITIVE_INFINITY) as number[];
    if (flat.length !== shapeSize(shape)) {
      throw new ShapeError(
        `Tensor.from: ragged nested array (expected ${shapeSize(shape)} numbers for ${formatShape(shape)}, got ${flat.length})`,
      );
    }
    return new Tensor(shape, Float32Array.from(flat));
  }

  /** `std · N(0, 1)` in every element, drawn from `rng` (the seed's `0.01 * np.random.randn(…)`). */
  static randn(shape: readonly number[], rng: Random, std = 1): Tensor {
    const t = new Tensor(shape);
    for (let i = 0; i < t.data.length; i++) t.data[i] = std * rng.randn();
    return t;
  }

  /** Uniform values in [0, 1) drawn from `rng` (numpy's `np.random.rand`). */
  static rand(shape: readonly number[], rng: Random): Tensor {
    const t = new Tensor(shape);
    for (let i = 0; i < t.data.length; i++) t.data[i] = rng.uniform();
    return t;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** The element at a full index, e.g. `x.at(n, j)`. */
  at(...index: number[]): number {
    if (index.length !== this.shape.length) {
      throw new ShapeError(`Tensor.at: ${index.length} indices for shape ${formatShape(this.shape)}`);
    }
    let flat = 0;
    for (let d = 0; d < index.length; d++) {
      if (index[d] < 0 || index[d] >= this.shape[d]) {
        throw new ShapeError(
          `Tensor.at: index ${formatShape(index)} is outside shape ${formatShape(this.shape)}`,
        );
      }
      flat = flat * this.shape[d] + index[d];
    }
    return this.data[flat];
  }

  /** The same data under another shape with the same number of elements (no copy). */
  reshape(shape: readonly number[]): Tensor {
    if (shapeSize(shape) !== this.size) {
      throw new ShapeError(`Tensor.reshape: cannot view ${formatShape(this.shape)} as ${formatShape(shape)}`);
    }
    return new Tensor(shape, this.data, this.storage);
  }

  /** A copy with its own data. */
  clone(): Tensor {
    const copy = new Tensor(this.shape);
    copy.data.set(this.data);
    return copy;
  }

  /** Overwrites this tensor's values with `source`'s (same shape), keeping the array so that aliases see it. */
  copyFrom(source: Tensor): void {
    assertSameShape('Tensor.copyFrom', this.shape, source.shape);
    this.data.set(source.data);
  }

  /** Nested arrays, e.g. for printing or JSON. */
  toArray(): NestedNumbers {
    const build = (dim: number, offset: number): NestedNumbers => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = shapeSize(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor${formatShape(this.shape)}`;
  }
}

/** A number or arbitrarily nested arrays of numbers. */
export type NestedNumbers = number | NestedNumbers[];

/** The number of elements of a shape (1 for the scalar shape []). */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** True when two shapes are equal dimension by dimension (no broadcasting). */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  // A plain loop, no callback: layers call this every step, which should allocate nothing.
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws a ShapeError naming `where` unless `received` equals `expected` exactly. */
export function assertSameShape(
  where: string,
  expected: readonly number[],
  received: readonly number[],
): void {
  if (!sameShape(expected, received)) {
    throw new ShapeError(
      `${where}: expected shape ${formatShape(expected)}, received ${formatShape(received)}`,
    );
  }
}

/** `reuseOrAllocate` for a matrix [rows, cols], without building a shape array on every call. */
export function reuseOrAllocateMatrix(existing: Tensor | undefined, rows: number, cols: number): Tensor {
  return existing !== undefined &&
    existing.shape.length === 2 &&
    existing.shape[0] === rows &&
    existing.shape[1] === cols
    ? existing
    : reuseOrAllocate(existing, [rows, cols]);
}

/**
 * A buffer of `shape` for a layer: `existing` when it already has that shape, a view of its storage
 * when that is large enough, otherwise a new zero tensor. The contents are whatever was there before:
 * callers overwrite them. Reusing storage matters: training and evaluation alternate batch sizes every
 * epoch, and fresh buffers each time would pile up in wasm memory within one synchronous run.
 */
export function reuseOrAllocate(existing: Tensor | undefined, shape: readonly number[]): Tensor {
  if (existing === undefined) return new Tensor(shape);
  if (sameShape(existing.shape, shape)) return existing;
  const size = shapeSize(shape);
  if (existing.storage.length >= size)
    return new Tensor(shape, existing.storage.subarray(0, size), existing.storage);
  return new Tensor(shape);
}
