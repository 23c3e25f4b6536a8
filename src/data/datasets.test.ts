// @backend-independent: image folder loading; no layer, model or kernel

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { DataError } from '../util/errors.js';
import { listImageFolder, loadImageFolder } from './datasets.js';

/** A `size × size` RGBA picture of one gray level. */
function flat(size: number, value: number): Uint8Array {
  const data = new Uint8Array(size * size * 4).fill(value);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return data;
}

function png(size: number, value: number): Buffer {
  const image = new pngjs.PNG({ width: size, height: size });
  image.data = Buffer.from(flat(size, value));
  return pngjs.PNG.sync.write(image);
}

/** Builds `root/<folder>/<file>` from a {folder: {file: bytes}} map. */
function makeTree(tree: Record<string, Record<string, Uint8Array>>): string {
  const root = mkdtempSync(join(tmpdir(), 'zerodl-folders-'));
  for (const [folder, files] of Object.entries(tree)) {
    mkdirSync(join(root, folder));
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(root, folder, name), bytes);
  }
  return root;
}

test('listImageFolder sorts classes and files and skips hidden and non-image files', () => {
  const root = makeTree({
    zebra: { 'b.png': png(4, 0), 'a.JPG': jpeg.encode({ width: 4, height: 4, data: flat(4, 0) }).data },
    apple: {
      '1.jpeg': jpeg.encode({ width: 4, height: 4, data: flat(4, 0) }).data,
      'notes.txt': new Uint8Array(),
    },
    '.cache': { 'x.png': png(4, 0) },
  });
  writeFileSync(join(root, 'README.md'), 'about the data');
  const { classNames, files } = listImageFolder(root);
  assert.deepEqual(classNames, ['apple', 'zebra']);
  assert.deepEqual(files, [
    { file: join(root, 'apple', '1.jpeg'), label: 0 },
    { file: join(root, 'zebra', 'a.JPG'), label: 1 },
    { file: join(root, 'zebra', 'b.png'), label: 1 },
  ]);
});

test('loadImageFolder returns [n, h·w] inputs in MNIST polarity with labels and files', () => {
  // Dark images stay as they are (auto polarity), light ones are inverted
  const root = makeTree({
    dark: { 'a.png': png(8, 51) },
    light: { 'a.png': png(8, 255), 'b.png': png(6, 204) },
  });
  const { x, labels, classNames, files } = loadImageFolder(root, { width: 4, height: 4 });
  assert.deepEqual(x.shape, [3, 16]);
  assert.deepEqual([...labels], [0, 1, 1]);
  assert.deepEqual(classNames, ['dark', 'light']);
  assert.equal(files[2], join(root, 'light', 'b.png'));
  for (const [row, value] of [0.2, 0, 0.2].entries()) {
    for (const v of x.data.subarray(16 * row, 16 * row + 16)) assert.ok(Math.abs(v - value) < 1e-6);
  }
});

test('given classNames, labels index them and classes may lack a folder', () => {
  const root = makeTree({ '7': { 'a.png': png(4, 0) } });
  const { labels, classNames } = loadImageFolder(root, { width: 2, height: 2, classNames: ['3', '7'] });
  assert.deepEqual([...labels], [1]);
  assert.deepEqual(classNames, ['3', '7']);
});

test('an unknown class folder is a DataError naming the folder and the known classes', () => {
  const root = makeTree({ '7': { 'a.png': png(4, 0) }, cat: { 'a.png': png(4, 0) } });
  assert.throws(
    () => listImageFolder(root, ['3', '7']),
    (error: Error) =>
      error instanceof DataError &&
      error.message.includes(join(root, 'cat')) &&
      error.message.includes("unknown class 'cat'; the classes are 3, 7"),
  );
});

test('an empty root, a root of loose images and a missing root are DataErrors', () => {
  const empty = mkdtempSync(join(tmpdir(), 'zerodl-folders-'));
  assert.throws(
    () => listImageFolder(empty),
    (error: Error) =>
      error instanceof DataError && error.message.startsWith(`${empty}: no class folders found;`),
  );
  writeFileSync(join(empty, 'digit.png'), png(4, 0));
  assert.throws(() => listImageFolder(empty), /the images lie directly in it/);
  assert.throws(
    () => listImageFolder(join(empty, 'nope')),
    /nope: cannot read data set folder: no such folder/,
  );
  assert.throws(
    () => listImageFolder(join(empty, 'digit.png')),
    /digit\.png: cannot read data set folder: not a folder/,
  );
});

test('a class folder without images is a DataError naming it', () => {
  const root = makeTree({ a: { 'x.png': png(4, 0) }, b: { 'readme.txt': new Uint8Array([1]) } });
  assert.throws(
    () => listImageFolder(root),
    (error: Error) =>
      error instanceof DataError && error.message.includes(`${join(root, 'b')}: class folder 'b' has no`),
  );
});

test('an undecodable image stops loading with a DataError naming the file', () => {
  const root = makeTree({
    a: { 'good.png': png(4, 0), 'bad.png': new TextEncoder().encode('not a picture') },
    b: { 'good.png': png(4, 0) },
  });
  assert.throws(
    () => loadImageFolder(root, { width: 4, height: 4 }),
    (error: Error) => error instanceof DataError && error.message.startsWith(join(root, 'a', 'bad.png')),
  );
});

test('a root with one class folder is a DataError naming it and the class: a classifier needs two', () => {
  const root = makeTree({ cat: { 'a.png': png(4, 0), 'b.png': png(4, 255) } });
  for (const load of [() => listImageFolder(root), () => loadImageFolder(root, { width: 2, height: 2 })]) {
    assert.throws(load, (error: Error) => {
      assert.ok(error instanceof DataError, `${error.name}: ${error.message}`);
      assert.equal(
        error.message,
        `${root}: one class folder found, 'cat', and a classifier needs two or more; put each class's images in its own folder, ${join(root, '<class name>', '*.png')}`,
      );
      return true;
    });
  }
  // Hidden folders do not count as a second class
  mkdirSync(join(root, '.thumbnails'));
  writeFileSync(join(root, '.thumbnails', 'a.png'), png(4, 0));
  assert.throws(() => listImageFolder(root), /one class folder found, 'cat'/);
  // A second class folder, or a trained model's classes, make it a classifier's data again
  mkdirSync(join(root, 'dog'));
  writeFileSync(join(root, 'dog', 'a.png'), png(4, 0));
  assert.deepEqual(listImageFolder(root).classNames, ['cat', 'dog']);
  const onlyCats = makeTree({ cat: { 'a.png': png(4, 0) } });
  assert.deepEqual(
    [...loadImageFolder(onlyCats, { width: 2, height: 2, classNames: ['cat', 'dog'] }).labels],
    [0],
  );
});
