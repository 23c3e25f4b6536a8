// The asynchronous loader browsers use (compileWasmRuntime, loadWasmBackend, useDefaultBackendAsync),
// exercised in Node with the bytes of the built .wasm files, Responses and failed fetches.
//
// @backend-independent: loads and installs wasm backends itself from explicit settings

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { referenceBackend } from '../reference/index.js';
import { useDefaultBackend, useDefaultBackendAsync } from '../select.js';
import { loadWasmBackend } from './index.js';
import { compileWasmRuntime, type WasmFileName } from './module.js';

const builtFile = (file: WasmFileName) => new Uint8Array(readFileSync(new URL(file, import.meta.url)));

after(() => {
  useDefaultBackend(); // back to what the environment asks for, for the rest of this process
});

describe('asynchronous wasm loading (the browser path)', () => {
  it('compiles from a function of the file name and computes what the reference backend does', async () => {
    const asked: string[] = [];
    const backend = await loadWasmBackend({
      threads: 1,
      source: (file) => {
        asked.push(file);
        return builtFile(file);
      },
    });
    assert.deepEqual(
      asked,
      ['zerodl_shared_relaxed.wasm'],
      'Node has shared memory and (from 22, or with the flag zerodl sets) relaxed SIMD',
    );
    assert.equal(backend.runtime.simd, 'relaxed');
    // C [3, 5] = A [3, 4] · B [4, 5] on both backends
    const a = Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2);
    const b = Float32Array.from({ length: 20 }, (_, i) => ((i * 7) % 9) / 4);
    const ours = new Float32Array(15);
    const expected = new Float32Array(15);
    backend.gemm(false, false, 3, 5, 4, 1, a, 0, 4, b, 0, 5, 0, ours, 0, 5);
    referenceBackend.gemm(false, false, 3, 5, 4, 1, a, 0, 4, b, 0, 5, 0, expected, 0, 5);
    for (let i = 0; i < 15; i++) assert.ok(Math.abs(ours[i] - expected[i]) < 1e-5, `C[${i}]`);
    await backend.close();
  });

  it("loads the plain SIMD128 build when asked for 'simd128'", async () => {
    const asked: string[] = [];
    const backend = await loadWasmBackend({
      simd: 'simd128',
      source: (file) => {
        asked.push(file);
        return builtFile(file);
      },
    });
    assert.deepEqual(asked, ['zerodl_shared.wasm']);
    assert.equal(backend.runtime.simd, 'simd128');
    await backend.close();
  });

  it('takes a Response, and names the HTTP status when the fetch failed', async () => {
    const runtime = await compileWasmRuntime(new Response(builtFile('zerodl_shared.wasm')));
    assert.equal(runtime.shared, true);
    assert.equal(typeof runtime.kernels.gemmSmall, 'function');
    await assert.rejects(
      compileWasmRuntime(Promise.resolve(new Response('not here', { status: 404 }))),
      /fetching the response failed: HTTP 404/,
    );
    await assert.rejects(compileWasmRuntime(new Uint8Array([0, 97, 115, 109])), WebAssembly.CompileError);
  });

  it('useDefaultBackendAsync installs the backend asked for', async () => {
    assert.equal((await useDefaultBackendAsync({ backend: 'reference' })).name, 'reference');
    const backend = await useDefaultBackendAsync({ backend: 'wasm', threads: '1' });
    assert.equal(backend.name, 'wasm');
    await assert.rejects(useDefaultBackendAsync({ backend: 'gpu' }), /ZERODL_BACKEND/);
    await assert.rejects(
      useDefaultBackendAsync({ simd: 'avx512' }),
      /ZERODL_SIMD must be 'relaxed' or 'simd128'/,
    );
  });
});
