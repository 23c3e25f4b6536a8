// The convolution benchmark of issue 5: a tiny YOLO-like CNN on 8×1×96×96 (conv3×3(16) → LeakyReLU →
// maxpool2 → conv3×3(32) → … → affine(6·6·13), SSE, Momentum). Prints JSON lines. --torch also runs the
// PyTorch anchor (../shared/anchors/python/torch_cnn.py) on one thread and on zerodl's thread count;
// --tfjs the TensorFlow.js wasm anchor (../shared/anchors/js/bench_tfjs.mjs, after `npm ci` there).
// Anchor lines carry `zerodl_speedup` = anchor time / zerodl time at zerodl's thread count (> 1: zerodl
// is faster), the same convention as `npm run bench`. Also `mnist_cnn_step_b64`: a training step of the
// shipped MNIST CNN's architecture (no anchor). The first line names the machine (bench/machine.ts), and
// every line carries its CPU, clock and subnormal penalty.
//   ZERODL_THREADS=1 node dist/bench/conv.js [--torch] [--tfjs] [--anchors DIR] [--anchors-js DIR] [--seconds S]

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useDefaultBackend } from '../src/backend/select.js';
import { loadWasmRuntime } from '../src/backend/wasm/module.js';
import { type Architecture, buildModel } from '../src/model/architecture.js';
import { Adam } from '../src/optimizers/adam.js';
import { Momentum } from '../src/optimizers/momentum.js';
import { Tensor } from '../src/tensor/tensor.js';
import { Random } from '../src/util/random.js';
import { anchorEnvironment } from './anchors.js';
import { machineFields, measureMachine } from './machine.js';
import { measure } from './timing.js';
import { CONV_BENCH_ARCHITECTURE } from './workloads.js';

function main(): void {
  const args = process.argv.slice(2);
  const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 2) || 2;
  const machine = measureMachine(loadWasmRuntime('simd128'));
  console.log(JSON.stringify({ source: 'machine', ...machine }));
  const named = machineFields(machine);
  const backend = useDefaultBackend();
  const threads = (backend as { threads?: number }).threads ?? 1;
  // the build of the wasm kernels (ZERODL_SIMD: relaxed or simd128); absent on the reference backend
  const simd = (backend as { runtime?: { simd: string } }).runtime?.simd;
  const pool = (backend as { pool?: { coreRoundTripNs: number } }).pool;
  const net = buildModel(CONV_BENCH_ARCHITECTURE, { init: 'xavier', seed: 0 });
  const optimizer = new Momentum({ lr: 1e-5, momentum: 0.9 });
  const rng = new Random(0);
  const x8 = Tensor.rand([8, 1, 96, 96], rng);
  const t8 = Tensor.rand([8, 6 * 6 * 13], rng);
  const x1 = Tensor.rand([1, 1, 96, 96], rng);
  // The shipped MNIST CNN (models/mnist_cnn.config.json: conv-BN-ReLU-pool ×2, affine 128, affine 10)
  // as README's training command runs it: batch 64, Adam, He init (random images, one-hot targets).
  const here = dirname(fileURLToPath(import.meta.url));
  const mnistConfig = join(here, '..', '..', 'models', 'mnist_cnn.config.json');
  const mnistNet = buildModel(JSON.parse(readFileSync(mnistConfig, 'utf8')) as Architecture, {
    init: 'he',
    seed: 0,
  });
  const adam = new Adam({ lr: 0.002 });
  const x64 = Tensor.rand([64, 1, 28, 28], rng);
  const t64 = new Tensor([64, 10]);
  for (let i = 0; i < 64; i++) t64.data[i * 10 + (i % 10)] = 1;
  let sink = 0; // consumed below, so the work cannot be skipped
  const workloads: [string, () => void][] = [
    [
      'conv_step_b8',
      () => {
        optimizer.update(net.params(), net.gradient(x8, t8));
        sink += net.params().get('b5')?.data[0] ?? 0;
      },
    ],
    [
      'conv_infer_b1',
      () => {
        sink += net.forward(x1, 'eval').data[0];
      },
    ],
    ['mnist_cnn_step_b64', () => (sink += mnistNet.trainStep(x64, t64, adam))],
  ];
  const results: Record<string, number> = {};
  for (const [workload, fn] of workloads) {
    const timing = measure(fn, { targetS: seconds, warmup: 5 });
    results[workload] = timing.medianMs;
    const line = {
      workload,
      impl: 'zerodl',
      backend: backend.name,
      simd,
      threads,
      median_ms: round(timing.medianMs),
      min_ms: round(timing.minMs),
      reps: timing.reps,
      loadavg: loadavg().map(round),
      // the pool's core-to-core round trip (about 130 ns with a shared L3, 520 without; thread_pool.ts)
      ...(threads > 1 ? { core_round_trip_ns: Math.round(pool?.coreRoundTripNs ?? 0) } : {}),
      ...named,
    };
    console.log(JSON.stringify(line));
  }
  if (!Number.isFinite(sink)) throw new Error('conv bench: the network produced a non-finite value');
  const option = (flag: string, fallback: string) => {
    const at = args.indexOf(flag);
    return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
  };
  // Default: the team's anchors beside the repository; --anchors DIR for a copy where setup.sh has run.
  const anchors = option('--anchors', join(here, '..', '..', '..', 'shared', 'anchors', 'python'));
  if (args.includes('--torch')) {
    for (const torchThreads of new Set([1, threads]))
      printAnchor(runTorch(anchors, torchThreads), results, named);
  }
  if (args.includes('--tfjs'))
    printAnchor(runTfjs(option('--anchors-js', join(anchors, '..', 'js'))), results, named);
}

