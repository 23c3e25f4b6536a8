// Sequential: a list of layers plus a loss, with the seed article's vocabulary —
// predict (forward), loss, gradient (backpropagation), params — and numericalGradient for tests.

import type { Layer, Mode } from '../layers/layer.js';
import type { Loss } from '../losses/loss.js';
import type { Grads, Optimizer, Params } from '../optimizers/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../util/errors.js';
import type { Random } from '../util/random.js';
import { FastStep } from './fast_step.js';

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
  /** The fast paths (fast_step.ts): planned from what the layers declare, without changing them. */
  private readonly fastStep: FastStep;

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
      }
      for (const buffer of buffers) this.bufferMap.set(`${buffer.name}${index}`, buffer.value);
    }
    this.firstWithParams = layers.findIndex((layer) => layer.params().length > 0);
    this.fastStep = new FastStep(layers, this.paramMap, this.gradMap);
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

  /**
   * Runs every layer's forward in order, `for (const layer of layers) x = layer.forward(x, mode)`, through
   * the plan of fast_step.ts: a convolution followed by LeakyReLU or ReLU applies it as it writes its
   * output, the same numbers in one pass fewer. The result belongs to the last layer (overwritten next call).
   */
  forward(x: Tensor, mode: Mode): Tensor {
    this.checkInput(x);
    return this.fastStep.forward(x, mode);
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
    return this.backpropagate();
  }

  /**
   * One training step, `optimizer.update(net.params(), net.gradient(x, t))`, returning the loss.
   * `adjustGrads` runs between the two (weight decay adds λ·W there). Without it, where the first layer
   * with parameters and the optimizer offer a fused update (an Affine layer at batch 1 with Momentum or
   * Sgd), fast_step.ts runs the same step with that layer's weight gradient going straight into the
   * update, never stored: `grads()` then holds a stale value for it.
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
    if (adjustGrads === undefined && this.fastStep.fusesUpdate(optimizer)) {
      this.fastStep.backwardAndUpdate(this.lossFunction.backward(), optimizer);
      return loss;
    }
    const grads = this.backpropagate();
    adjustGrads?.(this.paramMap, grads);
    optimizer.update(this.paramMap, grads);
    return loss;
  }

  // The backward half of `gradient`, after a train-mode forward and the loss.
  private backpropagate(): Grads {
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
