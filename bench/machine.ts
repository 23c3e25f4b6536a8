// What machine a figure comes from, and what its cores can do, printed in the header of every benchmark
// and in its JSON rows, so that a figure from any machine can be read:
// - the CPU model (with its family and model numbers where Linux gives them: a VM may name only
//   "AMD EPYC");
// - the clock, measured with a chain of dependent integer adds (assembly/probe.ts: one cycle each),
//   and from it the WebAssembly SIMD128 ceiling at 16 float32 operations per cycle: two f32x4 fused
//   multiply-adds, or two f32x4 multiplies and two adds, per cycle, as AMD Zen 3 to Zen 5 issue them
//   (other cores may issue fewer). A GFLOP/s figure alone does not say how close a kernel comes to the
//   hardware; a percentage of this ceiling does;
// - the subnormal penalty: the same f32x4 multiply loop on subnormal data over normal data
//   (assembly/probe.ts, scaleInPlace by 1), in alternating blocks. Intel cores take a microcode assist for each operation on
//   subnormal floats (about 70× slower loops); AMD Zen cores pay little or nothing. The kernels flush
//   their decaying state to 0 (src/util/float32.ts), so a large penalty here should not show in the
//   training figures; workload seed_step_b1_decayed checks that.

import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { WasmRuntime } from '../src/backend/wasm/module.js';
import { measure } from './timing.js';

/** The machine a benchmark ran on. */
export interface Machine {
  /** The CPU model, e.g. "AMD EPYC (family 25, model 1)". */
  cpu: string;
  /** Logical CPUs the OS gives this process. */
  cpus: number;
  clock_ghz: number;
  ceiling_gflops_per_core: number;
  /** Time of the probe loop per float on subnormal data over that on normal data (1 = no penalty). */
  subnormal_penalty: number;
  /** The probe loop's time per float, normal and subnormal data (ns). */
  normal_ns_per_float: number;
  subnormal_ns_per_float: number;
}

/** The fields of `Machine` every JSON row carries. */
export type MachineFields = Pick<Machine, 'cpu' | 'clock_ghz' | 'subnormal_penalty'>;

/** float32 operations per cycle of f32x4 arithmetic on two 128-bit FMA (or multiply + add) pipes. */
export const SIMD128_FLOPS_PER_CYCLE = 16;

/** Floats in the subnormal probe's array: 16 KB, in every core's L1, so memory does not blur it. */
const PROBE_FLOATS = 4096;

/**
 * Measures this machine: the clock with `dependentAdds` (16·n adds that each wait for the one before)
 * and the subnormal penalty with `scaleInPlace`, on a runtime of its own (its memory is scribbled on).
 *
 * @example
 * const machine = measureMachine(loadWasmRuntime('simd128'));
 */
export function measureMachine(runtime: Pick<WasmRuntime, 'kernels' | 'memory' | 'layout'>): Machine {
  const { kernels, memory, layout } = runtime;
  const n = 250_000; // 4 million adds: about 1 ms at 3.5 GHz
  const timing = measure(() => kernels.dependentAdds(n, 3), { targetS: 0.3, minReps: 21 });
  const clockGhz = (16 * n) / timing.medianMs / 1e6;

  // Two arrays of PROBE_FLOATS, one normal and one subnormal, timed in alternation, block after block:
  // the host slows these VMs down for seconds at a time, so only blocks side by side compare. The
  // penalty is the median of the per-round ratios.
  const normalAt = Math.ceil(layout.heapBase / 64) * 64;
  const subnormalAt = normalAt + PROBE_FLOATS * 4;
  const needed = subnormalAt + PROBE_FLOATS * 4 - memory.buffer.byteLength;
  if (needed > 0) memory.grow(Math.ceil(needed / 65536));
  new Float32Array(memory.buffer, normalAt, PROBE_FLOATS).fill(1.5);
  new Float32Array(memory.buffer, subnormalAt, PROBE_FLOATS).fill(1e-39); // below 2⁻¹²⁶ ≈ 1.18e-38
  const reps = 50;
  const block = (at: number) => {
    const start = performance.now();
    kernels.scaleInPlace(at, PROBE_FLOATS, 1, reps);
    return ((performance.now() - start) * 1e6) / (reps * PROBE_FLOATS); // ns per float
  };
  // warm-up: V8 runs a wasm function on its baseline compiler (Liftoff) until it is hot enough for the
  // optimising one, which would otherwise happen in the middle of the probe
  for (const start = performance.now(); performance.now() - start < 100; ) block(normalAt);
  const [normals, subnormals, ratios] = [[] as number[], [] as number[], [] as number[]];
  for (let round = 0; round < 300; round++) {
    const [n, sub] = [block(normalAt), block(subnormalAt)];
    normals.push(n);
    subnormals.push(sub);
    ratios.push(sub / n);
  }
  for (const [at, value] of [
    [normalAt, 1.5],
    [subnormalAt, 1e-39],
  ]) {
    const after = new Float32Array(memory.buffer, at, 1)[0];
    if (after !== Math.fround(value))
      throw new Error(`bench/machine: the probe changed ${value} to ${after}`);
  }
  const [normal, subnormal, penalty] = [median(normals), median(subnormals), median(ratios)];
  return {
    cpu: cpuModel(),
    cpus: cpus().length,
    clock_ghz: Number(clockGhz.toFixed(3)),
    ceiling_gflops_per_core: Number((SIMD128_FLOPS_PER_CYCLE * clockGhz).toFixed(1)),
    subnormal_penalty: Number(penalty.toFixed(2)),
    normal_ns_per_float: Number(normal.toPrecision(3)),
    subnormal_ns_per_float: Number(subnormal.toPrecision(3)),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[sorted.length >> 1];
}

/** The fields a JSON row carries to name its machine. */
export function machineFields(machine: Machine): MachineFields {
  return { cpu: machine.cpu, clock_ghz: machine.clock_ghz, subnormal_penalty: machine.subnormal_penalty };
}

/** The header line of a benchmark run: CPU, clock, ceiling, subnormal penalty. */
export function describeMachine(machine: Machine): string {
  return (
    `${machine.cpu}, ${machine.cpus} CPUs, ${machine.clock_ghz} GHz (a chain of dependent adds): ` +
    `SIMD128 ceiling ${machine.ceiling_gflops_per_core} GFLOP/s per core; subnormal penalty ` +
    `${machine.subnormal_penalty}× (the same f32x4 loop: ${machine.subnormal_ns_per_float} ns per float ` +
    `on subnormal data, ${machine.normal_ns_per_float} on normal)`
  );
}

/** The CPU's model name, with family and model numbers from /proc/cpuinfo where there is one. */
function cpuModel(): string {
  const name = cpus()[0]?.model?.trim() || 'unknown CPU';
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return name; // not Linux
  }
  const field = (key: string) => new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim();
  const [family, model] = [field('cpu family'), field('model')];
  return family !== undefined && model !== undefined ? `${name} (family ${family}, model ${model})` : name;
}
