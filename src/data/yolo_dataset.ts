// Node-only (node:fs, images decoded with pngjs / jpeg-js).
// Detection data sets in the ultralytics (YOLO) format: a YAML naming the image folders of each split
// and the class names, and one label file per image with a line `class cx cy w h` per object,
// normalised by the image's width and height:
//
//   path: ../datasets/digits      # the root: absolute, or relative to the YAML's folder (default: it)
//   train: images/train           # a folder of images under the root, or a list of them
//   val: images/val
//   test: images/test             # optional
//   names: [zero, one, two]       # or a map {0: zero, 1: one, 2: two}
//
// An image's labels are found by ultralytics' rule: the last `/images/` of its path becomes
// `/labels/` and its extension `.txt` (images/val/a.png → labels/val/a.txt). A missing label file is
// an image without objects. Images are letterboxed to the model's square input as ultralytics does:
// scaled by imgsz / max(width, height), centred, the border filled with grey 114.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import type { Box, LabeledBox } from '../detection/boxes.js';
import { DataError, ValueError } from '../util/errors.js';
import { readRegularFile } from '../util/regular_file.js';
import { decodeImage, type GrayImage, type RgbaImage, resizeGray, toGrayscale } from './images.js';
import { type DataCheck, type SplitCheck, splitCheck } from './yolo_check.js';

/** The splits a data YAML may name. */
export type DetectionSplit = 'train' | 'val' | 'test';
const SPLIT_KEYS: readonly DetectionSplit[] = ['train', 'val', 'test'];

/** A data YAML read and checked: its root, the image files of each split given, the class names. */
export interface DetectionData {
  /** The YAML file, as given. */
  yaml: string;
  /** The data set's root folder (`path`), absolute. */
  root: string;
  /** The image files of each split the YAML names, sorted; none is empty. */
  splits: Partial<Record<DetectionSplit, string[]>>;
  names: string[];
}

/** A label line that was not used: where it is, what it says, and why. */
export interface BadLabelLine {
  file: string;
  /** 1-based. */
  line: number;
  text: string;
  reason: string;
}

/**
 * How an image sits in the model's square input: scaled by `scaleX`, `scaleY` (both imgsz / max(w, h)
 * up to the rounding of the scaled size to whole pixels) and shifted by the padding.
 */
