// A probe of the CPU clock for the benchmarks (bench/machine.ts), so that GFLOP/s can be set against
// what the core can do: a chain of dependent i32 adds, each of which waits for the one before. An
// integer add takes one cycle on every x86-64 and ARM core, so the chain runs at one add per cycle and
// the loop's own counter and branch run beside it on other units.

/** Adds `step` to 0, 16·n times, one add after the other; returns the sum (16·n·step, wrapping). */
export function dependentAdds(n: i32, step: i32): i32 {
  let x = 0;
  for (let i = 0; i < n; i++) {
    x += step;
    x += step;
    x += step;
    x += step;
    x += step;
    x += step;
    x += step;
    x += step;
    x += step;
    x += step;
    x += step;
    x += step;
    x += step;
    x += step;
    x += step;
    x += step;
  }
  return x;
}

/**
 * Multiplies the n floats at `x` (n a multiple of 4) by `factor` in place, `reps` times over, with
 * f32x4 multiplies: with factor 1 the values stay what they are, so the same loop can time normal and
 * subnormal data (bench/machine.ts: the subnormal penalty).
 */
export function scaleInPlace(x: usize, n: i32, factor: f32, reps: i32): void {
  const vf = f32x4.splat(factor);
  const end = x + ((<usize>n) << 2);
  for (let r = 0; r < reps; r++) {
    for (let p = x; p < end; p += 16) v128.store(p, f32x4.mul(v128.load(p), vf));
  }
}
