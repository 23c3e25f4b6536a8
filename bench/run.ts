// The benchmark command: zerodl's workloads on the selected backend at 1 and 2 threads, then the numpy
// and PyTorch anchors in the same run, printed as a table with ratios (or JSON lines with --json).
//   node --expose-gc dist/bench/run.js [--json] [--json-file FILE] [--quick] [--threads 1,2]
//                                      [--simd relaxed,simd128] [--no-anchors] [--anchors DIR] [--only PREFIX]
// --only PREFIX runs just the workloads whose name starts with PREFIX (e.g. --only gemm, --only mlp_,
// --only detect: detect_infer_b1 and its PyTorch anchor, bench/torch_detector.py).
// --simd picks the builds of the wasm kernels to measure (default: the one ZERODL_SIMD or 'auto' loads).
// The header names the machine (CPU model, clock, SIMD128 ceiling, subnormal penalty: bench/machine.ts),
// and every JSON row carries its CPU, clock and subnormal penalty; GEMM rows also give their share of
// the ceiling.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setBackend } from '../src/backend/active.js';
import type { Backend } from '../src/backend/backend.js';
import { referenceBackend } from '../src/backend/reference/index.js';
import { createWasmBackend, type WasmBackend, wasmBackendAvailable } from '../src/backend/wasm/index.js';
import { loadWasmRuntime, type SimdChoice } from '../src/backend/wasm/module.js';
import { mnistDataDir } from '../src/data/mnist.js';
import type { Architecture } from '../src/model/architecture.js';
import { setFloat32Allocator, setInt32Allocator } from '../src/tensor/storage.js';
import { type AnchorRecord, ratiosFor, runAnchors } from './anchors.js';
import { benchDetectInfer, benchDetector } from './detect.js';
import { describeMachine, machineFields, measureMachine } from './machine.js';
import {
  type BenchContext,
  benchDecayedStep,
  benchEpoch,
  benchGemm,
  benchHeapGrowth,
  benchInfer,
  benchTrainStep,
  GEMM_SHAPES,
  loadMnist3,
  type Result,
} from './workloads.js';

interface Options {
  json: boolean;
  /** Also write the JSON lines here (the table still goes to stdout). */
  jsonFile: string | undefined;
  quick: boolean;
  threads: number[];
  anchors: string | undefined;
  /** Run only the workloads whose name starts with this (all when undefined). */
  only: string | undefined;
  /** The builds of the wasm kernels to measure, in turn. */
  simd: SimdChoice[];
}

function parseOptions(argv: string[]): Options {
  const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const options: Options = {
    json: false,
    jsonFile: undefined,
    quick: false,
    threads: [1, 2],
    anchors: process.env.ZERODL_ANCHORS ?? join(repo, '..', 'shared', 'anchors', 'python'),
    only: undefined,
    simd: [(process.env.ZERODL_SIMD || 'auto') as SimdChoice],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--json-file') options.jsonFile = argv[++i];
    else if (arg === '--quick') options.quick = true;
    else if (arg === '--no-anchors') options.anchors = undefined;
    else if (arg === '--anchors') options.anchors = argv[++i];
    else if (arg === '--only') options.only = argv[++i];
    else if (arg === '--threads') options.threads = (argv[++i] ?? '').split(',').map(Number);
    else if (arg === '--simd') options.simd = (argv[++i] ?? '').split(',') as SimdChoice[];
    else
      throw new Error(
        `bench: unknown argument '${arg}' (use --json --quick --threads 1,2 --simd relaxed,simd128 --no-anchors --anchors DIR --only PREFIX)`,
      );
  }
  if (options.simd.some((level) => !['relaxed', 'simd128', 'auto'].includes(level)))
    throw new Error('bench: --simd takes relaxed, simd128 or auto, e.g. --simd simd128,relaxed');
  if (options.threads.some((t) => !Number.isInteger(t) || t < 1))
    throw new Error('bench: --threads takes e.g. 1,2');
  return options;
}

const loads = () => loadavg().map((x) => Number(x.toFixed(2)));

