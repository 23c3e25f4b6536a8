// Sequential: a list of layers plus a loss, with the seed article's vocabulary —
// predict (forward), loss, gradient (backpropagation), params — and numericalGradient for tests.

import { Conv2d } from '../layers/conv2d.js';
import type { Layer, Mode, OuterUpdate } from '../layers/layer.js';
import { LeakyRelu } from '../layers/leaky_relu.js';
import { Relu } from '../layers/relu.js';
import type { Loss } from '../losses/loss.js';
import type { Grads, Optimizer, Params } from '../optimizers/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../util/errors.js';
import type { Random } from '../util/random.js';

export interface SequentialOptions {
  /** The input shape without the batch dimension, e.g. [784]: checks every layer fits when the model is built. */
  inputShape?: readonly number[];
  /** The generator the model's dropout layers draw from, kept here so a checkpoint can save its state. */
  random?: Random;
}

/**
 * Layers applied in order, then a loss. Parameters are keyed as in the seed and the book: `W1, b1, W2, …`,
 * numbered over the layers that have parameters.
 *
 * @example
 * const net = new Sequential([new Affine({ inFeatures: 784, outFeatures: 3 })], new SumSquaredError());
 * const grads = net.gradient(x, t);          // predict → loss → backward in reverse order
 * new Momentum().update(net.params(), grads); // the seed's training step
 */
export class Sequential {
  readonly inputShape: readonly number[] | undefined;
  /** The generator the dropout layers draw from (`buildModel` sets it): save `random.getState()` to resume exactly. */
  readonly random: Random | undefined;
  private readonly paramMap: Params = new Map();
  private readonly bufferMap = new Map<string, Tensor>();
  private readonly gradMap: Grads = new Map();
  /** Index of the first layer with parameters (-1 when none): where backpropagation can stop. */
  private readonly firstWithParams: number;
  /** The key of each parameter tensor, for the fused update of trainStep. */
  private readonly keyOf = new Map<Tensor, string>();
  /** For trainStep's fused path: params and grads without the fused one, by its key (made once). */
  private readonly unfused = new Map<string, { params: Params; grads: Grads }>();
  private fusedKey: string | undefined;
  private fusedFor: { optimizer: Optimizer; update: OuterUpdate } | undefined;

  constructor(
    readonly layers: Layer[],
    readonly lossFunction: Loss,
    options: SequentialOptions = {},
  ) {
    this.inputShape = options.inputShape;
    this.random = options.random;
    if (this.inputShape !== undefined) this.outputShape([1, ...this.inputShape]);
    let index = 0;
    for (const layer of layers) {
      const params = layer.params();
      const buffers = layer.buffers?.() ?? [];
      if (params.length === 0 && buffers.length === 0) continue;
      index++;
      for (const param of params) {
        this.paramMap.set(`${param.name}${index}`, param.value);
        this.gradMap.set(`${param.name}${index}`, param.grad);
        this.keyOf.set(param.value, `${param.name}${index}`);
      }
      for (const buffer of buffers) this.bufferMap.set(`${buffer.name}${index}`, buffer.value);
    }
    this.firstWithParams = layers.findIndex((layer) => layer.params().length > 0);
    fuseActivations(layers);
  }

  /** The output shape for an input shape (batch included); throws a ShapeError naming the layer index that does not fit. */
  outputShape(inputShape: readonly number[]): number[] {
    let shape = [...inputShape];
    this.layers.forEach((layer, i) => {
      try {
        shape = layer.outputShape(shape);
      } catch (error) {
        if (error instanceof ShapeError)
          throw new ShapeError(`layer ${i + 1} of ${this.layers.length}: ${error.message}`);
        throw error;
      }
    });
    return shape;
  }

  /** Runs every layer's forward in order. The result belongs to the last layer (overwritten next call). */
  forward(x: Tensor, mode: Mode): Tensor {
    this.checkInput(x);
    let y = x;
    for (const layer of this.layers) y = layer.forward(y, mode);
    return y;
  }

