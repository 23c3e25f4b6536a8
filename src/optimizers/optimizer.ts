// The Optimizer interface (the seed's `update(params, grads)`), and the check every optimizer runs:
// each parameter has a gradient of the same shape.

import { assertSameShape, type Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';

/** Live parameter tensors by key (`W1, b1, …`): an optimizer changes them in place. */
export type Params = Map<string, Tensor>;
/** Gradients dL/dθ by the same keys. */
export type Grads = Map<string, Tensor>;

/** Changes every parameter in place from its gradient: `params[key] -= step(grads[key])`. */
export interface Optimizer {
  update(params: Params, grads: Grads): void;
}

/** The gradient for `key`, checked to exist and to have the parameter's shape. */
export function gradientFor(optimizer: string, key: string, param: Tensor, grads: Grads): Tensor {
  const grad = grads.get(key);
  if (grad === undefined)
    throw new ValueError(
      `${optimizer}: no gradient for parameter '${key}' (grads has ${[...grads.keys()].join(', ')})`,
    );
  assertSameShape(`${optimizer}: gradient '${key}'`, param.shape, grad.shape);
  return grad;
}

/** Throws unless `value` is a finite number within [min, max]. */
export function checkHyperparameter(
  optimizer: string,
  name: string,
  value: number,
  min: number,
  max = Number.POSITIVE_INFINITY,
): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ValueError(`${optimizer}: ${name} must be a number in [${min}, ${max}], got ${value}`);
  }
}
