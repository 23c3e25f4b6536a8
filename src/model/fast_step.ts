// The fast paths behind Sequential: a forward pass in which a convolution applies the LeakyReLU / ReLU
// after it, and a training step whose batch-1 outer-product weight gradient goes straight into the
// optimizer. Planned from capabilities the layers declare (layer.ts), never from their classes.
//
// What it fuses, why the results are those of the plain path, and where the speed comes from:
// - Activation fusion. A layer offering `fusesActivation(slope)` (Conv2d, any stride) followed by one
//   declaring `leakySlope` in [0, 1] (LeakyRelu, Relu: 0): forward runs `forwardActivated`, which puts
//   every output value v through max(v, slope·v) as it writes it — for a slope in [0, 1] that is
//   `v > 0 ? v : slope·v`, the activation itself — and then the activation's `takeActivated`, which
//   keeps f(x) for backward and returns it. Backward is unchanged: the derivative's mask x > 0 reads
//   the same from f(x) as from x when slope ≥ 0. The wasm kernel computes slope·v in float32 as the
//   activation does, so the bits are the same (and for ReLU on both backends); the reference kernel
//   rounds slope·v once from its float64 sum, a last-bit difference from rounding v first. The gain:
//   one pass over each such feature map fewer (the conv bench network's batch-1 inference 1.39 →
//   1.33 ms when this was introduced).
// - The fused update. With an optimizer offering `updateOuter` (Sgd, Momentum) and a first layer with
//   parameters offering `backwardParamsFused` (Affine), at batch 1 that layer's weight gradient xᵀ·dy
//   goes to `updateOuter` instead of being stored and read back by `update`: a write and a read of the
//   largest array of the step saved. `updateOuter` is `update` given that gradient. The seed
//   network's batch-1 step: 0.127 ms through trainStep against 0.182 ms through gradient + update
//   (docs/benchmarks.md).
//
// Where fusion happens: nowhere in the layers. The plan is made when the Sequential is built, by asking
// (which changes nothing), and its state stays here: a Conv2d and a Relu put in a Sequential by hand
// still compute what they did on their own, and the model runs the same fused plan as one from
// buildModel, because both run their forward pass through this plan. Moving the fusion here from
// Sequential's constructor (which rewired the layers) changed no result and no time (bench/ab.ts).

import type { Layer, Mode, OuterUpdate } from '../layers/layer.js';
import type { Grads, Optimizer, Params } from '../optimizers/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';

/** A layer that applies the activation after it as it writes its output, and that activation. */
interface ActivatedPair {
  readonly layer: Required<Pick<Layer, 'forwardActivated'>>;
  readonly activation: Required<Pick<Layer, 'takeActivated'>>;
  readonly slope: number;
}

/**
 * The plan Sequential runs its forward pass and (when `fusesUpdate`) its training step through. It
 * holds the layers and the model's parameter and gradient maps by reference.
 *
 * @example
 * const plan = new FastStep(net.layers, net.params(), net.grads());
 * plan.activatingLayers; // [0, 3]: layers 0 and 3 apply the activation after them
 */
export class FastStep {
  /** By layer index: the pair that layer starts, when it applies the next layer's activation. */
  private readonly pairs: (ActivatedPair | undefined)[];
  /** Index of the first layer with parameters (-1 when none): where backpropagation can stop. */
  private readonly first: number;
  /** The key of each parameter tensor, for the fused update. */
  private readonly keyOf = new Map<Tensor, string>();
  /** Params and grads without the fused one, by its key (made once). */
  private readonly unfused = new Map<string, { params: Params; grads: Grads }>();
  private fusedKey: string | undefined;
  private fusedFor: { optimizer: Optimizer; update: OuterUpdate } | undefined;

  constructor(
    private readonly layers: readonly Layer[],
    private readonly params: Params,
    private readonly grads: Grads,
  ) {
    this.pairs = planActivations(layers);
    this.first = layers.findIndex((layer) => layer.params().length > 0);
    for (const [key, value] of params) this.keyOf.set(value, key);
  }

  /** The indices of the layers that apply the activation after them. */
  get activatingLayers(): number[] {
    return this.pairs.flatMap((pair, i) => (pair === undefined ? [] : [i]));
  }

  /** Every layer's forward in order, a planned pair as one pass. The result belongs to the last layer. */
  forward(x: Tensor, mode: Mode): Tensor {
    const { layers, pairs } = this;
    let y = x;
    for (let i = 0; i < layers.length; i++) {
      const pair = pairs[i];
      if (pair === undefined) {
        y = layers[i].forward(y, mode);
      } else {
        y = pair.activation.takeActivated(pair.layer.forwardActivated(y, mode, pair.slope));
        i++; // the activation's forward is done
      }
    }
    return y;
  }

  /**
   * Whether `backwardAndUpdate` may fuse the first layer's update with this optimizer: it offers
   * `updateOuter` and the first layer with parameters offers `backwardParamsFused`.
   */
  fusesUpdate(optimizer: Optimizer): boolean {
    return optimizer.updateOuter !== undefined && this.layers[this.first]?.backwardParamsFused !== undefined;
  }

  /**
   * The rest of a training step after the loss's forward, from dL/dy (`lossFunction.backward()`):
   * backward in reverse order, then the update. The first layer's outer-product gradient goes straight
   * into `optimizer.updateOuter` where that layer applies it (batch 1); otherwise this is Sequential's
   * backward and `optimizer.update(params, grads)`. Call it only when `fusesUpdate(optimizer)`.
   */
  backwardAndUpdate(dy: Tensor, optimizer: Optimizer): void {
    const { layers, first } = this;
    let d = dy;
    for (let i = layers.length - 1; i > first; i--) d = layers[i].backward(d);
    const firstLayer = layers[first];
    this.fusedKey = undefined;
    if (firstLayer.backwardParamsFused?.(d, this.fusedUpdate(optimizer))) {
      const rest = this.unfusedParams(this.fusedKey);
      optimizer.update(rest.params, rest.grads);
      return;
    }
    if (firstLayer.backwardParams !== undefined) firstLayer.backwardParams(d);
    else firstLayer.backward(d);
    optimizer.update(this.params, this.grads);
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
        params: new Map([...this.params].filter(([k]) => k !== key)),
        grads: new Map([...this.grads].filter(([k]) => k !== key)),
      };
      this.unfused.set(key, rest);
    }
    return rest;
  }
}

/**
 * Pairs each layer that can apply max(v, slope·v) with the LeakyReLU (slope in [0, 1]: then it is that
 * function, and f(x) > 0 exactly where x > 0) or ReLU right after it. Only asks the layers.
 */
function planActivations(layers: readonly Layer[]): (ActivatedPair | undefined)[] {
  const pairs: (ActivatedPair | undefined)[] = layers.map(() => undefined);
  for (let i = 0; i + 1 < layers.length; i++) {
    const [layer, next] = [layers[i], layers[i + 1]];
    const slope = next.leakySlope;
    if (slope === undefined || !(slope >= 0 && slope <= 1) || next.takeActivated === undefined) continue;
    if (layer.forwardActivated === undefined || layer.fusesActivation?.(slope) !== true) continue;
    pairs[i] = {
      layer: layer as ActivatedPair['layer'],
      activation: next as ActivatedPair['activation'],
      slope,
    };
    i++; // an activation absorbed into the layer before starts no pair itself
  }
  return pairs;
}
