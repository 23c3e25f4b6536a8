// What this machine's cores can do, to set GFLOP/s against: the clock, measured with a chain of
// dependent integer adds (assembly/probe.ts: one cycle each), and from it the WebAssembly SIMD128
// ceiling at 16 float32 operations per cycle: two f32x4 fused multiply-adds, or two f32x4 multiplies and
// two adds, per cycle, as AMD Zen 4 and Zen 5 issue them (other cores may issue fewer). The machines
// of this project differ (Zen 4 at about 3.66 GHz, Zen 5 at about 3.45 GHz), so a GFLOP/s figure alone
// does not say how close a kernel comes to the hardware; a percentage of this ceiling does.

import { cpus } from 'node:os';
import { measure } from './timing.js';

/** The clock and SIMD128 ceiling of one core of this machine. */
export interface Machine {
  cpu: string;
  clock_ghz: number;
  ceiling_gflops_per_core: number;
}

/** float32 operations per cycle of f32x4 arithmetic on two 128-bit FMA (or multiply + add) pipes. */
export const SIMD128_FLOPS_PER_CYCLE = 16;

/**
 * Measures the clock with `dependentAdds` (16·n adds that each wait for the one before).
 *
 * @example
 * const machine = measureMachine(loadWasmRuntime('simd128').kernels);
 */
export function measureMachine(kernels: { dependentAdds(n: number, step: number): number }): Machine {
  const n = 250_000; // 4 million adds: about 1 ms at 3.5 GHz
  const timing = measure(() => kernels.dependentAdds(n, 3), { targetS: 0.3, minReps: 21 });
  const clockGhz = (16 * n) / timing.medianMs / 1e6;
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    clock_ghz: Number(clockGhz.toFixed(3)),
    ceiling_gflops_per_core: Number((SIMD128_FLOPS_PER_CYCLE * clockGhz).toFixed(1)),
  };
}