  /** Runs every layer's backward in reverse order and returns dL/dx. */
  backward(dy: Tensor): Tensor {
    let d = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) d = this.layers[i].backward(d);
    return d;
  }

  /** Inference (the seed's `predict`): an eval-mode forward pass; returns a tensor the caller owns. */
  predict(x: Tensor): Tensor {
    return this.forward(x, 'eval').clone();
  }

  /** The loss of a train-mode forward pass on (x, t) (the seed's `predict` then `loss_func`). */
  loss(x: Tensor, t: Tensor): number {
    return this.lossFunction.forward(this.forward(x, 'train'), t);
  }

  /**
   * Backpropagation (the seed's `gradient`): forward, loss, then every backward in reverse order.
   * Returns the gradients by key; they are the layers' live grad tensors, overwritten by the next call.
   */
  gradient(x: Tensor, t: Tensor): Grads {
    this.loss(x, t);
    // Only parameter gradients are wanted: layers before the first one with parameters need no
    // backward at all, and that layer needs no dx.
    let d = this.lossFunction.backward();
    const first = this.firstWithParams;
    for (let i = this.layers.length - 1; i > first && i >= 0; i--) d = this.layers[i].backward(d);
    const firstLayer = this.layers[first];
    if (firstLayer?.backwardParams !== undefined) firstLayer.backwardParams(d);
    else firstLayer?.backward(d);
    return this.gradMap;
  }

  /**
   * One training step, `optimizer.update(net.params(), net.gradient(x, t))`, returning the loss. Where the
   * first layer with parameters and the optimizer allow it (Affine at batch 1 with Momentum or Sgd), that
   * layer's weight gradient xᵀ·dy goes straight into the update and is never stored, which saves a
   * write and a read of the largest array of the step; `grads()` then holds a stale value for it.
   * `adjustGrads` runs between the backward pass and the update (weight decay adds λ·W there); it turns
   * the fused path off, since it needs every gradient stored.
   *
   * @example
   * for (const batch of batches.epoch(order)) net.trainStep(batch.x, batch.t, optimizer);
   */
  trainStep(
    x: Tensor,
    t: Tensor,
    optimizer: Optimizer,
    adjustGrads?: (params: Params, grads: Grads) => void,
  ): number {
    const loss = this.loss(x, t);
    let d = this.lossFunction.backward();
    const first = this.firstWithParams;
    for (let i = this.layers.length - 1; i > first && i >= 0; i--) d = this.layers[i].backward(d);
    const firstLayer = this.layers[first];
    this.fusedKey = undefined;
    if (
      adjustGrads === undefined &&
      optimizer.updateOuter !== undefined &&
      firstLayer?.backwardParamsFused?.(d, this.fusedUpdate(optimizer))
    ) {
      const rest = this.unfusedParams(this.fusedKey);
      optimizer.update(rest.params, rest.grads);
      return loss;
    }
    if (firstLayer?.backwardParams !== undefined) firstLayer.backwardParams(d);
    else firstLayer?.backward(d);
    adjustGrads?.(this.paramMap, this.gradMap);
    optimizer.update(this.paramMap, this.gradMap);
    return loss;
  }

  // The callback a layer hands its outer-product gradient to: made once per optimizer, not per step.
  private fusedUpdate(optimizer: Optimizer): OuterUpdate {
    if (this.fusedFor?.optimizer !== optimizer) {
      this.fusedFor = { optimizer, update: this.makeFusedUpdate(optimizer) };
    }
    return this.fusedFor.update;
  }

  // The closure on its own: a function that makes a closure gets a context object (48 bytes) on every
  // call, even when the closure is not made, and fusedUpdate runs every step.
  private makeFusedUpdate(optimizer: Optimizer): OuterUpdate {
    return (param, x, dy) => {
      const key = this.keyOf.get(param.value);
      if (key === undefined || optimizer.updateOuter === undefined) {
        throw new Error(`Sequential.trainStep: ${param.name} is not a parameter of this model`);
      }
      optimizer.updateOuter(key, param.value, x, dy);
      this.fusedKey = key;
    };
  }

  private unfusedParams(fusedKey: string | undefined): { params: Params; grads: Grads } {
    const key = fusedKey ?? '';
    let rest = this.unfused.get(key);
    if (rest === undefined) {
      rest = {
        params: new Map([...this.paramMap].filter(([k]) => k !== key)),
        grads: new Map([...this.gradMap].filter(([k]) => k !== key)),
      };
      this.unfused.set(key, rest);
    }
    return rest;
  }

  /** The live gradient tensors by key, as the last `backward` left them. */
  grads(): Grads {
    return this.gradMap;
  }

  /** The live parameter tensors by key (the seed's `params`): an optimizer updates them in place. */
  params(): Params {
    return this.paramMap;
  }

  /**
   * The live non-trained state by key, numbered as the params (`runningMean2, runningVar2` for a batch
   * norm whose params are `gamma2, beta2`): a model file stores these beside the params, and loading
   * copies into them in place.
   */
  buffers(): Map<string, Tensor> {
    return this.bufferMap;
  }

  /**
   * Central differences (L(θ + h) − L(θ − h)) / 2h for every parameter element, as the book's
   * `numerical_gradient`. Slow (two forward passes per element): for checking `gradient` on small nets.
   */
  numericalGradient(x: Tensor, t: Tensor, h = 1e-3): Grads {
    const result: Grads = new Map();
    for (const [key, param] of this.paramMap) {
      const numeric = param.clone();
      for (let i = 0; i < param.size; i++) {
        const original = param.data[i];
        param.data[i] = original + h;
        const plus = this.loss(x, t);
        param.data[i] = original - h;
        const minus = this.loss(x, t);
        param.data[i] = original;
        numeric.data[i] = (plus - minus) / (2 * h);
      }
      result.set(key, numeric);
    }
    return result;
  }

  /** One line per layer with its output shape and parameter count, for a given batch size. */
  summary(batch = 1): string {
    if (this.inputShape === undefined) return this.layers.map((layer) => layer.label).join('\n');
    let shape = [batch, ...this.inputShape];
    const lines = [`input ${formatShape(shape)}`];
    for (const layer of this.layers) {
      shape = layer.outputShape(shape);
      const count = layer.params().reduce((sum, p) => sum + p.value.size, 0);
      lines.push(
        `${layer.label.padEnd(24)} → ${formatShape(shape).padEnd(12)} ${count > 0 ? `${count} params` : ''}`.trimEnd(),
      );
    }
    lines.push(`loss: ${this.lossFunction.label}`);
    return lines.join('\n');
  }

  private checkInput(x: Tensor): void {
    if (this.inputShape === undefined) return;
    const expected = this.inputShape;
    let fits = x.shape.length === expected.length + 1;
    for (let i = 0; fits && i < expected.length; i++) fits = x.shape[i + 1] === expected[i];
    if (!fits) {
      throw new ShapeError(
        `Sequential: expected input [n, ${expected.join(', ')}], received ${formatShape(x.shape)}`,
      );
    }
  }
}

/**
 * A stride-1 Conv2d followed by LeakyRelu (alpha in [0, 1]) or Relu applies the activation as it
 * writes its output, and the activation layer passes it through: one pass over the feature map fewer
 * (the bench network's batch-1 inference: three of them). Results are unchanged.
 */
function fuseActivations(layers: readonly Layer[]): void {
  for (let i = 0; i + 1 < layers.length; i++) {
    const [layer, next] = [layers[i], layers[i + 1]];
    const slope = next instanceof LeakyRelu ? next.alpha : next instanceof Relu ? 0 : undefined;
    if (layer instanceof Conv2d && slope !== undefined && layer.fuseActivation(slope)) {
      (next as LeakyRelu | Relu).takeFusedInput();
    }
  }
}
