// The thread pool's placement policies compared in one process on two threads: blocks of each workload
// run with the pool as shipped, with its far-cores rule off, and with its chunks claimed in claim order
// instead of from both ends (placement.ts: farCores, twoEnded; thread_pool.ts: chunkOf), the three alternating round
// after round. Each block is labelled with the core-to-core round trip the pool measured after it. The
// two vCPUs of these VMs move between cores that share an L3 (about 130 ns) and cores that do not
// (about 520 ns) within minutes, so only blocks run side by side compare; separate processes do not.
//   node --expose-gc dist/bench/pool.js [--rounds N] [--json]
// Prints the machine (bench/machine.ts), then, per placement and policy, the median over blocks of each
// workload's median time (ms); with --json, a machine line and one line per block carrying its fields.

import { setBackend } from '../src/backend/active.js';
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { loadWasmRuntime } from '../src/backend/wasm/module.js';
import { buildModel } from '../src/model/architecture.js';
import { threeLayerNet } from '../src/model/zoo.js';
import { Momentum } from '../src/optimizers/momentum.js';
import { setFloat32Allocator, setInt32Allocator } from '../src/tensor/storage.js';
import { Tensor } from '../src/tensor/tensor.js';
import { Random } from '../src/util/random.js';
import { describeMachine, machineFields, measureMachine } from './machine.js';
import { CONV_BENCH_ARCHITECTURE, loadMnist3, rows } from './workloads.js';

/** A round trip above this (ns) labels a block 'far' (the pool's own threshold is the same). */
const FAR_NS = 300;

const POLICIES = {
  'as shipped': { farCores: true, twoEnded: true },
  'far rule off': { farCores: false, twoEnded: true },
  'claims in order': { farCores: true, twoEnded: false },
} as const;
type Policy = keyof typeof POLICIES;

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// The median time (ms) of `calls` calls of fn.
function timeCalls(fn: () => void, calls: number): number {
  const times: number[] = [];
  for (let call = 0; call < calls; call++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

function main(): void {
  const args = process.argv.slice(2);
  const at = args.indexOf('--rounds');
  const rounds = at >= 0 ? Number(args[at + 1]) : 20;
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error('bench/pool: --rounds takes a whole number ≥ 1');
  const json = args.includes('--json');
  const machine = measureMachine(loadWasmRuntime('simd128'));
  console.log(
    json ? JSON.stringify({ source: 'machine', ...machine }) : `machine: ${describeMachine(machine)}`,
  );
  const wasm = createWasmBackend({ threads: 2 });
  if (wasm.threads !== 2) throw new Error('bench/pool: needs two threads (shared memory and worker_threads)');
  setBackend(wasm);
  setFloat32Allocator(wasm.allocate);
  setInt32Allocator(wasm.allocateInt32);
  const rng = new Random(1);

  // C [512, 512] = A · B and C [100, 500] = A [100, 784] · B [784, 500], dense
  const a512 = Tensor.randn([512, 512], rng);
  const b512 = Tensor.randn([512, 512], rng);
  const c512 = new Tensor([512, 512]);
  const a100 = Tensor.randn([100, 784], rng);
  const b100 = Tensor.randn([784, 500], rng);
  const c100 = new Tensor([100, 500]);
  // the seed network's batch-100 training step on MNIST 0/1/2, as `npm run bench` runs it
  const data = loadMnist3();
  const mlp = threeLayerNet();
  const mlpOptimizer = new Momentum({ lr: 0.01 / 100, momentum: 0.9 });
  const batches = Array.from({ length: 50 }, (_, i) => [
    rows(data.x, i * 100, 100),
    rows(data.t, i * 100, 100),
  ]);
  // the conv bench's network: training step at batch 8, inference at batch 1
  const conv = buildModel(CONV_BENCH_ARCHITECTURE, { init: 'xavier', seed: 0 });
  const convOptimizer = new Momentum({ lr: 1e-5, momentum: 0.9 });
  const x8 = Tensor.rand([8, 1, 96, 96], rng);
  const t8 = Tensor.rand([8, 6 * 6 * 13], rng);
  const x1 = Tensor.rand([1, 1, 96, 96], rng);
  let step = 0;
  let sink = 0;
  const workloads: [string, () => void, number][] = [
    [
      'gemm_512',
      () =>
        wasm.gemm(false, false, 512, 512, 512, 1, a512.data, 0, 512, b512.data, 0, 512, 0, c512.data, 0, 512),
      30,
    ],
    [
      'gemm_100x784x500',
      () =>
        wasm.gemm(false, false, 100, 500, 784, 1, a100.data, 0, 784, b100.data, 0, 500, 0, c100.data, 0, 500),
      40,
    ],
    [
      'mlp_step_b100',
      () => {
        const [x, t] = batches[step++ % batches.length];
        sink += mlp.trainStep(x, t, mlpOptimizer);
      },
      60,
    ],
    ['conv_step_b8', () => convOptimizer.update(conv.params(), conv.gradient(x8, t8)), 6],
    ['conv_infer_b1', () => (sink += conv.forward(x1, 'eval').data[0]), 40],
  ];
  for (const [, fn] of workloads) for (let warm = 0; warm < 5; warm++) fn();

  // placement → policy → workload → block medians
  const blocks = new Map<string, Map<Policy, Map<string, number[]>>>();
  for (let round = 0; round < rounds; round++) {
    for (const policy of Object.keys(POLICIES) as Policy[]) {
      Object.assign(wasm.pool.policy, POLICIES[policy]);
      const times = workloads.map(([name, fn, calls]) => [name, timeCalls(fn, calls)] as const);
      const roundTripNs = Math.round(wasm.pool.coreRoundTripNs);
      const placement = roundTripNs > FAR_NS ? 'far' : 'near';
      if (json)
        console.log(
          JSON.stringify({
            round,
            policy,
            core_round_trip_ns: roundTripNs,
            ...Object.fromEntries(times),
            ...machineFields(machine),
          }),
        );
      const byPolicy = blocks.get(placement) ?? new Map<Policy, Map<string, number[]>>();
      blocks.set(placement, byPolicy);
      const byWorkload = byPolicy.get(policy) ?? new Map<string, number[]>();
      byPolicy.set(policy, byWorkload);
      for (const [name, ms] of times) byWorkload.set(name, [...(byWorkload.get(name) ?? []), ms]);
    }
  }
  Object.assign(wasm.pool, POLICIES['as shipped']);
  if (!Number.isFinite(sink)) throw new Error('bench/pool: a workload produced a non-finite value');
  if (json) return;
  const names = workloads.map(([name]) => name);
  console.log(['placement', 'policy', 'blocks', ...names.map((name) => `${name} ms`)].join('  '));
  for (const [placement, byPolicy] of blocks) {
    for (const [policy, byWorkload] of byPolicy) {
      const cells = names.map((name) => median(byWorkload.get(name) ?? []).toFixed(3));
      console.log([placement, policy, String(byWorkload.get(names[0])?.length ?? 0), ...cells].join('  '));
    }
  }
  void wasm.close();
}

main();
