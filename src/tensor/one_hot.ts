// One-hot encoding: class labels [n] → rows [n, classes] with a 1 at each label.

import { ValueError } from '../util/errors.js';
import { Tensor } from './tensor.js';

/**
 * Turns integer class labels into one-hot rows, the target shape losses expect.
 *
 * @example
 * oneHot([2, 0], 3).toArray(); // [[0, 0, 1], [1, 0, 0]]
 */
export function oneHot(labels: ArrayLike<number>, classes: number): Tensor {
  const t = new Tensor([labels.length, classes]);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new ValueError(`oneHot: label ${label} at index ${i} is not a class in [0, ${classes - 1}]`);
    }
    t.data[i * classes + label] = 1;
  }
  return t;
}
