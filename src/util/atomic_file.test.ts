// @backend-independent: file writing; no layer, model or kernel

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from './atomic_file.js';

test('writeFileAtomic writes bytes and text, replacing an existing file, leaving no temp file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zerodl-atomic-'));
  const file = join(dir, 'weights.bin');
  writeFileSync(file, 'old contents that are longer than the new ones');
  writeFileAtomic(file, Uint8Array.from([1, 2, 3]));
  assert.deepEqual([...readFileSync(file)], [1, 2, 3]);
  writeFileAtomic(file, 'héllo');
  assert.equal(readFileSync(file, 'utf8'), 'héllo');
  assert.deepEqual(readdirSync(dir), ['weights.bin']);
});

test('a failed write throws, keeps the old target and leaves no temp file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zerodl-atomic-'));
  // A non-empty folder at the target path: the rename fails after the temp file was written
  const target = join(dir, 'model');
  mkdirSync(target);
  writeFileSync(join(target, 'keep.txt'), 'user data');
  assert.throws(() => writeFileAtomic(target, 'new'), /EISDIR|ENOTEMPTY|EEXIST|EPERM/);
  assert.deepEqual(readdirSync(dir), ['model']);
  assert.equal(readFileSync(join(target, 'keep.txt'), 'utf8'), 'user data');
  assert.throws(() => writeFileAtomic(join(dir, 'missing', 'file'), 'x'), /ENOENT/);
});
