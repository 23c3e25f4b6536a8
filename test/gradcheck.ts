// Numerical gradient checks for layers and losses (central differences, as the book's
// numerical_gradient), asserting agreement with backward(): one helper, one line per test.

import type { Layer } from '../src/layers/layer.js';
import type { Loss } from '../src/losses/loss.js';
import { Tensor } from '../src/tensor/tensor.js';
import { Random } from '../src/util/random.js';
import { assertClose } from './close.js';

export interface GradCheckOptions {
  seed?: number;
  /** Step of the central difference; float32 forward passes need a larger step than the book's 1e-4. */
  h?: number;
  rtol?: number;
  atol?: number;
  /** Input values; default uniform in [−1, 1) moved away from 0 so kinks (ReLU at 0) are not straddled. */
  input?: Tensor;
}

/**
 * Checks a layer's dx and every param's grad against central differences of L = Σ y·r, where r is a
 * fixed random tensor, so that each output element gets its own upstream gradient.
 */
export function checkLayerGradients(
  layer: Layer,
  inputShape: number[],
  options: GradCheckOptions = {},
): void {
  const { seed = 1, h = 1e-2, rtol = 2e-2, atol = 2e-3 } = options;
  const rng = new Random(seed);
  const x = options.input ?? awayFromZero(Tensor.rand(inputShape, rng), h);
  const outShape = layer.outputShape(x.shape);
  const r = Tensor.rand(outShape, rng);
  for (let i = 0; i < r.size; i++) r.data[i] = 2 * r.data[i] - 1;
  const objective = (): number => {
    const y = layer.forward(x, 'train');
    let sum = 0;
    for (let i = 0; i < y.size; i++) sum += y.data[i] * r.data[i];
    return sum;
  };

  objective();
  const dx = layer.backward(r).clone();
  const analyticParams = layer.params().map((p) => p.grad.clone());

  assertClose(dx.data, numericGradient(x, objective, h), { rtol, atol, what: `${layer.label} dx` });
  layer.params().forEach((param, i) => {
    assertClose(analyticParams[i].data, numericGradient(param.value, objective, h), {
      rtol,
      atol,
      what: `${layer.label} d${param.name}`,
    });
  });
}

/** Checks a loss's backward() against central differences of forward(y, t) with respect to y. */
export function checkLossGradients(loss: Loss, y: Tensor, t: Tensor, options: GradCheckOptions = {}): void {
  const { h = 1e-2, rtol = 2e-2, atol = 2e-3 } = options;
  loss.forward(y, t);
  const dy = loss.backward().clone();
  assertClose(
    dy.data,
    numericGradient(y, () => loss.forward(y, t), h),
    { rtol, atol, what: `${loss.label} dy` },
  );
}

/** Central differences of `objective` with respect to every element of `variable` (restored afterwards). */
function numericGradient(variable: Tensor, objective: () => number, h: number): Float64Array {
  const gradient = new Float64Array(variable.size);
  for (let i = 0; i < variable.size; i++) {
    const original = variable.data[i];
    variable.data[i] = original + h;
    const plus = objective();
    variable.data[i] = original - h;
    const minus = objective();
    variable.data[i] = original;
    // Divide by the step actually taken: float32 rounds original ± h.
    gradient[i] = (plus - minus) / (Math.fround(original + h) - Math.fround(original - h));
  }
  return gradient;
}

/** Maps uniform [0, 1) values to [−1, 1) with |x| ≥ 2h, so a central difference never crosses 0. */
function awayFromZero(x: Tensor, h: number): Tensor {
  for (let i = 0; i < x.size; i++) {
    const v = 2 * x.data[i] - 1;
    x.data[i] = v >= 0 ? v + 2 * h : v - 2 * h;
  }
  return x;
}
