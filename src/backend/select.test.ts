// Backend selection: ZERODL_BACKEND-style settings pick the backend and where new tensors live;
// bad settings are rejected with a message naming the variable.
//
// @backend-independent: installs each backend itself from explicit settings

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { getBackend } from './active.js';
import { useDefaultBackend } from './select.js';

after(() => {
  useDefaultBackend(); // back to what the environment asks for, for the rest of this process
});

describe('useDefaultBackend', () => {
  it("'reference' installs the reference backend and ordinary JavaScript memory", () => {
    const backend = useDefaultBackend({ backend: 'reference' });
    assert.equal(backend.name, 'reference');
    assert.equal(getBackend(), backend);
    assert.ok(new Tensor([3]).data.buffer instanceof ArrayBuffer);
  });

  it("'wasm' installs the wasm backend and places new tensors in its shared memory", () => {
    const backend = useDefaultBackend({ backend: 'wasm', threads: '1' });
    assert.equal(backend.name, 'wasm');
    assert.equal(getBackend(), backend);
    assert.ok(new Tensor([3]).data.buffer instanceof SharedArrayBuffer);
  });

  it('automatic selection picks wasm where WebAssembly SIMD exists (Node 20 has it)', () => {
    assert.equal(useDefaultBackend({}).name, 'wasm');
  });

  it('rejects unknown backends and thread counts, naming the variable', () => {
    assert.throws(
      () => useDefaultBackend({ backend: 'gpu' }),
      (e: unknown) => e instanceof ValueError && /ZERODL_BACKEND/.test(e.message),
    );
    assert.throws(
      () => useDefaultBackend({ backend: 'wasm', threads: '0' }),
      (e: unknown) => e instanceof ValueError && /ZERODL_THREADS/.test(e.message),
    );
    assert.throws(
      () => useDefaultBackend({ backend: 'wasm', simd: 'fma' }),
      (e: unknown) => e instanceof ValueError && /ZERODL_SIMD/.test(e.message),
    );
    useDefaultBackend({ backend: 'reference' });
  });
});