export interface Letterbox {
  /** The original image's size. */
  width: number;
  height: number;
  /** The input's side, imgsz. */
  size: number;
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

/** One image prepared for a detection model. */
export interface DetectionImage {
  file: string;
  /** The image's size (upright, after a JPEG's EXIF orientation). */
  width: number;
  height: number;
  /** The letterboxed input, channels × imgsz × imgsz (planar, row-major), 0–255: the model reads value/255. */
  input: Uint8Array;
  channels: 1 | 3;
  /** The objects, in input pixels (half-open edges). */
  boxes: LabeledBox[];
  letterbox: Letterbox;
  /** The label file, or undefined when there is none (an image without objects). */
  labelFile: string | undefined;
}

/** How `loadDetectionSplit` prepares images. */
export interface DetectionLoadOptions {
  /** The side of the square model input. */
  imgsz: number;
  /** 1 = grayscale (BT.601 luma, as toGrayscale), 3 = RGB; default 1. */
  channels?: 1 | 3;
  /** Throw a DataError at the first bad label line instead of skipping it; default false. */
  strict?: boolean;
  /** The most pixels an image may have (see DEFAULT_MAX_PIXELS in data/images.ts). */
  maxPixels?: number;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
/** The grey of the letterbox border, as ultralytics pads (114, 114, 114). */
const PAD_VALUE = 114;
/** How far a normalised coordinate may stray outside [0, 1] (rounding in the file) and still be read. */
const COORDINATE_TOLERANCE = 1e-6;

/**
 * Reads an ultralytics data YAML: the root (`path`), each split's images (a folder, searched
 * recursively for .png/.jpg/.jpeg, or a list of folders) and `names` (a list or a map 0..n−1). A
 * missing or empty folder, a missing `names` or a YAML naming no split is a DataError naming the key.
 *
 * @example
 * const data = readDataYaml('datasets/mnist-scenes/data.yaml');
 * data.names;                // ['0', '1', …, '9']
 * data.splits.val?.length;   // 1000
 */
export function readDataYaml(file: string): DetectionData {
  let text: string;
  try {
    text = readRegularFile(file, 'utf8');
  } catch (error) {
    throw new DataError(`${file}: cannot read the data YAML: ${(error as Error).message}`);
  }
  let content: unknown;
  try {
    content = parse(text);
  } catch (error) {
    throw new DataError(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  if (content === null || typeof content !== 'object' || Array.isArray(content)) {
    throw new DataError(`${file}: expected a mapping with path, train, val, test and names`);
  }
  const yaml = content as Record<string, unknown>;
  const yamlDir = dirname(resolve(file));
  if (yaml.path !== undefined && yaml.path !== null && typeof yaml.path !== 'string') {
    throw new DataError(`${file}: 'path' must be a folder name, received ${JSON.stringify(yaml.path)}`);
  }
  const root = typeof yaml.path === 'string' ? resolve(yamlDir, yaml.path) : yamlDir;
  const names = readNames(file, yaml.names, yaml.nc);
  const splits: Partial<Record<DetectionSplit, string[]>> = {};
  for (const key of SPLIT_KEYS) {
    if (yaml[key] === undefined || yaml[key] === null) continue;
    splits[key] = splitImages(file, key, yaml[key], root);
  }
  if (Object.keys(splits).length === 0) {
    throw new DataError(
      `${file}: names none of train, val, test; give each a folder of images, e.g. val: images/val`,
    );
  }
  return { yaml: file, root, splits, names };
}

function readNames(file: string, names: unknown, nc: unknown): string[] {
  const example = 'e.g. names: [cat, dog] or names: {0: cat, 1: dog}';
  let list: string[];
  if (names === undefined || names === null) {
    throw new DataError(`${file}: 'names' is missing; list the class names, ${example}`);
  } else if (Array.isArray(names)) {
    list = names.map(String);
  } else if (typeof names === 'object') {
    const entries = Object.entries(names as Record<string, unknown>);
    list = entries.map((_, i) => {
      const entry = entries.find(([key]) => key === String(i));
      if (entry === undefined) {
        const keys = entries.map(([key]) => key).join(', ');
        throw new DataError(
          `${file}: 'names' must map 0..${entries.length - 1} to names, found keys ${keys}; ${example}`,
        );
      }
      return String(entry[1]);
    });
  } else {
    throw new DataError(
      `${file}: 'names' must be a list or a map, received ${JSON.stringify(names)}; ${example}`,
    );
  }
  if (list.length === 0) throw new DataError(`${file}: 'names' is empty; ${example}`);
  if (nc !== undefined && nc !== list.length) {
    throw new DataError(`${file}: 'nc' is ${JSON.stringify(nc)} but 'names' lists ${list.length} classes`);
  }
  return list;
}

/** The images of one split's folder (or list of folders), sorted, each folder checked. */
function splitImages(file: string, key: DetectionSplit, value: unknown, root: string): string[] {
  const folders = Array.isArray(value) ? value : [value];
  const images: string[] = [];
  for (const folder of folders) {
    if (typeof folder !== 'string') {
      throw new DataError(
        `${file}: '${key}' must be a folder or a list of folders, received ${JSON.stringify(value)}`,
      );
    }
    const path = isAbsolute(folder) ? folder : join(root, folder);
    let isFolder: boolean;
    try {
      isFolder = statSync(path).isDirectory();
    } catch {
      throw new DataError(`${file}: '${key}' points to ${path}, which does not exist`);
    }
    if (!isFolder) {
      throw new DataError(
        `${file}: '${key}' points to the file ${path}; give a folder of images (lists of image files are not supported)`,
      );
    }
    const found = listImages(path);
    if (found.length === 0) {
      throw new DataError(`${file}: '${key}' points to ${path}, which holds no .png, .jpg or .jpeg images`);
    }
    images.push(...found);
  }
  return images.sort();
}

function listImages(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...listImages(path));
    else if (IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) found.push(path);
  }
  return found;
}

/**
 * The label file of an image by ultralytics' rule: the last `/images/` becomes `/labels/`, the
 * extension `.txt`.
 *
 * @example
 * labelFileFor('data/images/val/a.png'); // 'data/labels/val/a.txt'
 */
export function labelFileFor(imageFile: string): string {
  const marker = `${sep}images${sep}`;
  const at = imageFile.lastIndexOf(marker);
  const moved =
    at < 0 ? imageFile : `${imageFile.slice(0, at)}${sep}labels${sep}${imageFile.slice(at + marker.length)}`;
  const extension = extname(moved);
  return extension === '' ? `${moved}.txt` : `${moved.slice(0, -extension.length)}.txt`;
}

/** An object as a label line gives it: its class and its box normalised by the image size. */
export interface YoloLabel {
  cls: number;
  cx: number;
  cy: number;
  w: number;
  h: number;
}

/**
 * Parses a label file's text: one `class cx cy w h` line per object (blank lines are ignored). A line
 * with the wrong number of fields, a field that is not a number, a class outside 0..classes−1, a
 * coordinate outside [0, 1] or a box of zero width or height is bad: skipped and returned in `bad`,
 * or, with `strict`, a DataError naming the file and line.
 *
 * @example
 * parseLabelText('0 0.5 0.5 0.2 0.4\n', 'a.txt', 10).labels; // [{ cls: 0, cx: 0.5, cy: 0.5, w: 0.2, h: 0.4 }]
 */
export function parseLabelText(
  text: string,
  file: string,
  classes: number,
  strict = false,
): { labels: YoloLabel[]; bad: BadLabelLine[] } {
  const labels: YoloLabel[] = [];
  const bad: BadLabelLine[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const reason = labelLineProblem(line, classes);
    if (reason === undefined) {
      const [cls, cx, cy, w, h] = line.split(/\s+/).map(Number);
      labels.push({ cls, cx, cy, w, h });
      return;
    }
    if (strict) throw new DataError(`${file}:${i + 1}: ${reason}: '${line}'`);
    bad.push({ file, line: i + 1, text: line, reason });
  });
  return { labels, bad };
}

/** Why a label line cannot be used, or undefined if it can. */
function labelLineProblem(line: string, classes: number): string | undefined {
  const fields = line.split(/\s+/);
  if (fields.length !== 5) return `expected 5 fields (class cx cy w h), found ${fields.length}`;
  const names = ['class', 'cx', 'cy', 'w', 'h'];
  const values = fields.map(Number);
  for (let k = 0; k < 5; k++) {
    if (!Number.isFinite(values[k])) return `${names[k]} '${fields[k]}' is not a number`;
  }
  const cls = values[0];
  if (!Number.isInteger(cls) || cls < 0 || cls >= classes) {
    return `class ${fields[0]} is not one of the ${classes} classes in names (0..${classes - 1})`;
  }
  for (let k = 1; k < 5; k++) {
    if (values[k] < -COORDINATE_TOLERANCE || values[k] > 1 + COORDINATE_TOLERANCE) {
      return `${names[k]} = ${fields[k]} is outside [0, 1] (coordinates are normalised by the image size)`;
    }
  }
  if (values[3] <= 0 || values[4] <= 0) return `the box has zero area (w = ${fields[3]}, h = ${fields[4]})`;
  return undefined;
}

/**
 * The letterbox of a width × height image in a size × size input: scaled by size / max(width,
 * height) to whole pixels, centred (the odd pixel of padding goes right and bottom).
 *
 * @example
 * letterboxFor(200, 100, 96); // { scaleX: 0.48, scaleY: 0.48, padX: 0, padY: 24, … }
 */
export function letterboxFor(width: number, height: number, size: number): Letterbox {
  if (!Number.isInteger(size) || size < 1)
    throw new ValueError(`letterbox: imgsz must be a whole number >= 1, received ${size}`);
  const scale = size / Math.max(width, height);
  const scaledWidth = Math.max(1, Math.round(width * scale));
  const scaledHeight = Math.max(1, Math.round(height * scale));
  return {
    width,
    height,
    size,
    scaleX: scaledWidth / width,
    scaleY: scaledHeight / height,
    padX: Math.floor((size - scaledWidth) / 2),
    padY: Math.floor((size - scaledHeight) / 2),
  };
}

/**
 * A box in original image pixels mapped into the letterboxed input.
 *
 * @example
 * toLetterbox({ x0: 0, y0: 0, x1: 200, y1: 100 }, letterboxFor(200, 100, 96)); // { x0: 0, y0: 24, x1: 96, y1: 72 }
 */
export function toLetterbox<T extends Box>(box: T, letterbox: Letterbox): T {
  const { scaleX, scaleY, padX, padY } = letterbox;
  return {
    ...box,
    x0: box.x0 * scaleX + padX,
    y0: box.y0 * scaleY + padY,
    x1: box.x1 * scaleX + padX,
    y1: box.y1 * scaleY + padY,
  };
}

/**
 * A box in input pixels (a detection) mapped back to the original image's pixels.
 *
 * @example
 * fromLetterbox({ x0: 0, y0: 24, x1: 96, y1: 72 }, letterboxFor(200, 100, 96)); // { x0: 0, y0: 0, x1: 200, y1: 100 }
 */
export function fromLetterbox<T extends Box>(box: T, letterbox: Letterbox): T {
  const { scaleX, scaleY, padX, padY } = letterbox;
  return {
    ...box,
    x0: (box.x0 - padX) / scaleX,
    y0: (box.y0 - padY) / scaleY,
    x1: (box.x1 - padX) / scaleX,
    y1: (box.y1 - padY) / scaleY,
  };
}

/**
 * Normalised labels as boxes in a width × height image's pixels, each edge clipped to the image and
 * snapped to 1/256 px: labels carry 6 decimals, so an edge on a whole or half pixel comes back a few
 * 1e-5 px off (32 px in 96 is 0.333333 → 31.99997), which would move a centre on a cell border into
 * the cell before it. The snap restores it for images up to about 3,900 px wide and moves no edge by
 * more than 1/512 px.
 */
export function labelBoxes(labels: readonly YoloLabel[], width: number, height: number): LabeledBox[] {
  const clip = (v: number, limit: number) => Math.round(Math.min(limit, Math.max(0, v)) * 256) / 256;
  return labels.map(({ cls, cx, cy, w, h }) => ({
    cls,
    x0: clip((cx - w / 2) * width, width),
    y0: clip((cy - h / 2) * height, height),
    x1: clip((cx + w / 2) * width, width),
    y1: clip((cy + h / 2) * height, height),
  }));
}

/** An image's label file read and parsed; no file is no objects. */
function readLabels(
  imageFile: string,
  classes: number,
  strict: boolean,
): { labelFile: string | undefined; labels: YoloLabel[]; bad: BadLabelLine[] } {
  const labelFile = labelFileFor(imageFile);
  let text: string;
  try {
    text = readRegularFile(labelFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { labelFile: undefined, labels: [], bad: [] };
    throw new DataError(`${labelFile}: cannot read the label file: ${(error as Error).message}`);
  }
  return { labelFile, ...parseLabelText(text, labelFile, classes, strict) };
}

function decodeFile(file: string, maxPixels?: number): RgbaImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new DataError(`${file}: cannot read the image: ${(error as Error).message}`);
  }
  return decodeImage(bytes, file, maxPixels);
}