/** True when the run measures the wasm backend (not forced to the reference, and SIMD128 exists). */
function wasmMeasured(): boolean {
  const forced = process.env.ZERODL_BACKEND;
  return forced !== 'reference' && (forced === 'wasm' || wasmBackendAvailable());
}

/** The backends to measure: wasm for each build and thread count, or the reference. */
function* backends(options: Options): Generator<{ backend: Backend; threads: number; wasm?: WasmBackend }> {
  if (!wasmMeasured()) {
    yield { backend: referenceBackend, threads: 1 };
    return;
  }
  for (const simd of options.simd) {
    for (const threads of options.threads) {
      const wasm = createWasmBackend({ threads, simd });
      yield { backend: wasm, threads: wasm.threads, wasm };
      wasm.close();
    }
  }
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const targetS = options.quick ? 0.3 : 1;
  const wanted = (workload: string) => options.only === undefined || workload.startsWith(options.only);
  const needsData = [
    'mlp_step_b100',
    'mlp_infer_b1000',
    'seed_step_b1',
    'seed_step_b1_decayed',
    'mnist3_epoch_b1',
    'heap_growth_seed_b1',
  ];
  const data = needsData.some(wanted) ? loadMnist3() : undefined;
  const repository = fileURLToPath(new URL('../..', import.meta.url));
  // the detector's architecture, for the PyTorch anchor (the bench itself builds it under each backend)
  const detect = wanted('detect_infer_b1') ? benchDetector(repository) : undefined;
  const results: Result[] = [];
  const add = (run: () => Result, workload: string) => {
    if (!wanted(workload)) return;
    const result = run();
    results.push(result);
    progress(`  ${result.workload} ${result.backend} ${result.threads}t: ${result.median_ms} ms`);
  };
  // The probes run on a runtime of their own whatever backend is measured (SIMD128 is in every Node 20+).
  const machine = measureMachine(loadWasmRuntime('simd128'));
  progress(`machine: ${describeMachine(machine)}`);
  let first = true;
  for (const { backend, threads, wasm } of backends(options)) {
    setBackend(backend);
    setFloat32Allocator(wasm?.runtime.shared ? wasm.allocate : undefined);
    setInt32Allocator(wasm?.runtime.shared ? wasm.allocateInt32 : undefined);
    const context: BenchContext = {
      backend,
      threads,
      simd: wasm?.runtime.simd,
      targetS,
      loadavg: loads,
      coreRoundTripNs: wasm === undefined ? undefined : () => wasm.pool.coreRoundTripNs,
    };
    progress(
      `zerodl on ${backend.name} (${context.simd ?? 'scalar'}), ${threads} thread(s), load ${loads().join(' ')}`,
    );
    for (const shape of GEMM_SHAPES) add(() => benchGemm(context, shape), shape.name);
    if (data !== undefined) {
      add(() => benchTrainStep(context, data, 100), 'mlp_step_b100');
      add(() => benchInfer(context, data), 'mlp_infer_b1000');
      // Batch-1 work is below the parallel threshold: one run, at the first thread count, is enough.
      if (first) {
        add(() => benchTrainStep(context, data, 1), 'seed_step_b1');
        add(() => benchTrainStep(context, data, 1, 'twoLine'), 'seed_step_b1_two_line');
        add(() => benchDecayedStep(context, data), 'seed_step_b1_decayed');
        add(() => benchEpoch(context, data), 'mnist3_epoch_b1');
        add(
          () => benchHeapGrowth(context, data, 10000, () => wasm?.heap.byteLength ?? 0),
          'heap_growth_seed_b1',
        );
      }
    }
    if (detect !== undefined) add(() => benchDetectInfer(context, repository), 'detect_infer_b1');
    first = false;
  }
  setBackend(referenceBackend);
  setFloat32Allocator(undefined);
  setInt32Allocator(undefined);
  let anchorRecords: AnchorRecord[] = [];
  const notes: string[] = [];
  if (options.anchors === undefined) {
    notes.push('anchors skipped (--no-anchors)');
  } else {
    const anchors = runAnchors(
      {
        dir: options.anchors,
        mnistDir: mnistDataDir(),
        threads: options.threads,
        targetS: options.quick ? 0.3 : 1,
        maxEpochS: options.quick ? 5 : 30,
        skipEpoch: false,
        mlp: needsData.some(wanted) || GEMM_SHAPES.some((shape) => wanted(shape.name)),
        ...(detect ? { detector: detect.file ?? writeArchitecture(detect.architecture) } : {}),
      },
      progress,
    );
    anchorRecords = anchors.records;
    notes.push(...anchors.notes);
  }
  for (const result of results) {
    result.vs = ratiosFor(result, anchorRecords);
    if (result.gflops !== undefined)
      result.ceiling_pct = round1((100 * result.gflops) / (machine.ceiling_gflops_per_core * result.threads));
  }
  notes.push(
    '"% ceiling" is GFLOP/s over the SIMD128 ceiling (16 flop/cycle at the measured clock) × threads',
    '"core rt ns": the thread pool\'s round trip between its two cores after the workload: about 130 ns when the vCPUs share an L3, about 520 ns when not (then two threads gain less)',
  );
  const lines = [
    JSON.stringify({ source: 'machine', ...machine }),
    ...results.map((result) => JSON.stringify({ ...result, ...machineFields(machine) })),
    ...anchorRecords.map((record) => JSON.stringify({ source: 'anchor', ...record })),
    ...notes.map((note) => JSON.stringify({ note })),
  ];
  if (options.jsonFile !== undefined) writeFileSync(options.jsonFile, `${lines.join('\n')}\n`);
  if (options.json) for (const line of lines) console.log(line);
  else printTable(results, notes, `machine: ${describeMachine(machine)}`);
}

