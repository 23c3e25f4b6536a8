// Atomic file writes: write a temporary file beside the target, flush it to disk, then rename it over
// the target. A crash leaves either the old file or the new one, never a partial file.

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

// Distinguishes temporary files of concurrent writes within one process; the pid separates processes
let writeCounter = 0;

/**
 * Replaces `path` with `data` atomically (temp file in the same folder + fsync + rename).
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
    throw error;
  }
  syncDirectory(dir);
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
