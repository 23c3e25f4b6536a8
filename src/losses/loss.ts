// The Loss interface, and the checks every loss runs on its inputs: t must have y's shape exactly
// (no broadcasting), and a loss that comes out NaN or Infinity is an error, never a silent number.

import { sameShape, type Tensor } from '../tensor/tensor.js';
import { formatShape, NumericError, ShapeError } from '../util/errors.js';

/** A loss L(y, t): `forward` returns L and caches what `backward` needs; `backward` returns dL/dy. */
export interface Loss {
  readonly label: string;
  /** 'sum' adds every sample's loss (the seed's SSE); 'mean' averages over the batch (cross-entropy). */
  readonly reduction: 'sum' | 'mean';
  forward(y: Tensor, t: Tensor): number;
  /** dL/dy for the last forward, shaped like y. Belongs to the loss and is overwritten next call. */
  backward(): Tensor;
}

/**
 * Throws a ShapeError unless `t` has exactly `y`'s shape. This catches the article's silent trap:
 * numpy broadcasts labels [n] or a [3] vector against outputs [n, 3] and trains on garbage.
 */
export function checkTarget(label: string, y: Tensor, t: Tensor): void {
  if (sameShape(y.shape, t.shape)) return;
  const hint =
    t.shape.length === 1 && y.shape.length === 2
      ? ' (class labels? turn them into one-hot rows with oneHot(labels, classes); a single target row needs shape [1, k])'
      : '';
  throw new ShapeError(
    `${label}: t has shape ${formatShape(t.shape)} but y has shape ${formatShape(y.shape)}; they must match${hint}`,
  );
}

/** Throws a NumericError naming the first non-finite element when the loss is NaN or ±Infinity. */
export function checkFiniteLoss(label: string, loss: number, y: Tensor, t: Tensor): number {
  if (Number.isFinite(loss)) return loss;
  const badY = y.data.findIndex((v) => !Number.isFinite(v));
  const badT = t.data.findIndex((v) => !Number.isFinite(v));
  const where =
    badY >= 0
      ? `y[${badY}] = ${y.data[badY]}`
      : badT >= 0
        ? `t[${badT}] = ${t.data[badT]}`
        : 'the inputs are finite but the sum overflowed';
  throw new NumericError(`${label}: loss is ${loss} (${where}); lower the learning rate or check the data`);
}
