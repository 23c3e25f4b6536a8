// Compiles the AssemblyScript kernels in assembly/ to WebAssembly, next to the compiled loader
// (dist/src/backend/wasm/), without network: builds for shared memory (threads) and ordinary memory,
// with and without relaxed SIMD. With --check (npm run typecheck) it compiles all four without writing
// anything: AssemblyScript's own type check (tsc cannot check assembly/: it rejects decorators such as
// @inline on functions).

import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'src', 'backend', 'wasm');
const check = process.argv.includes('--check');
if (!check) mkdirSync(outDir, { recursive: true });

// 65536 pages = 4 GiB, the wasm32 limit: shared memory must declare a maximum, and it only reserves
// address space.
const common = [
  join(root, 'assembly', 'index.ts'),
  '-O3',
  '--noAssert',
  '--runtime',
  'stub',
  '--importMemory',
  '--initialMemory',
  '1',
  '--maximumMemory',
  '65536',
  '--use',
  'abort=',
];
// Each for shared memory and for ordinary memory, and each once with SIMD128 alone and once with relaxed
// SIMD too (the multiply-adds become fused f32x4.relaxed_madd: see madd in assembly/simd.ts).
const builds = [
  { file: 'zerodl_shared.wasm', flags: ['--sharedMemory', '--enable', 'simd,threads'] },
  { file: 'zerodl.wasm', flags: ['--enable', 'simd'] },
  { file: 'zerodl_shared_relaxed.wasm', flags: ['--sharedMemory', '--enable', 'simd,threads,relaxed-simd'] },
  { file: 'zerodl_relaxed.wasm', flags: ['--enable', 'simd,relaxed-simd'] },
];
for (const { file, flags } of builds) {
  const output = check ? ['--noEmit'] : ['--outFile', join(outDir, file)];
  const { error, stderr } = await asc.main([...common, ...flags, ...output]);
  if (error) {
    console.error(stderr.toString());
    console.error(`assembly/build.mjs: compiling ${file} failed: ${error.message}`);
    process.exit(1);
  }
}
const files = builds.map((b) => b.file).join(', ');
console.error(
  check ? `assembly/build.mjs: ${files} compile` : `assembly/build.mjs: wrote ${files} to ${outDir}`,
);
