// The Optimizer interface (the seed's `update(params, grads)`) and the base class the optimizers share:
// the gradient check per parameter, and named per-parameter state that a checkpoint can save.

import { assertSameShape, sameShape, Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';

/** Live parameter tensors by key (`W1, b1, …`): an optimizer changes them in place. */
export type Params = Map<string, Tensor>;
/** Gradients dL/dθ by the same keys. */
export type Grads = Map<string, Tensor>;

/** Changes every parameter in place from its gradient (the seed's `update(params, grads)`). */
export interface Optimizer {
  /** The learning rate; a schedule may change it between steps. */
  lr: number;
  update(params: Params, grads: Grads): void;
  /**
   * Optional fused path (Sequential.trainStep): updates the parameter `key` whose gradient is the
   * outer product xᵀ·dy (an Affine layer at batch 1) without that gradient ever being stored. Same
   * result as `update` given that gradient.
   */
  updateOuter?(key: string, w: Tensor, x: Float32Array, dy: Float32Array): void;
  /** Everything the optimizer remembers between steps, by name (`velocity.W1` …): saved in checkpoints. */
  readonly state: Map<string, Tensor>;
}

/**
 * What the optimizers share: one loop over the parameters that checks each gradient and hands the
 * flat arrays to `step`, and lazily created zero state (`slot`).
 */
export abstract class BaseOptimizer implements Optimizer {
  readonly state = new Map<string, Tensor>();
  private readonly slotIds = new Map<string, Map<string, string>>();

  constructor(
    readonly label: string,
    public lr: number,
  ) {
    checkHyperparameter(label, 'lr', lr, 0);
  }

  update(params: Params, grads: Grads): void {
    checkHyperparameter(this.label, 'lr', this.lr, 0);
    this.beginUpdate();
    // forEach with a callback made once (not for-of, whose entries are fresh arrays): an update
    // should allocate nothing.
    this.grads = grads;
    params.forEach(this.updateParam);
  }

  private grads: Grads = new Map();
  private readonly updateParam = (param: Tensor, key: string): void => {
    const grad = this.grads.get(key);
    if (grad === undefined) {
      throw new ValueError(
        `${this.label}: no gradient for parameter '${key}' (grads has ${[...this.grads.keys()].join(', ')})`,
      );
    }
    // The message is built only on a mismatch.
    if (!sameShape(param.shape, grad.shape)) {
      assertSameShape(`${this.label}: gradient '${key}'`, param.shape, grad.shape);
    }
    this.step(key, param.data, grad.data);
  };

  /** Updates one parameter `w` in place from its gradient `g`. */
  protected abstract step(key: string, w: Float32Array, g: Float32Array): void;

  /** Runs once per update, before the parameters (Adam counts its steps here). */
  protected beginUpdate(): void {}

  /** The state array `name.key` (e.g. `velocity.W1`) of `size` elements, zero on first use. */
  protected slot(name: string, key: string, size: number): Float32Array {
    const id = this.slotId(name, key);
    let tensor = this.state.get(id);
    if (tensor === undefined) {
      tensor = new Tensor([size]);
      this.state.set(id, tensor);
    }
    return tensor.data;
  }

  // `name.key`, made once per pair: building the string every step would allocate in the training loop.
  private slotId(name: string, key: string): string {
    let ids = this.slotIds.get(name);
    if (ids === undefined) {
      ids = new Map();
      this.slotIds.set(name, ids);
    }
    let id = ids.get(key);
    if (id === undefined) {
      id = `${name}.${key}`;
      ids.set(key, id);
    }
    return id;
  }
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
