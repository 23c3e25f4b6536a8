// Node-only (node:fs).
// Folder-per-class image data sets (`root/<class name>/*.png|jpg|jpeg`), the layout Keras and
// ultralytics classification use, loaded as flat model inputs with labels.

import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { DataError } from '../util/errors.js';
import { loadImageAsInput, type Polarity } from './images.js';

/** Images with class labels: what every classification data source returns. */
export interface LabeledImages {
  /** Inputs [n, height·width] in [0, 1]. */
  x: Tensor;
  /** `labels[i]` indexes `classNames`. */
  labels: Int32Array;
  classNames: string[];
}

/** A labelled image file of a folder data set. */
export interface ImageFile {
  file: string;
  label: number;
}

/** How `loadImageFolder` prepares images: the model's input size, polarity and class list. */
export interface ImageFolderOptions {
  width: number;
  height: number;
  /** Default 'auto' (see `Polarity`). */
  polarity?: Polarity;
  /**
   * The classes labels refer to, e.g. a trained model's: every class folder must be one of them, and
   * classes may lack a folder. Default: the folder names, sorted.
   */
  classNames?: readonly string[];
  /** The most pixels an image may have (see DEFAULT_MAX_PIXELS in images.ts). */
  maxPixels?: number;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/**
 * Lists the images of a folder-per-class data set without decoding them. Class and file names are
 * sorted by code unit, so labels do not depend on the file system or the locale. Without `classNames`
 * the folders are the classes, and there must be two or more; with them (a trained model's), a folder
 * may hold one class of several, e.g. to score a model on it.
 *
 * @example
 * const { classNames, files } = listImageFolder('digits/');
 * classNames;  // ['cat', 'dog']
 * files[0];    // { file: 'digits/cat/001.png', label: 0 }
 */
export function listImageFolder(
  root: string,
  classNames?: readonly string[],
): { classNames: string[]; files: ImageFile[] } {
  const entries = readDirectory(root);
  const folders = entries.filter((name) => isDirectory(join(root, name)) && !name.startsWith('.')).sort();
  if (folders.length === 0) {
    const looseImages = entries.some((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase()));
    throw new DataError(
      `${root}: no class folders found${looseImages ? ' (the images lie directly in it)' : ''}; expected ${join(root, '<class name>', '*.png')}`,
    );
  }
  if (classNames === undefined && folders.length === 1) {
    throw new DataError(
      `${root}: one class folder found, '${folders[0]}', and a classifier needs two or more; put each class's images in its own folder, ${join(root, '<class name>', '*.png')}`,
    );
  }
  const names = classNames === undefined ? folders : [...classNames];
  const files: ImageFile[] = [];
  for (const folder of folders) {
    const label = names.indexOf(folder);
    if (label < 0) {
      throw new DataError(
        `${join(root, folder)}: unknown class '${folder}'; the classes are ${names.join(', ')}`,
      );
    }
    const dir = join(root, folder);
    const images = readDirectory(dir)
      .filter((name) => !name.startsWith('.') && IMAGE_EXTENSIONS.has(extname(name).toLowerCase()))
      .sort();
    if (images.length === 0) {
      throw new DataError(`${dir}: class folder '${folder}' has no .png, .jpg or .jpeg images`);
    }
    for (const name of images) files.push({ file: join(dir, name), label });
  }
  return { classNames: names, files };
}

/**
 * Loads a folder-per-class data set as model inputs [n, height·width] (grayscale, resized, MNIST
 * polarity). An image that cannot be decoded stops loading with an error naming the file.
 *
 * @example
 * const { x, labels, classNames } = loadImageFolder('my_digits/', { width: 28, height: 28 });
 */
export function loadImageFolder(
  root: string,
  options: ImageFolderOptions,
): LabeledImages & { files: string[] } {
  const { classNames, files } = listImageFolder(root, options.classNames);
  const pixels = options.width * options.height;
  const x = new Tensor([files.length, pixels]);
  files.forEach(({ file }, i) => {
    const input = loadImageAsInput(file, {
      width: options.width,
      height: options.height,
      polarity: options.polarity ?? 'auto',
      maxPixels: options.maxPixels,
    });
    x.data.set(input, i * pixels);
  });
  return {
    x,
    labels: Int32Array.from(files, ({ label }) => label),
    classNames,
    files: files.map(({ file }) => file),
  };
}

function readDirectory(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (error as Error).message;
    throw new DataError(`${dir}: cannot read data set folder: ${reason}`);
  }
}

function isDirectory(path: string): boolean {
  // A dangling symbolic link is not a class folder
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
