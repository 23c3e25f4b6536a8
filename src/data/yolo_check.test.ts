// @backend-independent: counts over plain box objects, no tensors.
// Tests of the data set statistics: objects per class, images without labels or objects, grid-cell
// collisions and the recall ceiling, on hand-made boxes; and the terminal table.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LabeledBox } from '../detection/boxes.js';
import { type CheckImage, formatDataCheck, splitCheck } from './yolo_check.js';
import type { BadLabelLine } from './yolo_dataset.js';

/** A 4×4 box of class `cls` centred at (cx, cy). */
const at = (cls: number, cx: number, cy: number): LabeledBox => ({
  cls,
  x0: cx - 2,
  y0: cy - 2,
  x1: cx + 2,
  y1: cy + 2,
});
const options = { imgsz: 96, grid: 6, names: ['a', 'b', 'c'] };

test('objects per class, images without a label file and without objects', () => {
  const images: CheckImage[] = [
    { labeled: true, boxes: [at(0, 8, 8), at(2, 40, 8), at(2, 8, 40)] },
    { labeled: true, boxes: [] }, // an empty label file
    { labeled: false, boxes: [] }, // no label file
  ];
  const check = splitCheck('val', images, [], options);
  assert.equal(check.images, 3);
  assert.equal(check.objects, 3);
  assert.deepEqual(check.perClass, [1, 0, 2]);
  assert.equal(check.unlabeledImages, 1);
  assert.equal(check.emptyImages, 2);
  assert.equal(check.sharingCell, 0);
  assert.equal(check.recallCeiling, 1);
});

test('objects whose centres share a 16-px cell: all share it, all but one lose it', () => {
  // cells of 96/6 = 16 px: centres (2, 2), (10, 12) and (15, 15) are all in cell (0, 0); (16, 15) is in
  // column 1, the border belonging to the cell on its right; (95, 95) and (94, 81) share cell (5, 5)
  const images: CheckImage[] = [
    { labeled: true, boxes: [at(0, 2, 2), at(1, 10, 12), at(1, 15, 15), at(2, 16, 15)] },
    { labeled: true, boxes: [at(0, 95, 95), at(0, 94, 81)] },
  ];
  const check = splitCheck('train', images, [], options);
  assert.equal(check.objects, 6);
  assert.equal(check.sharingCell, 5);
  assert.equal(check.losingCell, 3); // 2 in the first cell, 1 in the second
  assert.equal(check.recallCeiling, 3 / 6);
  // at S = 12 (8-px cells) only (10, 12) and (15, 15) still share cell (1, 1)
  const fine = splitCheck('train', images, [], { ...options, grid: 12 });
  assert.equal(fine.losingCell, 1);
  assert.equal(fine.recallCeiling, 5 / 6);
});

test('a split without objects has recall ceiling 1; bad lines are counted and the first 5 kept', () => {
  const bad: BadLabelLine[] = Array.from({ length: 7 }, (_, i) => ({
    file: 'a.txt',
    line: i + 1,
    text: 'x',
    reason: 'expected 5 fields (class cx cy w h), found 1',
  }));
  const check = splitCheck('test', [{ labeled: true, boxes: [] }], bad, options);
  assert.equal(check.recallCeiling, 1);
  assert.equal(check.badLines, 7);
  assert.deepEqual(
    check.firstBadLines.map((b) => b.line),
    [1, 2, 3, 4, 5],
  );
});

test('formatDataCheck prints one column per split and lists the bad lines', () => {
  const bad: BadLabelLine[] = [
    {
      file: 'labels/val/a.txt',
      line: 3,
      text: '12 0.5 0.5 0.1 0.1',
      reason: 'class 12 is not one of the 3 classes in names (0..2)',
    },
  ];
  const train = splitCheck('train', [{ labeled: true, boxes: [at(0, 2, 2), at(1, 10, 12)] }], [], options);
  const val = splitCheck('val', [{ labeled: false, boxes: [] }], bad, options);
  const text = formatDataCheck({
    data: 'data.yaml',
    imgsz: 96,
    grid: 6,
    names: options.names,
    splits: [train, val],
  });
  const lines = text.split('\n');
  assert.equal(lines[0], 'data.yaml at imgsz 96, grid 6×6');
  assert.match(lines[1], /^\s+train\s+val$/);
  assert.match(text, /\n {2}class b\s+1\s+0\n/);
  assert.match(text, /\nlosing their cell\s+1\s+0\n/);
  assert.match(text, /\nrecall ceiling\s+0\.5000\s+1\.0000\n/);
  assert.match(
    text,
    /\nval: bad label lines, skipped:\n {2}labels\/val\/a\.txt:3: class 12 is not one of the 3 classes in names \(0\.\.2\): '12 0\.5 0\.5 0\.1 0\.1'\n$/,
  );
});