/**
 * One image and its labels, letterboxed for a model with an imgsz × imgsz input.
 *
 * @example
 * const { image, bad } = loadDetectionImage('data/images/val/a.png', 10, { imgsz: 96 });
 * image.boxes;  // [{ cls: 3, x0: 12, y0: 40, x1: 30, y1: 61 }, …] in input pixels
 */
export function loadDetectionImage(
  file: string,
  classes: number,
  options: DetectionLoadOptions,
): { image: DetectionImage; bad: BadLabelLine[] } {
  const channels = options.channels ?? 1;
  if (channels !== 1 && channels !== 3) {
    throw new ValueError(
      `loadDetectionImage: channels must be 1 (grayscale) or 3 (RGB), received ${channels}`,
    );
  }
  const { labelFile, labels, bad } = readLabels(file, classes, options.strict ?? false);
  const rgba = decodeFile(file, options.maxPixels);
  const { input, letterbox } = letterboxImage(rgba, options.imgsz, channels);
  const boxes = labelBoxes(labels, rgba.width, rgba.height).map((box) => toLetterbox(box, letterbox));
  return {
    image: { file, width: rgba.width, height: rgba.height, input, channels, boxes, letterbox, labelFile },
    bad,
  };
}

/** The red, green and blue planes in [0, 1], transparent pixels composited over white as toGrayscale does. */
function colorPlanes(image: RgbaImage): GrayImage[] {
  return [0, 1, 2].map((c) => {
    const data = new Float32Array(image.width * image.height);
    for (let i = 0; i < data.length; i++) {
      const alpha = image.data[4 * i + 3] / 255;
      data[i] = (alpha * image.data[4 * i + c]) / 255 + (1 - alpha);
    }
    return { width: image.width, height: image.height, data };
  });
}

