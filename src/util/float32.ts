// Subnormal float32 numbers, and the flush that keeps them out of state that decays step after step.
//
// A float32 below 2⁻¹²⁶ ≈ 1.18e-38 in magnitude is subnormal: it trades precision for range on the way
// down to 0. An optimizer state with no gradient decays geometrically (a velocity v ← 0.9·v falls from
// 1e-4 to 2⁻¹²⁶ in about 770 steps) and then lingers among the subnormals for about 150 more steps
// before it rounds to 0. Intel cores take a microcode assist (~100 cycles) for arithmetic on subnormal
// inputs or results; WebAssembly and JavaScript offer no flush-to-zero mode, so the kernels and the
// optimizers store 0 instead (docs/DESIGN.md, "Subnormal numbers").

/** The smallest positive normal float32, 2⁻¹²⁶ ≈ 1.1754944e-38. */
export const FLOAT32_MIN_NORMAL = 2 ** -126;

/**
 * `x` rounded to float32, or +0 when that is below 2⁻¹²⁶ in magnitude (a subnormal or −0); NaN and ±∞
 * pass through, so a diverging run still stops on its NaN.
 *
 * @example
 * flushSubnormal(0.9 * 1.2e-38); // 0 (would be the subnormal 1.08e-38)
 * flushSubnormal(0.9 * 1e-30);   // Math.fround(9e-31)
 */
export function flushSubnormal(x: number): number {
  const rounded = Math.fround(x);
  return Math.abs(rounded) < FLOAT32_MIN_NORMAL ? 0 : rounded;
}
