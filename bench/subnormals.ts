// Where subnormal floats arise in training, counted (not timed: only some CPUs pay for them, see
// bench/machine.ts). Three trainings on MNIST, run layer by layer so that every array can be looked at:
//   seed    the seed network (784-500-100-3, LeakyReLU, SSE), Momentum 0.01/0.9, batch 1, digits 0/1/2
//   cnn     the shipped MNIST CNN (models/mnist_cnn.config.json: conv-BN-ReLU-pool ×2, affine 128,
//           affine 10, cross-entropy), Adam 0.002, batch 64, all digits
//   conv    the conv bench's network (bench/workloads.ts: three conv-LeakyReLU-pool blocks, two affine
//           layers, SSE) on MNIST digits padded to 96×96, Momentum 1e-5/0.9, batch 8
// For each: the share of subnormal values among every layer's activations, every dL/dx passed back,
// every parameter gradient, and the optimizer's state and batch norm's running statistics as stored
// (flushed: must be 0) and as an unflushed shadow of the same update would hold them (computed here in
// float32 beside the training). Prints one JSON line per training and array kind (--steps N per training).
//   node dist/bench/subnormals.js [--steps N] [--only seed|cnn|conv]

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useDefaultBackend } from '../src/backend/select.js';
import { Batches } from '../src/data/batches.js';
import { loadMnist } from '../src/data/mnist.js';
import { BatchNorm } from '../src/layers/batch_norm.js';
import { type Architecture, buildModel } from '../src/model/architecture.js';
import type { Sequential } from '../src/model/sequential.js';
import { threeLayerNet } from '../src/model/zoo.js';
import { Adam } from '../src/optimizers/adam.js';
import { Momentum } from '../src/optimizers/momentum.js';
import type { Optimizer } from '../src/optimizers/optimizer.js';
import { Tensor } from '../src/tensor/tensor.js';
import { FLOAT32_MIN_NORMAL } from '../src/util/float32.js';
import { CONV_BENCH_ARCHITECTURE } from './workloads.js';

/** Subnormal and total values seen in one kind of array, and the worst single array. */
class Census {
  subnormal = 0;
  total = 0;
  worst = { share: 0, where: '' };

  count(where: string, data: Float32Array | number[]): void {
    let subnormal = 0;
    for (const v of data) if (v !== 0 && Math.abs(v) < FLOAT32_MIN_NORMAL) subnormal++;
    this.subnormal += subnormal;
    this.total += data.length;
    const share = subnormal / Math.max(1, data.length);
    if (share > this.worst.share) this.worst = { share, where };
  }

  summary() {
    return {
      subnormal_share: Number((this.subnormal / Math.max(1, this.total)).toPrecision(3)),
      subnormal_values: this.subnormal,
      values: this.total,
      worst_array: this.worst.where,
      worst_share: Number(this.worst.share.toPrecision(3)),
    };
  }
}

const KINDS = ['activations', 'input gradients', 'parameter gradients', 'state as stored', 'state unflushed'];

/**
 * The unflushed shadow of an optimizer's state: the same update in float32 (one rounding per
 * operation, as the kernels do) without the flush, from the same gradients.
 */
type Shadow = (key: string, g: Float32Array) => Float32Array[];

function momentumShadow(lr: number, momentum: number): Shadow {
  const velocity = new Map<string, Float32Array>();
  const f = Math.fround;
  return (key, g) => {
    const v = velocity.get(key) ?? new Float32Array(g.length);
    velocity.set(key, v);
    for (let i = 0; i < g.length; i++) v[i] = f(f(f(momentum) * v[i]) - f(f(lr) * g[i]));
    return [v];
  };
}

function adamShadow(beta1: number, beta2: number): Shadow {
  const moments = new Map<string, Float32Array[]>();
  const f = Math.fround;
  const [b1, b2] = [f(beta1), f(beta2)];
  return (key, g) => {
    const [m, v] = moments.get(key) ?? [new Float32Array(g.length), new Float32Array(g.length)];
    moments.set(key, [m, v]);
    for (let i = 0; i < g.length; i++) {
      m[i] = f(f(b1 * m[i]) + f(f(1 - b1) * g[i]));
      v[i] = f(f(b2 * v[i]) + f(f(1 - b2) * f(g[i] * g[i])));
    }
    return [m, v];
  };
}

/** Moves [running mean, running variance] by the batch statistics of x [n, c, …] as BatchNorm does. */
function updateRunning([mean, variance]: Float32Array[], x: Tensor, m: number): void {
  const [n, channels] = x.shape;
  const plane = x.size / (n * channels);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let i = 0; i < n; i++) for (let p = 0; p < plane; p++) sum += x.data[(i * channels + c) * plane + p];
    const mu = sum / (n * plane);
    let squares = 0;
    for (let i = 0; i < n; i++)
      for (let p = 0; p < plane; p++) squares += (x.data[(i * channels + c) * plane + p] - mu) ** 2;
    mean[c] = (1 - m) * mean[c] + m * mu;
    variance[c] = (1 - m) * variance[c] + (m * squares) / (n * plane - 1);
  }
}