interface AnchorLine {
  impl: string;
  workload: string;
  median_ms?: number;
  [field: string]: unknown;
}

// Prints an anchor's lines with zerodl's speed-up on the same workload, and the machine's fields.
function printAnchor(lines: AnchorLine[], zerodl: Record<string, number>, named: object): void {
  for (const line of lines) {
    const ours = zerodl[line.workload];
    const speedup = ours && line.median_ms ? round(line.median_ms / ours) : undefined;
    console.log(
      JSON.stringify({ ...line, ...(speedup === undefined ? {} : { zerodl_speedup: speedup }), ...named }),
    );
  }
}

// The PyTorch anchor in the anchors' environment, on the OpenBLAS their setup.sh extracts when present
// (as bench/anchors.ts does).
function runTorch(anchors: string, threads: number): AnchorLine[] {
  const openblas = join(anchors, 'deps/root/usr/lib/x86_64-linux-gnu/openblas-openmp');
  const env = anchorEnvironment();
  if (existsSync(join(openblas, 'libblas.so.3'))) env.LD_LIBRARY_PATH = openblas;
  else console.error("PyTorch runs on Debian's reference BLAS: run the anchors' setup.sh for OpenBLAS");
  return anchorLines('PyTorch', '/usr/bin/python3', [join(anchors, 'torch_cnn.py'), String(threads)], env);
}

// TensorFlow.js on its wasm backend (which cannot train this network: it reports that as a note line).
function runTfjs(anchorsJs: string): AnchorLine[] {
  if (!existsSync(join(anchorsJs, 'node_modules', '@tensorflow', 'tfjs-backend-wasm'))) {
    console.error(`TensorFlow.js anchor skipped: run 'npm ci' in ${anchorsJs} first`);
    return [];
  }
  const env = { ...process.env, RESULTS: join(tmpdir(), 'zerodl-tfjs-anchor.jsonl') };
  const lines = anchorLines(
    'TensorFlow.js',
    process.execPath,
    ['bench_tfjs.mjs', 'wasm', '--only=conv'],
    env,
    anchorsJs,
  );
  return lines.filter((line) => line.workload !== 'conv_infer_b8');
}

// Runs an anchor script and parses the JSON lines it prints; a failure is reported and gives none.
function anchorLines(
  name: string,
  command: string,
  commandArgs: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): AnchorLine[] {
  const run = spawnSync(command, commandArgs, { encoding: 'utf8', env, cwd });
  if (run.status !== 0) {
    console.error(`${name} anchor skipped: ${run.error?.message ?? run.stderr.trim().split('\n').pop()}`);
    return [];
  }
  return run.stdout
    .split('\n')
    .filter((text) => text.startsWith('{'))
    .map((text) => JSON.parse(text) as AnchorLine);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

main();
