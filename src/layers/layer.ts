// The Layer interface every layer implements, and the Param record that ties a live parameter
// tensor to its gradient.

import type { Tensor } from '../tensor/tensor.js';

/** A trainable tensor and its gradient. Optimizers change `value` in place; `grad = dL/dvalue`. */
export interface Param {
  /** The layer-local name: `W`, `b`, `gamma`, `beta`. Sequential numbers them: `W1, b1, W2 …`. */
  name: string;
  value: Tensor;
  grad: Tensor;
}

/**
 * A tensor a layer keeps that is not trained by gradients but belongs in a model file: batch norm's
 * running mean and variance (PyTorch calls these buffers). `value` is live: restore it in place.
 */
export interface NamedTensor {
  /** The layer-local name, e.g. `runningMean`; Sequential numbers it as it numbers params. */
  name: string;
  value: Tensor;
}

/** Receives a parameter whose gradient is the outer product xᵀ·dy, to update it without storing that. */
export type OuterUpdate = (param: Param, x: Float32Array, dy: Float32Array) => void;

/** 'train' caches what backward needs and enables dropout / batch statistics; 'eval' is inference. */
export type Mode = 'train' | 'eval';

/**
 * One step of a network: a forward map and its backward (vector–Jacobian product).
 *
 * Contracts: `forward` caches what `backward` needs; `backward(dy)` overwrites every param's `grad`,
 * returns dL/dx and never modifies `dy`. Returned tensors belong to the layer and are overwritten by
 * its next call (no allocation per step): copy them to keep them.
 */
export interface Layer {
  /** A short description for summaries and errors, e.g. `Affine(784→500)`. */
  readonly label: string;
  /** The output shape for an input shape (batch dimension included); throws ShapeError if it does not fit. */
  outputShape(inputShape: readonly number[]): number[];
  forward(x: Tensor, mode: Mode): Tensor;
  backward(dy: Tensor): Tensor;
  /**
   * Optional: overwrites the param grads exactly as `backward` does but does not compute dx. Sequential
   * calls it on the first layer with parameters, whose dx nobody reads.
   */
  backwardParams?(dy: Tensor): void;

  // Capabilities the fast paths of model/fast_step.ts look for (all optional: a layer without them
  // runs through forward and backward as written). Asking for them changes nothing in the layer.

  /**
   * The fused update of a training step: computes every param grad except one whose gradient is an
   * outer product xᵀ·dy, which goes to `update` instead of being stored. Returns false (doing nothing)
   * when it does not apply, e.g. at batch > 1.
   */
  backwardParamsFused?(dy: Tensor, update: OuterUpdate): boolean;
  /**
   * On an activation layer that is LeakyReLU, `y = x > 0 ? x : slope·x` (ReLU: 0): that slope. It says
   * what the layer computes, so that the layer before may compute it instead.
   */
  readonly leakySlope?: number;
  /**
   * With `leakySlope`: forward for an input that the layer before has already put through this
   * activation. Keeps it for backward and returns it as it is: for a slope in [0, 1], the derivative's
   * mask x > 0 reads the same from f(x) as from x.
   */
  takeActivated?(y: Tensor): Tensor;
  /** Whether `forwardActivated` can apply max(v, slope·v) for this slope. */
  fusesActivation?(slope: number): boolean;
  /**
   * forward with max(v, slope·v) applied to every output value as it is written (LeakyReLU for a slope
   * in [0, 1]), for a slope `fusesActivation` accepts: the activation's pass over y is saved.
   */
  forwardActivated?(x: Tensor, mode: Mode, slope: number): Tensor;

  /** The layer's parameters ([] when stateless). */
  params(): Param[];
  /** State to save beside the params (absent or [] for most layers). */
  buffers?(): NamedTensor[];
}
