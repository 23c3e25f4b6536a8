// Node-only (node:fs, process).
// Run folders (runs/train/exp, exp2 …): one training at a time per folder. A new folder is claimed
// with mkdir, which only one process can win; a folder in use holds a `.lock` file with the pid of
// the training that owns it, so `--exist-ok` and `--resume` refuse a folder another run is writing.

import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_FILE } from '../model/model_info.js';
import { processAlive, removeStaleTemporaries } from '../util/atomic_file.js';
import { ValueError } from '../util/errors.js';

/** A run folder held by this process until `release()`. */
export interface RunFolder {
  dir: string;
  /** Whether this run made the folder (a failed run may then remove it: nothing of anyone's is lost). */
  created: boolean;
  /** Removes the lock; also done when the process exits. */
  release(): void;
}

export const LOCK_FILE = '.lock';

/**
 * Claims `project/name` for a new run, or `name2`, `name3` … when it exists (ultralytics' numbering);
 * with `existOk` reuses `project/name` unless another run holds it. `name` is one folder name: a path
 * such as `../other` would write outside `project`.
 *
 * @example
 * const run = claimRunFolder('runs/train', 'exp', false); // runs/train/exp, or exp2 if exp exists
 * try { ... } finally { run.release(); }
 */
export function claimRunFolder(project: string, name: string, existOk: boolean): RunFolder {
  if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
    throw new ValueError(
      `--name must be one folder name inside --project (${project}), without '/', '\\' or '..', got '${name}'`,
    );
  }
  mkdirSync(project, { recursive: true });
  if (existOk) {
    const dir = join(project, name);
    const created = makeFolder(dir);
    return lockRunFolder(dir, created);
  }
  for (let i = 1; ; i++) {
    const dir = join(project, i === 1 ? name : `${name}${i}`);
    // mkdir fails with EEXIST for all but one of the runs that try the same name at once
    if (!makeFolder(dir)) continue;
    try {
      return lockRunFolder(dir, true);
    } catch {
      // an --exist-ok run took the folder between our mkdir and our lock: it is theirs, number on
    }
  }
}

/**
 * Takes the lock of an existing run folder (for `--resume`); a ValueError when another live process
 * holds it. A lock left by a killed run is taken over, and that run's unfinished temporary files removed.
 */
export function lockRunFolder(dir: string, created = false): RunFolder {
  const lock = join(dir, LOCK_FILE);
  // The lock appears with its pid already in it (link is atomic and fails when the lock exists), so
  // no other run ever reads an empty lock and mistakes it for a stale one
  const ours = join(dir, `${LOCK_FILE}.${process.pid}.0.tmp`);
  writeFileSync(ours, `${process.pid}\n`);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        linkSync(ours, lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = lockOwner(lock);
        if ((owner !== undefined && processAlive(owner)) || attempt === 3) {
          throw new ValueError(
            `${dir} is in use by another training (process ${owner ?? '?'}, ${lock}); choose another --name, or wait for it to finish (if no training runs there, delete ${lock})`,
          );
        }
        rmSync(lock, { force: true }); // left by a run that was killed
      }
    }
  } finally {
    rmSync(ours, { force: true });
  }
  removeStaleTemporaries(dir);
  removeStaleTemporaries(join(dir, 'weights'));
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    if (lockOwner(lock) === process.pid) rmSync(lock, { force: true });
  };
  process.on('exit', release);
  return { dir, created, release };
}

/** Makes `dir`; false when it exists already. */
function makeFolder(dir: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function lockOwner(lock: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Removes a run folder this run made when it holds no model (the run failed before its first epoch was saved). */
export function removeIfNoModel(run: RunFolder): void {
  if (run.created && !existsSync(join(run.dir, MODEL_FILE)))
    rmSync(run.dir, { recursive: true, force: true });
}