/**
 * A decoded image as a model's square input: grey (1 channel, as toGrayscale) or RGB planes (3),
 * scaled to fit side × side with its aspect ratio kept (letterboxFor), centred, the rest padded with
 * 114 as ultralytics pads; values 0–255 (the model reads value/255).
 *
 * @example
 * const { input, letterbox } = letterboxImage(decodeImage(bytes, 'photo.jpg'), 96, 1);
 */
export function letterboxImage(
  rgba: RgbaImage,
  side: number,
  channels: 1 | 3,
): { input: Uint8Array; letterbox: Letterbox } {
  const letterbox = letterboxFor(rgba.width, rgba.height, side);
  const planes = channels === 1 ? [toGrayscale(rgba)] : colorPlanes(rgba);
  const input = new Uint8Array(channels * side * side).fill(PAD_VALUE);
  const scaledWidth = Math.round(rgba.width * letterbox.scaleX);
  const scaledHeight = Math.round(rgba.height * letterbox.scaleY);
  planes.forEach((plane, c) => {
    const scaled =
      scaledWidth === plane.width && scaledHeight === plane.height
        ? plane
        : resizeGray(plane, scaledWidth, scaledHeight);
    for (let y = 0; y < scaledHeight; y++) {
      const row = c * side * side + (y + letterbox.padY) * side + letterbox.padX;
      for (let x = 0; x < scaledWidth; x++)
        input[row + x] = Math.round(scaled.data[y * scaledWidth + x] * 255);
    }
  });
  return { input, letterbox };
}

