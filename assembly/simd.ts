// SIMD128 building blocks shared by the kernels: the 4×4 transpose and the multiply-add of the kernels
// that pack data into panels (assembly/gemm/packed.ts, assembly/conv2d.ts), and the flush of subnormal values
// (assembly/elementwise.ts).

// Stores the transpose of the 4×4 block whose rows are x0..x3: its row q, (x0[q], x1[q], x2[q], x3[q]),
// goes to dst + q·stride bytes.
// @ts-ignore: decorator
@inline export function transpose4x4Store(
  x0: v128,
  x1: v128,
  x2: v128,
  x3: v128,
  dst: usize,
  stride: usize,
): void {
  const low01 = f32x4.shuffle(x0, x1, 0, 4, 1, 5); // x0[0] x1[0] x0[1] x1[1]
  const high01 = f32x4.shuffle(x0, x1, 2, 6, 3, 7); // x0[2] x1[2] x0[3] x1[3]
  const low23 = f32x4.shuffle(x2, x3, 0, 4, 1, 5);
  const high23 = f32x4.shuffle(x2, x3, 2, 6, 3, 7);
  v128.store(dst, f32x4.shuffle(low01, low23, 0, 1, 4, 5));
  v128.store(dst + stride, f32x4.shuffle(low01, low23, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, f32x4.shuffle(high01, high23, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, f32x4.shuffle(high01, high23, 2, 3, 6, 7));
}

// acc + a·b per lane. The relaxed-SIMD build (ASC_FEATURE_RELAXED_SIMD, chosen at compile time) uses
// f32x4.relaxed_madd, a fused multiply-add where the CPU has one: half the instructions of mul + add.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** The smallest positive normal float32, 2⁻¹²⁶ ≈ 1.18e-38: below it lie the subnormal numbers. */
export const FLOAT32_MIN_NORMAL: f32 = 1.17549435e-38;

// v with every lane whose magnitude is below 2⁻¹²⁶ (a subnormal or −0) replaced by +0; NaN and ±∞ pass
// through. State that decays step after step (a velocity v ← 0.9·v with no gradient) would otherwise
// linger as subnormals for ~150 steps, and Intel cores take a microcode assist of ~100 cycles for each
// f32x4 operation on them: WebAssembly has no flush-to-zero mode, so the kernels flush what they store.
// @ts-ignore: decorator
@inline export function flushSubnormal(v: v128): v128 {
  return v128.andnot(v, f32x4.lt(f32x4.abs(v), f32x4.splat(FLOAT32_MIN_NORMAL)));
}

// The scalar flushSubnormal, for the kernels' tails.
// @ts-ignore: decorator
@inline export function flushSubnormalScalar(x: f32): f32 {
  return Mathf.abs(x) < FLOAT32_MIN_NORMAL ? 0 : x;
}