/** Runs `steps` training steps layer by layer, counting subnormals in every array on the way. */
function census(
  net: Sequential,
  optimizer: Optimizer,
  shadow: Shadow,
  next: () => { x: Tensor; t: Tensor },
  steps: number,
): Record<string, Census> {
  const counts = Object.fromEntries(KINDS.map((kind) => [kind, new Census()]));
  // batch norm's running statistics unflushed: (1 − m)·running + m·batch, in float64, stored as float32
  const shadowStats = new Map<BatchNorm, Float32Array[]>();
  for (const layer of net.layers) {
    if (layer instanceof BatchNorm)
      shadowStats.set(layer, [
        Float32Array.from(layer.runningMean.data),
        Float32Array.from(layer.runningVar.data),
      ]);
  }
  for (let step = 0; step < steps; step++) {
    const { x, t } = next();
    let y = x;
    for (const layer of net.layers) {
      const stats = layer instanceof BatchNorm ? shadowStats.get(layer) : undefined;
      if (stats !== undefined && layer instanceof BatchNorm) updateRunning(stats, y, layer.momentum);
      y = layer.forward(y, 'train');
      counts.activations.count(layer.label, y.data);
    }
    const loss = net.lossFunction.forward(y, t);
    if (!Number.isFinite(loss)) throw new Error(`bench/subnormals: loss ${loss} at step ${step}`);
    let d = net.lossFunction.backward();
    for (let i = net.layers.length - 1; i >= 0; i--) {
      d = net.layers[i].backward(d);
      if (i > 0) counts['input gradients'].count(`dL/dx of ${net.layers[i].label}`, d.data);
    }
    const grads = net.grads();
    for (const [key, g] of grads) {
      counts['parameter gradients'].count(key, g.data);
      for (const state of shadow(key, g.data)) counts['state unflushed'].count(key, state);
    }
    optimizer.update(net.params(), grads);
    for (const [key, state] of optimizer.state) counts['state as stored'].count(key, state.data);
    for (const [bn, stats] of shadowStats) {
      counts['state as stored'].count(`${bn.label} running mean`, bn.runningMean.data);
      counts['state as stored'].count(`${bn.label} running variance`, bn.runningVar.data);
      counts['state unflushed'].count(`${bn.label} running mean`, stats[0]);
      counts['state unflushed'].count(`${bn.label} running variance`, stats[1]);
    }
  }
  return counts;
}

function main(): void {
  const args = process.argv.slice(2);
  const at = args.indexOf('--steps');
  const steps = at >= 0 ? Number(args[at + 1]) : 0;
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const backend = useDefaultBackend();
  const here = dirname(fileURLToPath(import.meta.url));
  const report = (training: string, stepsRun: number, counts: Record<string, Census>) => {
    for (const kind of KINDS)
      console.log(
        JSON.stringify({ training, backend: backend.name, steps: stepsRun, kind, ...counts[kind].summary() }),
      );
  };

  if (only === undefined || only === 'seed') {
    const data = loadMnist({ split: 'train', classes: [0, 1, 2] });
    const batches = new Batches(data.x, data.labels, { batchSize: 1, classes: 3 });
    const order = Array.from(data.labels, (_, i) => i);
    const epoch = batches.epoch(order);
    const count = steps || 6000;
    const net = threeLayerNet();
    report(
      'seed',
      count,
      census(
        net,
        new Momentum({ lr: 0.01, momentum: 0.9 }),
        momentumShadow(0.01, 0.9),
        () => epoch.next().value,
        count,
      ),
    );
  }
  if (only === undefined || only === 'cnn') {
    const data = loadMnist({ split: 'train' });
    const x = data.x.reshape([data.labels.length, 1, 28, 28]);
    const batches = new Batches(x, data.labels, { batchSize: 64, classes: 10 });
    const order = Array.from(data.labels, (_, i) => i);
    const epoch = batches.epoch(order);
    const config = JSON.parse(
      readFileSync(join(here, '..', '..', 'models', 'mnist_cnn.config.json'), 'utf8'),
    );
    const net = buildModel(config as Architecture, { init: 'he', seed: 0 });
    const count = steps || 300;
    report(
      'cnn',
      count,
      census(net, new Adam({ lr: 0.002 }), adamShadow(0.9, 0.999), () => epoch.next().value, count),
    );
  }
  if (only === undefined || only === 'conv') {
    const data = loadMnist({ split: 'train' });
    // each digit in the top-left 28×28 of a 96×96 image; targets: the digit's one-hot in the first 10 of 468 outputs
    const size = 8;
    const net = buildModel(CONV_BENCH_ARCHITECTURE, { init: 'xavier', seed: 0 });
    const xb = new Tensor([size, 1, 96, 96]);
    const tb = new Tensor([size, 6 * 6 * 13]);
    let sample = 0;
    const next = () => {
      xb.data.fill(0);
      tb.data.fill(0);
      for (let n = 0; n < size; n++, sample++) {
        for (let r = 0; r < 28; r++)
          for (let c = 0; c < 28; c++)
            xb.data[n * 96 * 96 + r * 96 + c] = data.x.data[sample * 784 + r * 28 + c];
        tb.data[n * 468 + data.labels[sample]] = 1;
      }
      return { x: xb, t: tb };
    };
    const count = steps || 150;
    report(
      'conv',
      count,
      census(net, new Momentum({ lr: 1e-5, momentum: 0.9 }), momentumShadow(1e-5, 0.9), next, count),
    );
  }
}

main();