function printTable(results: Result[], notes: string[], header: string): void {
  console.log(header);
  const columns = [
    'workload',
    'backend',
    'simd',
    'threads',
    'median ms',
    'GFLOP/s',
    '% ceiling',
    'core rt ns',
    'load',
    'anchor time / zerodl time',
  ];
  const rows = results.map((r) => [
    r.workload,
    r.backend,
    r.simd ?? '',
    String(r.threads),
    String(r.median_ms),
    r.gflops === undefined ? '' : String(r.gflops),
    r.ceiling_pct === undefined ? '' : String(r.ceiling_pct),
    r.core_round_trip_ns === undefined ? '' : String(r.core_round_trip_ns),
    r.loadavg[0].toFixed(2),
    Object.entries((r.vs as Record<string, number>) ?? {})
      .map(([impl, ratio]) => `${impl} ${ratio}×`)
      .join(', ') + extraNote(r, results),
  ]);
  const widths = columns.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  for (const note of notes) console.log(`note: ${note}`);
}

function extraNote(result: Result, results: Result[]): string {
  // The epoch and the decayed step against the plain step of the same run (same backend and build).
  const step = results.find(
    (r) => r.workload === 'seed_step_b1' && r.backend === result.backend && r.simd === result.simd,
  );
  const perStep = (ms: number) =>
    step === undefined ? '' : `, ${(ms / step.median_ms).toFixed(2)}× seed_step_b1`;
  if (result.workload === 'mnist3_epoch_b1')
    return ` (test acc ${result.test_acc}, ${result.per_sample_us} µs/sample${perStep(Number(result.per_sample_us) / 1000)})`;
  if (result.workload === 'seed_step_b1_decayed')
    return `W1 velocity ${round1(100 * Number(result.w1_velocity_zero_fraction))}% zero, ${result.subnormal_velocities} subnormal${perStep(result.median_ms)}`;
  if (result.workload === 'heap_growth_seed_b1') {
    return `${result.steps} steps: heap ${result.heap_growth_bytes} B, array buffers ${result.array_buffer_growth_bytes} B, wasm ${result.wasm_memory_growth_bytes} B; ${result.allocated_bytes_per_step} B allocated per step, ${result.collections_during_steps} GCs${result.gc_exposed ? '' : ' (run with --expose-gc for exact heap figures)'}`;
  }
  return '';
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The architecture as a JSON file in the temp folder, for bench/torch_detector.py. */
function writeArchitecture(architecture: Architecture): string {
  const file = join(mkdtempSync(join(tmpdir(), 'zerodl-bench-')), 'architecture.json');
  writeFileSync(file, JSON.stringify(architecture));
  return file;
}

main();
