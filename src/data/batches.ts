// Sample order and mini-batches: a seeded shuffle, a held-out validation split, and a batch iterator
// that copies rows into tensors it reuses, so an epoch allocates nothing per batch.

import { oneHot } from '../tensor/one_hot.js';
import { shapeSize, Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError, ValueError } from '../util/errors.js';
import type { Random } from '../util/random.js';

/**
 * The indices 0..n-1 in an order drawn from `rng` (Fisher–Yates).
 *
 * @example
 * shuffledIndices(5, new Random(1)); // e.g. [3, 0, 4, 1, 2], the same for every Random(1)
 */
export function shuffledIndices(n: number, rng: Random): number[] {
  return rng.shuffle(Array.from({ length: n }, (_, i) => i));
}

/**
 * Splits the indices 0..n-1 at random into a training part and a held-out validation part of
 * `round(n · fraction)` samples. Both lists are sorted, so the split is a set and the order in which
 * training later visits samples depends only on its own shuffle.
 *
 * @example
 * const { train, validation } = splitTrainValidation(60000, 0.1, new Random(0));
 * [train.length, validation.length]; // [54000, 6000]
 */
export function splitTrainValidation(
  n: number,
  fraction: number,
  rng: Random,
): { train: number[]; validation: number[] } {
  if (!(fraction >= 0 && fraction < 1)) {
    throw new ValueError(`splitTrainValidation: fraction must be in [0, 1), received ${fraction}`);
  }
  const order = shuffledIndices(n, rng);
  const validationSize = Math.round(n * fraction);
  const byIndex = (a: number, b: number) => a - b;
  return {
    train: order.slice(validationSize).sort(byIndex),
    validation: order.slice(0, validationSize).sort(byIndex),
  };
}

/** One mini-batch. The tensors are reused by the next batch: copy what must outlive the step. */
export interface Batch {
  /** Inputs [size, ...sample shape]. */
  x: Tensor;
  /** One-hot targets [size, classes]. */
  t: Tensor;
  /** The class labels of the rows, for accuracy. */
  labels: Int32Array;
  size: number;
}

/**
 * Cuts a labelled data set into mini-batches in a given order. Full batches share one set of tensors,
 * the last partial batch another; both are allocated once.
 *
 * @example
 * const batches = new Batches(x, labels, { batchSize: 32, classes: 10 });
 * for (const batch of batches.epoch(shuffledIndices(labels.length, rng))) {
 *   const grads = net.gradient(batch.x, batch.t);
 *   opt.update(net.params(), grads);
 * }
 */
export class Batches {
  readonly batchSize: number;
  private readonly targets: Tensor;
  private readonly sampleSize: number;
  private readonly fullBatch: Batch;
  private lastBatch: Batch | undefined;

  constructor(
    private readonly x: Tensor,
    private readonly labels: Int32Array,
    options: { batchSize: number; classes: number },
  ) {
    const { batchSize, classes } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ValueError(`Batches: batchSize must be a whole number >= 1, received ${batchSize}`);
    }
    if (x.shape.length < 2 || x.shape[0] !== labels.length) {
      throw new ShapeError(
        `Batches: x ${formatShape(x.shape)} must be [n, ...] with n = ${labels.length} (the number of labels)`,
      );
    }
    this.batchSize = batchSize;
    this.sampleSize = shapeSize(x.shape.slice(1));
    // One-hot rows for the whole set once, so a batch only copies rows
    this.targets = oneHot(labels, classes);
    this.fullBatch = this.makeBatch(batchSize);
  }

  /** Number of batches an epoch over `count` samples yields (the last one may be smaller). */
  count(samples: number): number {
    return Math.ceil(samples / this.batchSize);
  }

  /** Yields the samples at `indices`, in that order, `batchSize` at a time. */
  *epoch(indices: readonly number[]): Generator<Batch> {
    for (let start = 0; start < indices.length; start += this.batchSize) {
      const size = Math.min(this.batchSize, indices.length - start);
      const batch = size === this.batchSize ? this.fullBatch : this.partialBatch(size);
      for (let row = 0; row < size; row++) {
        const sample = indices[start + row];
        if (!(sample >= 0 && sample < this.labels.length)) {
          throw new ValueError(`Batches: index ${sample} is outside the data set of ${this.labels.length}`);
        }
        copyRow(this.x, sample, batch.x, row, this.sampleSize);
        copyRow(this.targets, sample, batch.t, row, this.targets.shape[1]);
        batch.labels[row] = this.labels[sample];
      }
      yield batch;
    }
  }

  private partialBatch(size: number): Batch {
    if (this.lastBatch?.size !== size) this.lastBatch = this.makeBatch(size);
    return this.lastBatch;
  }

  private makeBatch(size: number): Batch {
    return {
      x: new Tensor([size, ...this.x.shape.slice(1)]),
      t: new Tensor([size, this.targets.shape[1]]),
      labels: new Int32Array(size),
      size,
    };
  }
}

function copyRow(from: Tensor, fromRow: number, to: Tensor, toRow: number, rowSize: number): void {
  const source = fromRow * rowSize;
  const target = toRow * rowSize;
  for (let j = 0; j < rowSize; j++) to.data[target + j] = from.data[source + j];
}
