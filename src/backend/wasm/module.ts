// Loads the compiled AssemblyScript kernels: SIMD detection, synchronous compile and instantiation on a
// memory that is shared (threads possible) where SharedArrayBuffer exists, ordinary otherwise; the build
// with relaxed SIMD (fused multiply-adds) where the engine runs it, the plain SIMD128 build otherwise.

import type { WasmKernels } from './kernels.js';

export type { WasmKernels } from './kernels.js';

/** The module's fixed memory layout (byte addresses), read from its exported constants. */
export interface WasmLayout {
  controlAddress: number;
  heapBase: number;
}

/** A compiled module, its memory and one instance on it (the calling thread's). */
export interface WasmRuntime {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  shared: boolean;
  /** Which build runs: 'relaxed' (multiply-adds fused with f32x4.relaxed_madd) or plain 'simd128'. */
  simd: SimdLevel;
  maximumPages: number;
  kernels: WasmKernels;
  layout: WasmLayout;
}

/** The memory limit the modules declare (assembly/build.mjs): 65536 pages = 4 GiB, the wasm32 maximum. */
const MAXIMUM_PAGES = 65536;
const INITIAL_PAGES = 256;

// (module (func (result v128) (i8x16.splat (i32.const 0)))): validates only where SIMD128 exists.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15, 11,
]);

/** True when this engine runs WebAssembly SIMD128. */
export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/**
 * The two instruction sets the kernels are built for: 'simd128' (f32x4 multiply, then add) and
 * 'relaxed' (relaxed SIMD too: f32x4.relaxed_madd, a fused multiply-add where the CPU has one; half the
 * instructions in the inner loops, 1.2× the GEMM speed on AMD Zen 4). 'auto' picks relaxed where it runs.
 */
export type SimdLevel = 'relaxed' | 'simd128';
export type SimdChoice = SimdLevel | 'auto';
/** Both builds, for tests and benchmarks that compare them. */
export const SIMD_LEVELS: readonly SimdLevel[] = ['simd128', 'relaxed'];

// (module (func (result v128) (f32x4.relaxed_madd (i32x4.splat (i32.const 0)) ×3))): validates only where
// relaxed SIMD exists.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 17, 65, 0,
  253, 17, 65, 0, 253, 17, 253, 133, 2, 11,
]);

/**
 * True when this engine runs relaxed SIMD. Browsers have it since Chrome 114 and Firefox 146 (not
 * Safari), Node since 22 (V8 11.4+); on Node 20 and 21 (V8 11.3, where the proposal is complete but
 * behind a flag) this switches on V8's `--experimental-wasm-relaxed-simd` for the process before asking
 * again.
 */
export function relaxedSimdSupported(): boolean {
  if (!simdSupported()) return false;
  if (WebAssembly.validate(RELAXED_SIMD_PROBE)) return true;
  const v8 = nodeBuiltin<typeof import('node:v8')>('node:v8');
  if (v8 === undefined) return false;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

// The build to load for a choice: 'relaxed' asked for by name must run here.
function simdLevel(choice: SimdChoice): SimdLevel {
  if (choice === 'simd128') return 'simd128';
  if (relaxedSimdSupported()) return 'relaxed';
  if (choice === 'relaxed') throw new Error('wasm backend: this JavaScript engine has no relaxed SIMD');
  return 'simd128';
}

/** True when a shared WebAssembly.Memory can be made (Node; browsers only when cross-origin isolated). */
function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    return (
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer
    );
  } catch {
    return false;
  }
}

/**
 * Compiles and instantiates the kernels synchronously (Node reads the .wasm beside this file).
 * Throws an Error saying why when SIMD128, the file or the platform's file access is missing.
 *
 * @example
 * const runtime = loadWasmRuntime();
 * runtime.kernels.scaleC(0, 0, 0, 0, 1);
 */
export function loadWasmRuntime(simd: SimdChoice = 'auto'): WasmRuntime {
  if (!simdSupported()) throw new Error('wasm backend: this JavaScript engine has no WebAssembly SIMD128');
  const shared = sharedMemorySupported();
  const level = simdLevel(simd);
  return instantiateRuntime(
    new WebAssembly.Module(readBesideThisFile(wasmFileName(shared, level))),
    shared,
    level,
  );
}

/** The four builds of the kernels: for shared or ordinary memory, with or without relaxed SIMD. */
export type WasmFileName =
  | 'zerodl_shared.wasm'
  | 'zerodl.wasm'
  | 'zerodl_shared_relaxed.wasm'
  | 'zerodl_relaxed.wasm';

