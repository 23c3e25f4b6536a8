// Chooses the backend at start-up: wasm where WebAssembly SIMD128 exists, the reference backend
// otherwise; ZERODL_BACKEND=reference|wasm forces one, ZERODL_THREADS sets the wasm thread count and
// ZERODL_SIMD=relaxed|simd128 the wasm build (default: relaxed SIMD where the engine runs it).
// Importing this module chooses nothing: it registers `useDefaultBackend` as the first use
// (util/first_use.ts), which runs on the first tensor allocation or kernel lookup unless a backend was
// chosen before.

import { setFloat32Allocator, setInt32Allocator } from '../tensor/storage.js';
import { ValueError } from '../util/errors.js';
import { onFirstUse } from '../util/first_use.js';
import { setBackend } from './active.js';
import type { Backend } from './backend.js';
import { referenceBackend } from './reference/index.js';
import { createWasmBackend, loadWasmBackend, type WasmBackend, wasmBackendAvailable } from './wasm/index.js';
import type { SimdChoice, WasmSource } from './wasm/module.js';
import { nodeBuiltin } from './wasm/module.js';

/** The settings `useDefaultBackend` reads, normally from the environment. */
export interface BackendSettings {
  /** `ZERODL_BACKEND`: 'reference', 'wasm', or unset / '' for automatic. */
  backend?: string;
  /** `ZERODL_THREADS`: threads for large products; unset means every core (at most 16). */
  threads?: string;
  /** `ZERODL_SIMD`: 'relaxed', 'simd128', or unset / '' for relaxed SIMD where it runs (see SimdChoice). */
  simd?: string;
}

let wasmBackend: WasmBackend | undefined;

onFirstUse(() => useDefaultBackend());

/**
 * Selects and installs the backend (`setBackend`), and when it is wasm on shared memory, places new
 * tensors in wasm memory (`setFloat32Allocator`). Returns the backend. The wasm backend is created
 * once and reused by later calls.
 *
 * @example
 * useDefaultBackend();                          // from ZERODL_BACKEND / ZERODL_THREADS
 * useDefaultBackend({ backend: 'reference' });  // force the plain TypeScript kernels
 */
export function useDefaultBackend(settings: BackendSettings = settingsFromEnvironment()): Backend {
  const wasm = wasmWanted(settings);
  if (wasm === undefined) return useReference();
  try {
    wasmBackend ??= createWasmBackend({ threads: wasm.threads, simd: wasm.simd });
  } catch (error) {
    return referenceInstead(error, wasm.named);
  }
  return useWasm(wasmBackend);
}

/**
 * `useDefaultBackend` for browsers: the kernels are fetched and compiled without blocking (from
 * `source`, by default the .wasm beside the module), and run on one thread. Falls back to the reference
 * backend where WebAssembly SIMD128 is missing or the module cannot be fetched, unless 'wasm' is asked for.
 *
 * @example
 * await useDefaultBackendAsync(); // in a browser page, before building a model
 */
export async function useDefaultBackendAsync(
  settings: BackendSettings & { source?: WasmSource } = settingsFromEnvironment(),
): Promise<Backend> {
  const wasm = wasmWanted(settings);
  if (wasm === undefined) return useReference();
  try {
    wasmBackend ??= await loadWasmBackend({
      threads: wasm.threads,
      simd: wasm.simd,
      source: settings.source,
    });
  } catch (error) {
    return referenceInstead(error, wasm.named);
  }
  return useWasm(wasmBackend);
}

// Whether the settings call for the wasm backend (named, or chosen because SIMD128 exists), on how
// many threads and with which build; undefined for the reference backend. Unknown names are ValueErrors.
function wasmWanted(
  settings: BackendSettings,
): { threads: number; simd: SimdChoice; named: boolean } | undefined {
  const choice = settings.backend ?? '';
  if (choice !== '' && choice !== 'reference' && choice !== 'wasm') {
    throw new ValueError(`ZERODL_BACKEND must be 'reference' or 'wasm' (or unset), got '${choice}'`);
  }
  const simd = parseSimd(settings.simd);
  if (choice === 'reference') return undefined;
  // ZERODL_SIMD=relaxed names the wasm backend too: without relaxed SIMD it is an error, not a fallback.
  const named = choice === 'wasm' || simd === 'relaxed';
  if (!named && !wasmBackendAvailable()) return undefined;
  return { threads: parseThreads(settings.threads), simd, named };
}

// Asked for by name, a wasm backend that cannot be made is an error (as are bad settings); chosen
// automatically, the reference backend stands in (e.g. a platform that cannot read the .wasm file).
function referenceInstead(error: unknown, named: boolean): Backend {
  if (named || error instanceof ValueError) throw error;
  return useReference();
}

function useWasm(backend: WasmBackend): Backend {
  setBackend(backend);
  // With ordinary (non-shared) memory, growth would detach tensor views: tensors then stay in
  // JavaScript memory and the kernels copy them in.
  setFloat32Allocator(backend.runtime.shared ? backend.allocate : undefined);
  setInt32Allocator(backend.runtime.shared ? backend.allocateInt32 : undefined);
  return backend;
}

function useReference(): Backend {
  setBackend(referenceBackend);
  setFloat32Allocator(undefined);
  setInt32Allocator(undefined);
  return referenceBackend;
}

function settingsFromEnvironment(): BackendSettings {
  const host = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const env = host.process?.env ?? {};
  return { backend: env.ZERODL_BACKEND, threads: env.ZERODL_THREADS, simd: env.ZERODL_SIMD };
}

function parseSimd(text: string | undefined): SimdChoice {
  if (text === undefined || text === '') return 'auto';
  if (text !== 'relaxed' && text !== 'simd128') {
    throw new ValueError(`ZERODL_SIMD must be 'relaxed' or 'simd128' (or unset), got '${text}'`);
  }
  return text;
}

function parseThreads(text: string | undefined): number {
  if (text === undefined || text === '') {
    const os = nodeBuiltin<typeof import('node:os')>('node:os');
    return Math.min(16, os?.availableParallelism() ?? 1);
  }
  const threads = Number(text);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ValueError(`ZERODL_THREADS must be a whole number >= 1, got '${text}'`);
  }
  return threads;
}
