// Inverted dropout (Srivastava et al. 2014): in training each element is kept with probability 1 − rate
// and scaled by 1/(1 − rate), so evaluation is the identity; backward applies the same mask.

import { assertSameShape, reuseOrAllocate, type Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { Random } from '../util/random.js';
import type { Layer, Mode, Param } from './layer.js';

export interface DropoutOptions {
  /** Probability of dropping an element, 0 ≤ rate < 1. */
  rate: number;
  /** Where the masks come from (default: a new `Random(0)`); share one seeded generator per model. */
  rng?: Random;
}

/**
 * Train: `y = x ⊙ m` with `m[i] = 1/(1 − rate)` with probability 1 − rate, else 0, drawn anew each
 * forward; `dx = dy ⊙ m`. Eval: `y = x`, `dx = dy` (the same tensors, no copy). Scaling in training
 * instead of at inference (the book's `x * (1 − ratio)`) keeps eval free of dropout entirely.
 * Paper: https://jmlr.org/papers/v15/srivastava14a.html
 *
 * @example
 * const dropout = new Dropout({ rate: 0.5, rng: new Random(1) });
 * dropout.forward(Tensor.from([[1, 1, 1, 1]]), 'train').data; // e.g. [2, 0, 0, 2]
 */
export class Dropout implements Layer {
  readonly label: string;
  readonly rate: number;
  private readonly rng: Random;
  private mask: Tensor | undefined;
  private y: Tensor | undefined;
  private dx: Tensor | undefined;
  private lastMode: Mode | undefined;

  constructor(options: DropoutOptions) {
    this.rate = options.rate;
    this.label = `Dropout(${this.rate})`;
    if (!(this.rate >= 0 && this.rate < 1)) {
      throw new ValueError(`Dropout: rate must be at least 0 and below 1, got ${this.rate}`);
    }
    this.rng = options.rng ?? new Random(0);
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  forward(x: Tensor, mode: Mode): Tensor {
    this.lastMode = mode;
    if (mode === 'eval') {
      this.mask = undefined;
      return x;
    }
    const mask = reuseOrAllocate(this.mask, x.shape);
    const y = reuseOrAllocate(this.y, x.shape);
    const keep = 1 / (1 - this.rate);
    for (let i = 0; i < x.size; i++) {
      mask.data[i] = this.rng.uniform() >= this.rate ? keep : 0;
      y.data[i] = x.data[i] * mask.data[i];
    }
    this.mask = mask;
    this.y = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (this.lastMode === undefined) throw new Error(`${this.label}: backward called before forward`);
    const mask = this.mask;
    if (mask === undefined) return dy;
    assertSameShape(`${this.label} backward (dy)`, mask.shape, dy.shape);
    const dx = reuseOrAllocate(this.dx, dy.shape);
    for (let i = 0; i < dy.size; i++) dx.data[i] = dy.data[i] * mask.data[i];
    this.dx = dx;
    return dx;
  }

  params(): Param[] {
    return [];
  }
}