/**
 * Every image of a split, letterboxed, with its boxes, and the label lines that were skipped.
 *
 * @example
 * const data = readDataYaml('data.yaml');
 * const { images, bad } = loadDetectionSplit(data, 'val', { imgsz: 96 });
 */
export function loadDetectionSplit(
  data: DetectionData,
  split: DetectionSplit,
  options: DetectionLoadOptions,
): { images: DetectionImage[]; bad: BadLabelLine[] } {
  const files = splitFiles(data, split);
  const images: DetectionImage[] = [];
  const bad: BadLabelLine[] = [];
  for (const file of files) {
    const loaded = loadDetectionImage(file, data.names.length, options);
    images.push(loaded.image);
    bad.push(...loaded.bad);
  }
  return { images, bad };
}

function splitFiles(data: DetectionData, split: DetectionSplit): string[] {
  const files = data.splits[split];
  if (files === undefined) {
    throw new DataError(`${data.yaml}: has no '${split}' split; add e.g. ${split}: images/${split}`);
  }
  return files;
}

/**
 * The statistics of `zerodl detect check` for every split of a data YAML (see yolo_check.ts): images,
 * objects per class, bad label lines, images without labels, and the objects whose centre cell of
 * the S×S grid (after letterboxing to imgsz) is taken by another object. Images are decoded for their
 * size only.
 *
 * @example
 * formatDataCheck(checkDetectionData('data.yaml', { imgsz: 96, grid: 6 }));
 */
export function checkDetectionData(
  yamlFile: string,
  options: { imgsz: number; grid: number; strict?: boolean; maxPixels?: number },
): DataCheck {
  const data = readDataYaml(yamlFile);
  const splits: SplitCheck[] = [];
  for (const split of SPLIT_KEYS) {
    if (data.splits[split] === undefined) continue;
    const images = [];
    const bad: BadLabelLine[] = [];
    for (const file of splitFiles(data, split)) {
      const labels = readLabels(file, data.names.length, options.strict ?? false);
      const { width, height } = decodeFile(file, options.maxPixels);
      const letterbox = letterboxFor(width, height, options.imgsz);
      const boxes = labelBoxes(labels.labels, width, height).map((box) => toLetterbox(box, letterbox));
      images.push({ boxes, labeled: labels.labelFile !== undefined });
      bad.push(...labels.bad);
    }
    splits.push(
      splitCheck(split, images, bad, { imgsz: options.imgsz, grid: options.grid, names: data.names }),
    );
  }
  return { data: yamlFile, imgsz: options.imgsz, grid: options.grid, names: data.names, splits };
}
