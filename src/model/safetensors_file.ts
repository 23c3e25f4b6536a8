// Node-only: safetensors files on disk (node:fs). The format itself, from and to bytes, is in
// serialize.ts (core).

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from '../util/atomic_file.js';
import { DataError } from '../util/errors.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  type SafetensorsContents,
  safetensorsDataBytes,
} from './serialize.js';

/**
 * Writes tensors to a safetensors file atomically: a crash never leaves a partial file.
 *
 * @example
 * saveSafetensors('runs/train/exp/weights/last.safetensors', net.params(), { epoch: '3' });
 */
export function saveSafetensors(
  file: string,
  tensors: Map<string, Tensor>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

/**
 * Reads and validates a safetensors file. Only a regular file is read (not a device, a FIFO or a
 * folder, even through a symlink), and its 8-byte header length and JSON header are checked against
 * the file's size before the tensor data is read.
 *
 * @example
 * const { tensors, metadata } = loadSafetensors('model/weights.safetensors');
 */
export function loadSafetensors(file: string): SafetensorsContents {
  let fd: number;
  try {
    const stats = statSync(file);
    if (!stats.isFile()) {
      throw new DataError(`${file}: cannot read weights file: not a regular file (a folder, device or FIFO)`);
    }
    fd = openSync(file, 'r');
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`${file}: cannot read weights file: ${(error as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const read = (length: number, position: number) => {
      const bytes = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, bytes, done, length - done, position + done);
        if (n === 0) throw new DataError(`${file}: the file ended after ${position + done} of ${size} bytes`);
        done += n;
      }
      return bytes;
    };
    if (size >= 8) {
      const headerLength = new DataView(read(8, 0).buffer).getBigUint64(0, true);
      if (headerLength > BigInt(Math.min(size - 8, MAX_HEADER_BYTES))) {
        throw new DataError(
          `${file}: corrupt or truncated safetensors file: header length ${headerLength} exceeds the ${size - 8} bytes after it${size - 8 > MAX_HEADER_BYTES ? ` or the ${MAX_HEADER_BYTES}-byte limit` : ''}`,
        );
      }
      // the header says how much data follows: a longer file is not read whole to find that out
      const data = safetensorsDataBytes(read(Number(headerLength), 8), file);
      const end = 8 + Number(headerLength) + (data ?? 0);
      if (data !== undefined && end !== size) {
        throw new DataError(
          `${file}: corrupt safetensors file: its header describes ${end} bytes, the file has ${size}`,
        );
      }
    }
    return decodeSafetensors(read(size, 0), file);
  } finally {
    closeSync(fd);
  }
}
