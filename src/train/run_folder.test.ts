// @backend-independent: run folder claiming and locking; no layer, model or kernel

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ValueError } from '../util/errors.js';
import { claimRunFolder, LOCK_FILE, lockRunFolder } from './run_folder.js';

const root = mkdtempSync(join(tmpdir(), 'zerodl-runs-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The pid of a process that has exited (so no process holds it, barring reuse). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number;
}

describe('claimRunFolder', () => {
  it('numbers a name that is taken, also while the first run still holds it', () => {
    const project = join(root, 'numbering');
    const first = claimRunFolder(project, 'r2', false);
    const second = claimRunFolder(project, 'r2', false);
    assert.equal(first.dir, join(project, 'r2'));
    assert.equal(second.dir, join(project, 'r22'));
    assert.ok(first.created && second.created);
    assert.equal(readFileSync(join(first.dir, LOCK_FILE), 'utf8').trim(), String(process.pid));
    first.release();
    second.release();
    assert.ok(!existsSync(join(first.dir, LOCK_FILE)));
    assert.equal(claimRunFolder(project, 'r2', false).dir, join(project, 'r23'));
  });

  it('--exist-ok reuses a folder, but not one another run holds', () => {
    const project = join(root, 'exist-ok');
    const held = claimRunFolder(project, 'exp', false);
    assert.throws(
      () => claimRunFolder(project, 'exp', true),
      (error: Error) =>
        error instanceof ValueError &&
        error.message.includes(`${held.dir} is in use by another training (process ${process.pid}`),
    );
    held.release();
    const reused = claimRunFolder(project, 'exp', true);
    assert.equal(reused.dir, held.dir);
    assert.equal(reused.created, false);
    reused.release();
    assert.throws(() => lockRunFolder(join(project, 'missing')), /ENOENT/);
  });

  it("takes over a killed run's lock and removes its temporary files, not a live process's", () => {
    const project = join(root, 'stale');
    const dir = join(project, 'exp');
    mkdirSync(join(dir, 'weights'), { recursive: true });
    const dead = deadPid();
    writeFileSync(join(dir, LOCK_FILE), `${dead}\n`);
    writeFileSync(join(dir, `.results.csv.${dead}.3.tmp`), 'half');
    writeFileSync(join(dir, 'weights', `.last.safetensors.${dead}.0.tmp`), 'half');
    writeFileSync(join(dir, 'weights', `.best.safetensors.${process.pid}.0.tmp`), 'being written');
    writeFileSync(join(dir, 'notes.tmp'), 'the user’s');
    const run = lockRunFolder(dir);
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8').trim(), String(process.pid));
    assert.deepEqual(readdirSync(dir).sort(), [LOCK_FILE, 'notes.tmp', 'weights']);
    assert.deepEqual(readdirSync(join(dir, 'weights')), [`.best.safetensors.${process.pid}.0.tmp`]);
    run.release();
  });

  it('a name is one folder name inside the project', () => {
    for (const name of ['', '.', '..', '../project', 'a/b', 'a\\b']) {
      assert.throws(() => claimRunFolder(join(root, 'names'), name, true), /--name must be one folder name/);
    }
    assert.ok(!existsSync(join(root, 'project')));
  });
});
