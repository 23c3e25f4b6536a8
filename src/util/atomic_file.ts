// Node-only (node:fs, process).
// Atomic file writes: write a temporary file beside the target, flush it to disk, then rename it over
// the target. A crash leaves either the old file or the new one, never a partial file.

import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileError } from './errors.js';

// Distinguishes temporary files of concurrent writes within one process; the pid separates processes
let writeCounter = 0;

/** `.<name>.<pid>.<counter>.tmp`: the temporary files below, and the pid that wrote each. */
const TEMPORARY = /^\..+\.(\d+)\.\d+\.tmp$/;

/**
 * Replaces `path` with `data` atomically (temp file in the same folder + fsync + rename). A failure
 * (disk full, no permission) is a FileError naming `path`, and leaves the old file and no temp file.
 *
 * @example
 * writeFileAtomic('runs/train/exp/weights/last.safetensors', bytes);
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const dir = dirname(path);
  // Same folder as the target, because rename is atomic only within one file system
  const temporary = join(dir, `.${basename(path)}.${process.pid}.${writeCounter++}.tmp`);
  try {
    const fd = openSync(temporary, 'wx');
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    const { code, message } = error as NodeJS.ErrnoException;
    const reason = code === 'ENOSPC' ? 'the disk is full' : message;
    throw new FileError(`${path}: cannot write: ${reason}`, { cause: error });
  }
  syncDirectory(dir);
}

/**
 * Removes the temporary files of writes that never finished because their process was killed (the
 * pid in the name is no longer running); those of live processes are left alone.
 */
export function removeStaleTemporaries(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no folder, no temporaries
  }
  for (const name of names) {
    const pid = TEMPORARY.exec(name)?.[1];
    if (pid !== undefined && !processAlive(Number(pid))) rmSync(join(dir, name), { force: true });
  }
}

/** Whether a process with this pid is running (on this machine). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 only checks
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but someone else's
  }
}

/** Flushes the folder entry so the rename itself survives a power loss. */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return; // Windows cannot open folders; its rename is durable without this step
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on folders; the file itself is already on disk
  } finally {
    closeSync(fd);
  }
}
