// Runs the numpy and PyTorch anchors (../shared/anchors/python) on the same workloads, in the same
// command as zerodl's benchmarks, and matches their records to zerodl's for ratios.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A JSON record an anchor script printed (see the anchors' README for the fields). */
export interface AnchorRecord {
  impl: string;
  workload: string;
  dtype?: string;
  threads?: number;
  median_ms?: number;
  per_sample_us?: number;
  subsampled?: boolean;
  [field: string]: unknown;
}

/** How to run the anchors: folder, time budgets, thread counts. */
export interface AnchorOptions {
  dir: string;
  mnistDir: string;
  threads: number[];
  targetS: number;
  maxEpochS: number;
  skipEpoch: boolean;
  /** Run the numpy and PyTorch MLP anchors (seed_mlp.py, peak.py, torch_mlp.py); default true. */
  mlp?: boolean;
  /** The detector's architecture (model.json or architecture JSON) for bench/torch_detector.py. */
  detector?: string;
}

/** Which anchor record a zerodl workload compares with, and on which field. */
const MATCHES: Record<string, { workload: string; dtype?: string; field: 'median_ms' | 'per_sample_us' }> = {
  seed_step_b1: { workload: 'train_step_b1', field: 'median_ms' },
  seed_step_b1_two_line: { workload: 'train_step_b1', field: 'median_ms' },
  mlp_step_b100: { workload: 'train_step_b100', dtype: 'float32', field: 'median_ms' },
  mlp_infer_b1000: { workload: 'infer_b1000', dtype: 'float32', field: 'median_ms' },
  mnist3_epoch_b1: { workload: 'mnist3_epoch', field: 'per_sample_us' },
  gemm_100x784x500: { workload: 'matmul_mlp_fwd_b100', dtype: 'float32', field: 'median_ms' },
  gemm_784x100x500_tA: { workload: 'matmul_mlp_dW1_b100', dtype: 'float32', field: 'median_ms' },
  detect_infer_b1: { workload: 'detect_infer_b1', field: 'median_ms' },
};

/**
 * The environment the anchors' README asks for: large temporaries kept in the heap (with glibc's
 * defaults, page faults in these virtual machines make numpy and PyTorch several times slower) and
 * OpenBLAS left to detect the CPU itself.
 *
 * @example
 * spawnSync('/usr/bin/python3', ['torch_cnn.py', '1'], { env: anchorEnvironment() });
 */
export function anchorEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MALLOC_MMAP_THRESHOLD_: '268435456',
    MALLOC_TRIM_THRESHOLD_: '536870912',
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/**
 * Runs what is installed: numpy (seed_mlp.py, peak.py) with `python3`, PyTorch (torch_mlp.py) with
 * Debian's /usr/bin/python3, on the OpenBLAS that the anchors' setup.sh extracts when present.
 * Returns the records and notes about what was skipped.
 */
export function runAnchors(
  options: AnchorOptions,
  progress: (line: string) => void,
): {
  records: AnchorRecord[];
  notes: string[];
} {
  const notes: string[] = [];
  const records: AnchorRecord[] = [];
  const mlp = options.mlp ?? true;
  if (mlp && !existsSync(join(options.dir, 'seed_mlp.py'))) {
    return { records, notes: [`anchors skipped: no seed_mlp.py in ${options.dir} (pass --anchors DIR)`] };
  }
  const env: NodeJS.ProcessEnv = { ...anchorEnvironment(), MNIST_DIR: options.mnistDir };
  const threads = options.threads.join(',');
  const epoch = options.skipEpoch
    ? ['--skip-epoch']
    : ['--epoch-threads', '1', '--max-epoch-s', `${options.maxEpochS}`];
  const run = (python: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}, cwd = options.dir) => {
    progress(`anchor: ${python} ${args.join(' ')}`);
    const result = spawnSync(python, args, {
      cwd,
      env: { ...env, ...extraEnv },
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    });
    if (result.status !== 0) {
      notes.push(
        `${python} ${args[0]} failed (${result.error?.message ?? `exit ${result.status}`}): ${lastLine(result.stderr)}`,
      );
    }
    for (const line of (result.stdout ?? '').split('\n')) {
      if (line.startsWith('{')) records.push(JSON.parse(line) as AnchorRecord);
    }
  };
  const budget = ['--target-s', `${options.targetS}`, '--threads', threads];
  if (!mlp) {
    // only the detector
  } else if (works('python3', 'import numpy')) {
    run('python3', ['seed_mlp.py', ...budget, ...epoch, '--no-b32-epoch']);
    run('python3', [
      'peak.py',
      '--backend',
      'numpy',
      '--threads',
      threads,
      '--target-s',
      `${options.targetS / 2}`,
    ]);
  } else {
    notes.push('numpy anchors skipped: python3 with numpy not found');
  }
  const torchPython = '/usr/bin/python3';
  if (works(torchPython, 'import torch')) {
    const openblas = join(options.dir, 'deps/root/usr/lib/x86_64-linux-gnu/openblas-openmp');
    const blasEnv = existsSync(join(openblas, 'libblas.so.3')) ? { LD_LIBRARY_PATH: openblas } : {};
    if (!('LD_LIBRARY_PATH' in blasEnv)) {
      notes.push("PyTorch runs on Debian's reference BLAS: run the anchors' setup.sh for OpenBLAS");
    }
    if (mlp) run(torchPython, ['torch_mlp.py', ...budget, ...epoch], blasEnv);
    if (options.detector !== undefined) {
      const script = fileURLToPath(new URL('../../bench/torch_detector.py', import.meta.url));
      for (const threads of options.threads) {
        run(torchPython, [script, options.detector, String(threads), String(options.targetS)], blasEnv);
      }
    }
  } else {
    notes.push(`PyTorch anchors skipped: ${torchPython} cannot import torch (apt install python3-torch)`);
  }
  return { records, notes };
}

/**
 * Ratios anchor time / zerodl time (above 1: zerodl is faster) for the records that match a zerodl
 * result's workload and thread count, keyed by "impl dtype".
 */
export function ratiosFor(
  result: { workload: string; threads: number; median_ms: number; per_sample_us?: unknown },
  records: readonly AnchorRecord[],
): Record<string, number> {
  const match = MATCHES[result.workload];
  const ratios: Record<string, number> = {};
  if (match === undefined) return ratios;
  const ours = match.field === 'per_sample_us' ? Number(result.per_sample_us) : result.median_ms;
  for (const record of records) {
    if (record.workload !== match.workload || (match.dtype !== undefined && record.dtype !== match.dtype))
      continue;
    if (record.threads !== result.threads) continue;
    const theirs = record[match.field];
    if (typeof theirs !== 'number') continue;
    ratios[`${record.impl} ${record.dtype ?? ''}`.trim()] = Number((theirs / ours).toPrecision(3));
  }
  return ratios;
}

function works(python: string, statement: string): boolean {
  return spawnSync(python, ['-c', statement], { stdio: 'ignore' }).status === 0;
}

function lastLine(text: string | null | undefined): string {
  const lines = (text ?? '').trim().split('\n');
  return lines[lines.length - 1] ?? '';
}
