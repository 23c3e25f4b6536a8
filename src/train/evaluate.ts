// Evaluation of a classifier on a labelled set: mean loss per sample, accuracy, and the confusion
// matrix (rows = true class, columns = predicted), computed in eval mode batch by batch.

import { Batches } from '../data/batches.js';
import type { Sequential } from '../model/sequential.js';
import type { Tensor } from '../tensor/tensor.js';

export interface Evaluation {
  /** The loss per sample (a summed loss is divided by n, a batch-mean loss weighted by batch size). */
  loss: number;
  accuracy: number;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  samples: number;
}

/**
 * Runs the model over every sample of (x, labels) and scores it.
 *
 * @example
 * const { accuracy } = evaluate(net, test.x, test.labels, 3);
 */
export function evaluate(
  model: Sequential,
  x: Tensor,
  labels: Int32Array,
  classes: number,
  batchSize = 500,
): Evaluation {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const batches = new Batches(x, labels, { batchSize, classes });
  let lossSum = 0;
  let correct = 0;
  const order = Array.from({ length: labels.length }, (_, i) => i);
  for (const batch of batches.epoch(order)) {
    const y = model.forward(batch.x, 'eval');
    const loss = model.lossFunction.forward(y, batch.t);
    lossSum += model.lossFunction.reduction === 'sum' ? loss : loss * batch.size;
    for (let row = 0; row < batch.size; row++) {
      const predicted = argmax(y.data, row * classes, classes);
      confusion[batch.labels[row]][predicted]++;
      if (predicted === batch.labels[row]) correct++;
    }
  }
  const samples = labels.length;
  return {
    loss: samples > 0 ? lossSum / samples : Number.NaN,
    accuracy: samples > 0 ? correct / samples : Number.NaN,
    confusion,
    samples,
  };
}

/** The index of the largest of `count` values starting at `offset` (the first one on ties). */
export function argmax(values: ArrayLike<number>, offset: number, count: number): number {
  let best = 0;
  for (let j = 1; j < count; j++) if (values[offset + j] > values[offset + best]) best = j;
  return best;
}
