// A probe of the CPU clock for the benchmarks (bench/machine.ts), so that GFLOP/s can be set against
// what the core can do: a chain of dependent i32 adds, each of which waits for the one before. An
// integer add takes one cycle on every x86-64 and ARM core, so the chain runs at one add per cycle and
// the loop's own counter and branch run beside it on other units.

/** Adds `step` to 0, 16·n times, one add after the other; returns the sum (16·n·step, wrapping). */
export function dependentAdds(n: i32, step: i32): i32 {
  let x = 0;
  for (let i = 0; i < n; i++) {
    x += step; x += step; x += step; x += step;
    x += step; x += step; x += step; x += step;
    x += step; x += step; x += step; x += step;
    x += step; x += step; x += step; x += step;
  }
  return x;
}