/**
 * Where the compiled kernels come from for `compileWasmRuntime`: the bytes, a Response (or its promise,
 * e.g. `fetch(url)`), a URL to fetch, or a function that gives one of those for the build this page
 * needs (`file => new URL(`/assets/${file}`, location.href)`).
 */
export type WasmSource =
  | BufferSource
  | Response
  | Promise<Response>
  | URL
  | string
  | ((file: WasmFileName) => BufferSource | Response | Promise<Response> | URL | string);

/**
 * Compiles and instantiates the kernels without blocking: the way browsers need (they refuse to
 * compile a large module synchronously on the main thread, and have no file system). By default it
 * fetches (in Node: reads) the .wasm beside this file (`zerodl_shared.wasm` where shared memory exists,
 * that is on a cross-origin-isolated page, `zerodl.wasm` otherwise; `zerodl_shared_relaxed.wasm` or
 * `zerodl_relaxed.wasm` where relaxed SIMD runs too, see `SimdChoice`); a bundler that copies the files
 * elsewhere passes `source`.
 *
 * @example
 * const runtime = await compileWasmRuntime(); // in a browser module
 */
export async function compileWasmRuntime(
  source?: WasmSource,
  simd: SimdChoice = 'auto',
): Promise<WasmRuntime> {
  if (!simdSupported()) throw new Error('wasm backend: this JavaScript engine has no WebAssembly SIMD128');
  const shared = sharedMemorySupported();
  const level = simdLevel(simd);
  const file = wasmFileName(shared, level);
  // By default: read the file beside this module in Node, fetch it elsewhere.
  const besideThisFile = () =>
    nodeBuiltin('node:fs') ? readBesideThisFile(file) : new URL(file, import.meta.url);
  const from = typeof source === 'function' ? source(file) : (source ?? besideThisFile());
  let bytes: BufferSource;
  if (from instanceof URL || typeof from === 'string') bytes = await fetchBytes(fetch(from), String(from));
  else if (from instanceof Response || from instanceof Promise)
    bytes = await fetchBytes(from, 'the response');
  else bytes = from;
  return instantiateRuntime(await WebAssembly.compile(bytes), shared, level);
}

async function fetchBytes(response: Response | Promise<Response>, what: string): Promise<ArrayBuffer> {
  const answer = await response;
  if (!answer.ok) throw new Error(`wasm backend: fetching ${what} failed: HTTP ${answer.status}`);
  return answer.arrayBuffer();
}

// The build writes a module for shared memory (threads) and one for ordinary memory, each with and
// without relaxed SIMD.
function wasmFileName(shared: boolean, simd: SimdLevel): WasmFileName {
  if (simd === 'relaxed') return shared ? 'zerodl_shared_relaxed.wasm' : 'zerodl_relaxed.wasm';
  return shared ? 'zerodl_shared.wasm' : 'zerodl.wasm';
}

// Memory (shared or not, as the module was built) and the calling thread's instance of `module`.
function instantiateRuntime(module: WebAssembly.Module, shared: boolean, simd: SimdLevel): WasmRuntime {
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared });
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const constant = (name: string) => (exports[name] as WebAssembly.Global).value as number;
  return {
    module,
    memory,
    shared,
    simd,
    maximumPages: MAXIMUM_PAGES,
    kernels: exports as unknown as WasmKernels,
    layout: { controlAddress: constant('CONTROL_ADDRESS'), heapBase: constant('HEAP_BASE') },
  };
}

/** Instantiates an already compiled module on an existing memory (a worker thread's instance). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): WasmKernels {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WasmKernels;
}

function readBesideThisFile(file: string): Uint8Array<ArrayBuffer> {
  const fs = nodeBuiltin<typeof import('node:fs')>('node:fs');
  if (fs === undefined) throw new Error(`wasm backend: cannot read ${file} synchronously on this platform`);
  const url = new URL(file, import.meta.url);
  try {
    return new Uint8Array(fs.readFileSync(url));
  } catch (error) {
    throw new Error(
      `wasm backend: cannot read ${url.pathname} (${(error as Error).message}); run \`npm run build:wasm\``,
    );
  }
}

/** A Node built-in module, or undefined outside Node (browsers), without a static import. */
export function nodeBuiltin<T>(name: string): T | undefined {
  const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  return host.process?.getBuiltinModule?.(name) as T | undefined;
}
