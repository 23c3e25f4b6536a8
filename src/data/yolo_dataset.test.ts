// @backend-independent: YAML, label files and images decoded to bytes; no tensors.
// Tests of the ultralytics data set reader on tiny data sets written to a temporary folder: the YAML
// forms (path, names as list or map, lists of folders), ultralytics' label path rule, every kind of
// bad label line (skipped and counted, or thrown with strict), the letterbox and its inverse, and the
// DataErrors for a YAML that points nowhere.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodePng } from '../raster/canvas.js';
import { DataError } from '../util/errors.js';
import {
  checkDetectionData,
  fromLetterbox,
  labelFileFor,
  letterboxFor,
  loadDetectionImage,
  loadDetectionSplit,
  parseLabelText,
  readDataYaml,
  toLetterbox,
} from './yolo_dataset.js';

const temp = mkdtempSync(join(tmpdir(), 'zerodl-dataset-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** Writes `files` (path → text or bytes) under a new folder and returns it. */
function dataset(name: string, files: Record<string, string | Uint8Array>): string {
  const root = join(temp, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** A width × height PNG of one RGBA colour. */
function png(width: number, height: number, rgba = [255, 255, 255, 255]): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(rgba, 4 * i);
  return encodePng(width, height, data);
}

test('labelFileFor follows ultralytics: the last /images/ becomes /labels/, the extension .txt', () => {
  assert.equal(labelFileFor('/d/images/train/a.png'), '/d/labels/train/a.txt');
  assert.equal(labelFileFor('/images/x/images/val/b.v2.jpeg'), '/images/x/labels/val/b.v2.txt');
  assert.equal(labelFileFor('/d/pictures/c.jpg'), '/d/pictures/c.txt');
});

test('readDataYaml: path relative to the YAML, names as a list, splits searched recursively and sorted', () => {
  const root = dataset('list', {
    'cfg/data.yaml':
      'path: ../set\ntrain: images/train\nval: [images/val, images/extra]\nnames: [cat, dog]\n',
    'set/images/train/b.png': png(2, 2),
    'set/images/train/sub/a.PNG': png(2, 2),
    'set/images/train/notes.txt': 'not an image',
    'set/images/val/c.png': png(2, 2),
    'set/images/extra/d.jpg': png(2, 2), // the signature decides the format, not the name
  });
  const data = readDataYaml(join(root, 'cfg/data.yaml'));
  assert.equal(data.root, join(root, 'set'));
  assert.deepEqual(data.names, ['cat', 'dog']);
  assert.deepEqual(data.splits.train, [
    join(root, 'set/images/train/b.png'),
    join(root, 'set/images/train/sub/a.PNG'),
  ]);
  assert.deepEqual(data.splits.val, [
    join(root, 'set/images/extra/d.jpg'),
    join(root, 'set/images/val/c.png'),
  ]);
  assert.equal(data.splits.test, undefined);
});

test('readDataYaml: names as a map, no path means the YAML folder', () => {
  const root = dataset('map', {
    'data.yaml': "val: images/val\nnames:\n  1: dog\n  0: cat\n  2: '7'\n",
    'images/val/a.png': png(2, 2),
  });
  const data = readDataYaml(join(root, 'data.yaml'));
  assert.equal(data.root, root);
  assert.deepEqual(data.names, ['cat', 'dog', '7']);
});

test('a YAML with missing folders, no names, an empty split or no split is a DataError naming the key', () => {
  const root = dataset('broken', {
    'images/empty/readme.md': '# nothing here',
    'images/val/a.png': png(2, 2),
  });
  const check = (name: string, yaml: string, message: RegExp) => {
    writeFileSync(join(root, name), yaml);
    assert.throws(
      () => readDataYaml(join(root, name)),
      (error: Error) => {
        assert.ok(error instanceof DataError);
        assert.match(
          error.message,
          new RegExp(`^${join(root, name).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `),
        );
        assert.match(error.message, message);
        return true;
      },
    );
  };
  check(
    'missing.yaml',
    'val: images/nowhere\nnames: [a]\n',
    /'val' points to .*images\/nowhere, which does not exist/,
  );
  check('nonames.yaml', 'val: images/val\n', /'names' is missing; list the class names/);
  check(
    'empty.yaml',
    'train: images/empty\nval: images/val\nnames: [a]\n',
    /'train' points to .*images\/empty, which holds no \.png, \.jpg or \.jpeg images/,
  );
  check('nosplit.yaml', 'names: [a]\n', /names none of train, val, test/);
  check(
    'gaps.yaml',
    'val: images/val\nnames: {0: a, 2: b}\n',
    /'names' must map 0\.\.1 to names, found keys 0, 2/,
  );
  check('nc.yaml', 'val: images/val\nnc: 3\nnames: [a, b]\n', /'nc' is 3 but 'names' lists 2 classes/);
  check(
    'file.yaml',
    'val: images/val/a.png\nnames: [a]\n',
    /'val' points to the file .*a\.png; give a folder of images/,
  );
  check('bad.yaml', 'val: [images/val\nnames: [a]\n', /not valid YAML/);
  assert.throws(() => readDataYaml(join(root, 'absent.yaml')), /absent\.yaml: cannot read the data YAML/);
});

test('bad label lines are skipped and reported with file, line and reason', () => {
  const text = [
    '0 0.5 0.5 0.2 0.4', // fine
    '3 0.5 0.5 0.2 0.4', // class outside names (3 classes: 0..2)
    '1 1.2 0.5 0.2 0.4', // coordinate outside [0, 1]
    '1 0.5 0.5 0 0.4', // zero area
    '1 0.5 abc 0.2 0.4', // not a number
    '1 0.5 0.5 0.2', // 4 fields
    '',
    '2 1.0000004 0 1 1', // within the tolerance of 1e-6
    '1.5 0.5 0.5 0.2 0.4', // a class must be a whole number
  ].join('\n');
  const { labels, bad } = parseLabelText(text, 'l.txt', 3);
  assert.deepEqual(labels, [
    { cls: 0, cx: 0.5, cy: 0.5, w: 0.2, h: 0.4 },
    { cls: 2, cx: 1.0000004, cy: 0, w: 1, h: 1 },
  ]);
  assert.deepEqual(
    bad.map((b) => [b.file, b.line, b.reason]),
    [
      ['l.txt', 2, 'class 3 is not one of the 3 classes in names (0..2)'],
      ['l.txt', 3, 'cx = 1.2 is outside [0, 1] (coordinates are normalised by the image size)'],
      ['l.txt', 4, 'the box has zero area (w = 0, h = 0.4)'],
      ['l.txt', 5, "cy 'abc' is not a number"],
      ['l.txt', 6, 'expected 5 fields (class cx cy w h), found 4'],
      ['l.txt', 9, 'class 1.5 is not one of the 3 classes in names (0..2)'],
    ],
  );
  assert.equal(bad[0].text, '3 0.5 0.5 0.2 0.4');
  assert.throws(
    () => parseLabelText(text, 'l.txt', 3, true),
    (error: Error) => {
      assert.ok(error instanceof DataError);
      assert.equal(
        error.message,
        "l.txt:2: class 3 is not one of the 3 classes in names (0..2): '3 0.5 0.5 0.2 0.4'",
      );
      return true;
    },
  );
});

test('a letterbox scales by imgsz / max(w, h), centres, and maps boxes both ways', () => {
  const box = letterboxFor(200, 100, 96);
  assert.deepEqual(box, { width: 200, height: 100, size: 96, scaleX: 0.48, scaleY: 0.48, padX: 0, padY: 24 });
  const inInput = toLetterbox({ cls: 1, x0: 50, y0: 0, x1: 200, y1: 100 }, box);
  assert.deepEqual(inInput, { cls: 1, x0: 24, y0: 24, x1: 96, y1: 72 });
  assert.deepEqual(fromLetterbox(inInput, box), { cls: 1, x0: 50, y0: 0, x1: 200, y1: 100 });
  // 3×5 into 8: scale 8/5, 4.8 → 5 px wide (the x scale is then 5/3), padding 1 left, 2 right
  assert.deepEqual(letterboxFor(3, 5, 8), {
    width: 3,
    height: 5,
    size: 8,
    scaleX: 5 / 3,
    scaleY: 1.6,
    padX: 1,
    padY: 0,
  });
});

test('loadDetectionImage letterboxes the pixels with grey 114 and puts the boxes in input pixels', () => {
  // a 4×2 white image into 8×8: scaled ×2 to 8×4, 2 rows of padding above and below
  const root = dataset('letterbox', {
    'images/a.png': png(4, 2),
    'labels/a.txt': '0 0.5 0.5 0.5 1\n',
  });
  const { image, bad } = loadDetectionImage(join(root, 'images/a.png'), 1, { imgsz: 8 });
  assert.deepEqual(bad, []);
  assert.equal(image.width, 4);
  assert.equal(image.height, 2);
  assert.equal(image.channels, 1);
  assert.equal(image.labelFile, join(root, 'labels/a.txt'));
  const expected = new Uint8Array(64).fill(114);
  expected.fill(255, 16, 48); // rows 2..5
  assert.deepEqual(image.input, expected);
  // the box [1, 3) × [0, 2) of the original is [2, 6) × [2, 6) in the input
  assert.deepEqual(image.boxes, [{ cls: 0, x0: 2, y0: 2, x1: 6, y1: 6 }]);
  assert.deepEqual(fromLetterbox(image.boxes[0], image.letterbox), { cls: 0, x0: 1, y0: 0, x1: 3, y1: 2 });
});

test('channels: 1 is BT.601 luma, 3 is RGB planes; transparency is composited over white', () => {
  const pixels = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 0, 0, 0, 0]);
  const root = dataset('colour', { 'images/c.png': encodePng(2, 2, pixels) });
  const file = join(root, 'images/c.png');
  const gray = loadDetectionImage(file, 1, { imgsz: 2 }).image;
  // 0.299·255 = 76.2, 0.587·255 = 149.7, 0.114·255 = 29.1, white
  assert.deepEqual(gray.input, new Uint8Array([76, 150, 29, 255]));
  assert.equal(gray.labelFile, undefined); // no label file: an image without objects
  assert.deepEqual(gray.boxes, []);
  const rgb = loadDetectionImage(file, 1, { imgsz: 2, channels: 3 }).image;
  assert.deepEqual(rgb.input, new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]));
  assert.throws(
    () => loadDetectionImage(file, 1, { imgsz: 2, channels: 2 as 3 }),
    /channels must be 1 \(grayscale\) or 3 \(RGB\), received 2/,
  );
});

