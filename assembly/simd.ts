// SIMD128 building blocks shared by the kernels that pack data into panels (assembly/gemm.ts,
// assembly/conv2d.ts).

// Stores the transpose of the 4×4 block whose rows are x0..x3: its row q, (x0[q], x1[q], x2[q], x3[q]),
// goes to dst + q·stride bytes.
// @ts-ignore: decorator
@inline export function transpose4x4Store(x0: v128, x1: v128, x2: v128, x3: v128, dst: usize, stride: usize): void {
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
