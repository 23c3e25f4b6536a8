// @backend-independent: file reading; no layer, model or kernel

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadImageAsInput } from '../data/images.js';
import { readDataYaml } from '../data/yolo_dataset.js';
import { DataError } from './errors.js';
import { readRegularFile } from './regular_file.js';

function fifo(): string | undefined {
  const path = join(mkdtempSync(join(tmpdir(), 'zerodl-fifo-')), 'image.png');
  try {
    execFileSync('mkfifo', [path]);
    return path;
  } catch {
    return undefined; // no mkfifo here
  }
}

test('readRegularFile reads bytes and text of a regular file', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'zerodl-read-')), 'a.txt');
  writeFileSync(file, 'héllo');
  assert.equal(readRegularFile(file, 'utf8'), 'héllo');
  assert.deepEqual([...readRegularFile(file)], [...Buffer.from('héllo')]);
});

test('readRegularFile refuses a folder, a device and a FIFO at once (no wait for a writer)', () => {
  const refused = (path: string, kind: RegExp) =>
    assert.throws(
      () => readRegularFile(path),
      (e: NodeJS.ErrnoException) => e.code === 'ENOTREGULAR' && kind.test(e.message),
    );
  refused(mkdtempSync(join(tmpdir(), 'zerodl-read-')), /not a regular file \(a folder\)/);
  refused('/dev/null', /not a regular file \(a device or socket\)/);
  const pipe = fifo();
  if (pipe !== undefined) refused(pipe, /not a regular file \(a FIFO\)/);
  assert.throws(() => readRegularFile('/no/such/file'), { code: 'ENOENT' });
});

test('an image or data YAML path that is a FIFO is a DataError naming the file, not a hang', (t) => {
  const pipe = fifo();
  if (pipe === undefined) {
    t.skip('mkfifo is not available');
    return;
  }
  assert.throws(
    () => loadImageAsInput(pipe, { width: 28, height: 28 }),
    (e: unknown) =>
      e instanceof DataError && e.message === `${pipe}: cannot read image: not a regular file (a FIFO)`,
  );
  assert.throws(
    () => readDataYaml(pipe),
    (e: unknown) =>
      e instanceof DataError &&
      e.message.startsWith(`${pipe}: cannot read the data YAML: not a regular file`),
  );
});
