// The statistics behind `zerodl detect check`: what a detection data set holds and how much of it a
// YOLOv1 head can represent. Per split: images, objects per class, bad label lines, images without a
// label file, and grid-cell collisions. A YOLOv1 cell predicts one object (one class per cell), so of
// k objects whose centres fall in one cell of the S×S grid, k − 1 lose it, and
//
//   recall ceiling = (objects − objects that lose their cell) / objects
//
// is the most recall any YOLOv1 model of that grid can reach on the split. From boxes (no files): the
// data set reader (yolo_dataset.ts) and the MNIST-scenes generator both feed it.

import type { LabeledBox } from '../detection/boxes.js';
import { gridCell } from '../detection/encode.js';
import type { BadLabelLine } from './yolo_dataset.js';

/** An image as the check sees it: its objects in input pixels, and whether it had a label file. */
export interface CheckImage {
  boxes: readonly LabeledBox[];
  labeled: boolean;
}

/** The statistics of one split. */
export interface SplitCheck {
  split: string;
  images: number;
  objects: number;
  /** Objects of each class, indexed like `names`. */
  perClass: number[];
  /** Images with no label file (valid: images without objects). */
  unlabeledImages: number;
  /** Images with no objects (no label file, or an empty one). */
  emptyImages: number;
  /** Label lines skipped, and the first few of them. */
  badLines: number;
  firstBadLines: BadLabelLine[];
  /** Objects whose centre cell holds another object's centre too. */
  sharingCell: number;
  /** Objects a YOLOv1 head cannot represent: in each cell, all but one. */
  losingCell: number;
  /** (objects − losingCell) / objects; 1 for a split without objects. */
  recallCeiling: number;
}

/** The whole check: its settings and one entry per split. */
export interface DataCheck {
  data: string;
  imgsz: number;
  grid: number;
  names: string[];
  splits: SplitCheck[];
}

/** How many bad label lines a check lists (it counts all of them). */
const LISTED_BAD_LINES = 5;

/**
 * The statistics of one split's images (boxes in pixels of the imgsz × imgsz input) for an S×S grid.
 *
 * @example
 * const image = { labeled: true, boxes: [{ cls: 1, x0: 0, y0: 0, x1: 8, y1: 8 }, { cls: 2, x0: 4, y0: 4, x1: 12, y1: 12 }] };
 * splitCheck('val', [image], [], { imgsz: 96, grid: 6, names: ['a', 'b', 'c'] }).recallCeiling; // 0.5: both centres in cell (0, 0)
 */
export function splitCheck(
  split: string,
  images: readonly CheckImage[],
  badLines: readonly BadLabelLine[],
  options: { imgsz: number; grid: number; names: readonly string[] },
): SplitCheck {
  const { imgsz, grid, names } = options;
  const perClass = new Array<number>(names.length).fill(0);
  let objects = 0;
  let unlabeledImages = 0;
  let emptyImages = 0;
  let sharingCell = 0;
  let losingCell = 0;
  for (const image of images) {
    if (!image.labeled) unlabeledImages++;
    if (image.boxes.length === 0) emptyImages++;
    const perCell = new Map<number, number>();
    for (const box of image.boxes) {
      objects++;
      perClass[box.cls]++;
      // the cell encodeTargets gives the box, by the same function
      const [col, row] = gridCell(box, grid, imgsz);
      perCell.set(row * grid + col, (perCell.get(row * grid + col) ?? 0) + 1);
    }
    for (const count of perCell.values()) {
      if (count > 1) {
        sharingCell += count;
        losingCell += count - 1;
      }
    }
  }
  return {
    split,
    images: images.length,
    objects,
    perClass,
    unlabeledImages,
    emptyImages,
    badLines: badLines.length,
    firstBadLines: badLines.slice(0, LISTED_BAD_LINES),
    sharingCell,
    losingCell,
    recallCeiling: objects === 0 ? 1 : (objects - losingCell) / objects,
  };
}

/**
 * The check as a table for the terminal: one column per split, then the bad lines listed.
 *
 * @example
 * process.stderr.write(formatDataCheck(check));
 * // data.yaml at imgsz 96, grid 6×6
 * //                        train      val     test
 * // images                 10000     1000     2000 …
 */
export function formatDataCheck(check: DataCheck): string {
  const rows: [string, (s: SplitCheck) => string][] = [
    ['images', (s) => String(s.images)],
    ['objects', (s) => String(s.objects)],
    ...check.names.map((name, c): [string, (s: SplitCheck) => string] => [
      `  class ${name}`,
      (s) => String(s.perClass[c]),
    ]),
    ['without label file', (s) => String(s.unlabeledImages)],
    ['without objects', (s) => String(s.emptyImages)],
    ['bad label lines', (s) => String(s.badLines)],
    ['sharing a cell', (s) => String(s.sharingCell)],
    ['losing their cell', (s) => String(s.losingCell)],
    ['recall ceiling', (s) => s.recallCeiling.toFixed(4)],
  ];
  const labelWidth = Math.max(...rows.map(([label]) => label.length)) + 2;
  const width = Math.max(
    8,
    ...check.splits.map((s) => s.split.length + 1),
    ...check.splits.map((s) => String(s.images).length + 1),
  );
  const pad = (text: string) => text.padStart(width + 1);
  const lines = [
    `${check.data} at imgsz ${check.imgsz}, grid ${check.grid}×${check.grid}`,
    ''.padEnd(labelWidth) + check.splits.map((s) => pad(s.split)).join(''),
    ...rows.map(
      ([label, value]) => label.padEnd(labelWidth) + check.splits.map((s) => pad(value(s))).join(''),
    ),
  ];
  for (const s of check.splits) {
    if (s.badLines === 0) continue;
    const more =
      s.badLines > s.firstBadLines.length ? ` (the first ${s.firstBadLines.length} of ${s.badLines})` : '';
    lines.push(`${s.split}: bad label lines, skipped${more}:`);
    for (const bad of s.firstBadLines) lines.push(`  ${bad.file}:${bad.line}: ${bad.reason}: '${bad.text}'`);
  }
  return `${lines.join('\n')}\n`;
}
