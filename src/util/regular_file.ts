// Node-only (node:fs).
// Reading a file the user named only when it is a regular file: a FIFO would make readFileSync wait
// forever for a writer, and a device such as /dev/zero would fill memory.

import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

/**
 * The bytes of `file` (or its text, with an encoding), refusing anything but a regular file (through
 * symlinks): the file is opened without blocking and checked before it is read. The error for a folder,
 * FIFO or device has code 'ENOTREGULAR' and the message "not a regular file (…)", for the caller to put
 * after the file's name as it does for a missing file.
 *
 * @example
 * const bytes = readRegularFile('scene.png');
 * const text = readRegularFile('data.yaml', 'utf8');
 */
export function readRegularFile(file: string): Buffer;
export function readRegularFile(file: string, encoding: 'utf8'): string;
export function readRegularFile(file: string, encoding?: 'utf8'): Buffer | string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      const kind = stats.isDirectory() ? 'a folder' : stats.isFIFO() ? 'a FIFO' : 'a device or socket';
      throw Object.assign(new Error(`not a regular file (${kind})`), { code: 'ENOTREGULAR' });
    }
    return encoding === undefined ? readFileSync(fd) : readFileSync(fd, encoding);
  } finally {
    closeSync(fd);
  }
}
