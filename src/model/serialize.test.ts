// @backend-independent: safetensors encoding and decoding; no layer, model or kernel

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Tensor } from '../tensor/tensor.js';
import { DataError, ValueError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { loadSafetensors, saveSafetensors } from './safetensors_file.js';
import { decodeSafetensors, encodeSafetensors } from './serialize.js';

const dir = mkdtempSync(join(tmpdir(), 'zerodl-safetensors-'));

function sampleTensors(): Map<string, Tensor> {
  const rng = new Random(5);
  return new Map([
    ['W1', Tensor.randn([3, 4], rng)],
    ['b1', Tensor.from([[0.5, -1.5, 3e-8, 1e30]])],
    ['scale', new Tensor([], Float32Array.from([-2]))],
    ['empty', new Tensor([0, 3])],
  ]);
}

/** A safetensors file from a header object and raw data bytes, without our encoder. */
function rawFile(header: unknown, data: Uint8Array, headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

test('safetensors round trip keeps names, order, shapes, exact values and metadata', () => {
  const tensors = sampleTensors();
  const file = join(dir, 'round_trip.safetensors');
  saveSafetensors(file, tensors, { format: 'zerodl', epoch: '3' });
  const loaded = loadSafetensors(file);
  assert.deepEqual([...loaded.tensors.keys()], ['W1', 'b1', 'scale', 'empty']);
  for (const [name, tensor] of tensors) {
    assert.deepEqual(loaded.tensors.get(name)?.shape, tensor.shape);
    assert.deepEqual(loaded.tensors.get(name)?.data, tensor.data);
  }
  assert.deepEqual(loaded.metadata, { format: 'zerodl', epoch: '3' });
  assert.deepEqual(
    readdirSync(dir).filter((name) => name.includes('tmp')),
    [],
  );
});

test('the written layout is the safetensors format: u64 LE length, space-padded JSON, LE float32 data', () => {
  const bytes = encodeSafetensors(new Map([['w', Tensor.from([1, -2])]]), { note: 'x' });
  const view = new DataView(bytes.buffer);
  const headerLength = Number(view.getBigUint64(0, true));
  assert.equal(headerLength % 8, 0);
  assert.equal(bytes.length, 8 + headerLength + 8);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
  assert.match(text, /^\{.*\} *$/);
  assert.deepEqual(JSON.parse(text), {
    __metadata__: { note: 'x' },
    w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
  });
  assert.equal(view.getFloat32(8 + headerLength, true), 1);
  assert.equal(view.getFloat32(12 + headerLength, true), -2);
  // Without metadata there is no __metadata__ entry
  const plain = encodeSafetensors(new Map([['w', Tensor.from([1])]]));
  assert.doesNotMatch(new TextDecoder().decode(plain), /__metadata__/);
});

test('a hand-made file with F64 at an unaligned offset and unpadded header is read and converted', () => {
  const data = new Uint8Array(20);
  const view = new DataView(data.buffer);
  view.setFloat32(0, 7, true);
  view.setFloat64(4, 0.1, true);
  view.setFloat64(12, -3, true);
  const file = rawFile(
    {
      b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      a: { dtype: 'F64', shape: [1, 2], data_offsets: [4, 20] },
    },
    data,
  );
  const { tensors, metadata } = decodeSafetensors(file, 'fixture.safetensors');
  assert.deepEqual(tensors.get('a')?.shape, [1, 2]);
  assert.deepEqual([...(tensors.get('a')?.data ?? [])], [Math.fround(0.1), -3]);
  assert.deepEqual([...(tensors.get('b')?.data ?? [])], [7]);
  assert.deepEqual(metadata, {});
});

/** Asserts that decoding throws a DataError whose message includes every piece. */
function rejects(bytes: Uint8Array, ...pieces: string[]): void {
  assert.throws(
    () => decodeSafetensors(bytes, 'bad.safetensors'),
    (error: Error) => {
      assert.ok(error instanceof DataError, `${error.name}: ${error.message}`);
      assert.ok(error.message.startsWith('bad.safetensors: '), error.message);
      for (const piece of pieces)
        assert.ok(error.message.includes(piece), `'${error.message}' lacks '${piece}'`);
      return true;
    },
  );
}

test('truncated files are DataErrors: too short, header cut, data cut', () => {
  const good = encodeSafetensors(sampleTensors());
  rejects(good.subarray(0, 5), 'shorter than the 8-byte header length');
  rejects(good.subarray(0, 40), 'header length', 'exceeds the 32 bytes after it');
  rejects(good.subarray(0, good.length - 4), "tensor 'scale'", 'outside the', 'truncated file?');
  const hugeLength = good.slice();
  new DataView(hugeLength.buffer).setBigUint64(0, 2n ** 63n, true);
  rejects(hugeLength, 'header length 9223372036854775808 exceeds');
});

test('a corrupt header is a DataError: not JSON, not an object, bad metadata', () => {
  const bytes = encodeSafetensors(sampleTensors());
  bytes[8] = 0x5b; // '{' → '['
  rejects(bytes, 'header is not valid JSON');
  rejects(rawFile([1, 2], new Uint8Array()), 'header is not a JSON object');
  rejects(
    rawFile({ __metadata__: { epoch: 3 } }, new Uint8Array()),
    '__metadata__ must map names to strings',
  );
  rejects(rawFile({ w: 'F32' }, new Uint8Array()), "tensor 'w': header entry is not an object");
});

test('bad dtype, shape and offsets are DataErrors naming the tensor', () => {
  const data = new Uint8Array(16);
  const entry = (fields: object) =>
    rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8], ...fields } }, data);
  rejects(entry({ dtype: 'F16' }), "tensor 'w'", 'dtype "F16" is not supported');
  rejects(entry({ shape: [2, -1] }), "tensor 'w'", 'shape [2,-1] is not a list');
  rejects(entry({ shape: [3] }), "tensor 'w'", 'shape [3] of F32 needs 12 bytes, data_offsets hold 8');
  rejects(entry({ data_offsets: [0] }), "tensor 'w'", 'is not a pair');
  rejects(entry({ data_offsets: [8, 0] }), "tensor 'w'", 'outside the 16 data bytes');
  rejects(entry({ data_offsets: [12, 20] }), "tensor 'w'", 'outside the 16 data bytes');
  const overlapping = rawFile(
    {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    },
    data,
  );
  rejects(overlapping, "tensors 'a' and 'b' overlap");
});

test('loadSafetensors names a missing file; encode rejects the reserved name', () => {
  const missing = join(dir, 'none.safetensors');
  assert.throws(
    () => loadSafetensors(missing),
    (error: Error) =>
      error instanceof DataError && error.message.startsWith(`${missing}: cannot read weights file`),
  );
  const corrupt = join(dir, 'corrupt.safetensors');
  writeFileSync(corrupt, readFileSync(join(dir, 'round_trip.safetensors')).subarray(0, 50));
  assert.throws(
    () => loadSafetensors(corrupt),
    (error: Error) => error.message.startsWith(corrupt),
  );
  assert.throws(() => encodeSafetensors(new Map([['__metadata__', Tensor.from([1])]])), ValueError);
});