test('loadDetectionSplit returns every image and the skipped lines; strict stops at the first', () => {
  const root = dataset('split', {
    'data.yaml': 'train: images/train\nnames: [a, b]\n',
    'images/train/1.png': png(10, 10),
    'labels/train/1.txt': '1 0.5 0.5 0.2 0.4\n0 0.5 0.5 0.2\n',
    'images/train/2.png': png(10, 10),
    'labels/train/2.txt': '',
    'images/train/3.png': png(10, 10),
  });
  const data = readDataYaml(join(root, 'data.yaml'));
  const { images, bad } = loadDetectionSplit(data, 'train', { imgsz: 20 });
  assert.equal(images.length, 3);
  assert.deepEqual(images[0].boxes, [{ cls: 1, x0: 8, y0: 6, x1: 12, y1: 14 }]);
  assert.deepEqual(images[1].boxes, []);
  assert.equal(images[2].labelFile, undefined);
  assert.deepEqual(bad, [
    {
      file: join(root, 'labels/train/1.txt'),
      line: 2,
      text: '0 0.5 0.5 0.2',
      reason: 'expected 5 fields (class cx cy w h), found 4',
    },
  ]);
  assert.throws(
    () => loadDetectionSplit(data, 'train', { imgsz: 20, strict: true }),
    /labels\/train\/1\.txt:2: expected 5 fields/,
  );
  assert.throws(
    () => loadDetectionSplit(data, 'val', { imgsz: 20 }),
    /data\.yaml: has no 'val' split; add e\.g\. val: images\/val/,
  );
  const check = checkDetectionData(join(root, 'data.yaml'), { imgsz: 20, grid: 2 });
  assert.equal(check.splits.length, 1);
  assert.deepEqual(
    [
      check.splits[0].objects,
      check.splits[0].badLines,
      check.splits[0].unlabeledImages,
      check.splits[0].emptyImages,
    ],
    [1, 1, 1, 2],
  );
  assert.deepEqual(check.splits[0].perClass, [0, 1]);
});
