// @backend-independent: reads the built .wasm files and checks their exports; no backend is called
//
// The hand-typed WasmKernels interface against the built modules: every function WASM_KERNEL_ARITY
// lists (the compiler checks that list against the interface, names and parameter counts) is an export
// of each .wasm build with that many parameters, and the modules export no function the list lacks.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { WASM_KERNEL_ARITY } from './kernels.js';
import { relaxedSimdSupported, simdSupported } from './module.js';

const BUILDS = ['zerodl.wasm', 'zerodl_shared.wasm', 'zerodl_relaxed.wasm', 'zerodl_shared_relaxed.wasm'];

describe('the WasmKernels interface matches the built modules', { skip: !simdSupported() }, () => {
  for (const file of BUILDS) {
    const relaxed = file.includes('relaxed');
    it(`${file}: the same functions, with the same parameter counts`, {
      skip: relaxed && !relaxedSimdSupported() ? 'no relaxed SIMD here' : false,
    }, () => {
      const module = new WebAssembly.Module(readFileSync(new URL(file, import.meta.url)));
      const shared = file.includes('shared');
      const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared });
      const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
      const functions = Object.entries(exports).filter(([, value]) => typeof value === 'function');
      const exported = Object.fromEntries(
        functions.map(([name, value]) => [name, (value as () => void).length]),
      );
      const typed: Record<string, number> = { ...WASM_KERNEL_ARITY };
      const missing = Object.keys(typed).filter((name) => !(name in exported));
      assert.deepEqual(missing, [], `typed in WasmKernels but not exported by ${file}`);
      const untyped = Object.keys(exported).filter((name) => !(name in typed));
      assert.deepEqual(
        untyped,
        [],
        `exported by ${file} but not in WasmKernels (type it, or stop exporting it)`,
      );
      const wrong = Object.keys(typed).filter((name) => exported[name] !== typed[name]);
      // biome-ignore format: the message
      assert.deepEqual(wrong.map((name) => `${name}: typed ${typed[name]}, exported ${exported[name]}`), [],
        `parameter counts differ in ${file}`);
    });
  }
});
