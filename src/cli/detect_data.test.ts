// @backend-independent: the commands write and read files; no tensors.
// Tests of `zerodl detect scenes` and `zerodl detect check` called as functions: the files written,
// the check of what was written, and the errors for bad options.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { detectCheckCommand, detectScenesCommand } from './detect_data.js';

const temp = mkdtempSync(join(tmpdir(), 'zerodl-detect-data-'));
after(() => rmSync(temp, { recursive: true, force: true }));

test('detect scenes writes a split, and detect check reads it back', () => {
  const out = join(temp, 'scenes');
  assert.equal(detectScenesCommand(['--out', out, '--split', 'test', '--count', '3']), 0);
  assert.deepEqual(readdirSync(join(out, 'images/test')), [
    'scene_00000.png',
    'scene_00001.png',
    'scene_00002.png',
  ]);
  assert.ok(existsSync(join(out, 'labels/test/scene_00002.txt')));
  assert.ok(existsSync(join(out, 'test_manifest.jsonl')));
  assert.equal(
    detectCheckCommand(['--data', join(out, 'data.yaml'), '--imgsz', '96', '--grid', '6', '--strict']),
    0,
  );
});

test('bad options are errors naming the option', () => {
  assert.throws(() => detectScenesCommand(['--split', 'test']), /--out <dir> is required/);
  assert.throws(
    () => detectScenesCommand(['--out', temp, '--split', 'dev']),
    /--split must be test, val, train or all, got 'dev'/,
  );
  assert.throws(
    () => detectScenesCommand(['--out', temp, '--count', '0']),
    /--count must be a whole number >= 1, got '0'/,
  );
  assert.throws(
    () => detectCheckCommand(['--grid', '200']),
    /--grid must be a whole number >= 1 and <= 96, got '200'/,
  );
  assert.throws(
    () => detectCheckCommand(['--data', join(temp, 'none.yaml')]),
    /none\.yaml: cannot read the data YAML/,
  );
});
