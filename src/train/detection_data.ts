// Node-only (reads data sets from disk).
// Where a detector's images come from, as the trainer and `zerodl detect val` read them: the built-in
// MNIST-scenes benchmark (new train scenes every epoch, fixed val and test scenes) or any ultralytics
// data YAML (images letterboxed to the model's input, labels checked line by line).

import { mnistScenes, SCENE_SIZE, type SceneSplit } from '../data/mnist_scenes.js';
import { loadMnistBytes } from '../data/mnist_scenes_file.js';
import {
  type BadLabelLine,
  type DetectionSplit,
  loadDetectionSplit,
  readDataYaml,
} from '../data/yolo_dataset.js';
import type { LabeledBox } from '../detection/boxes.js';
import { ValueError } from '../util/errors.js';
import type { DetectionSamples } from './detect_trainer.js';

/** The name `--data` takes for the built-in benchmark. */
export const MNIST_SCENES = 'mnist-scenes';

/** A detection data set opened for a model with a side × side input. */
export interface DetectionSource {
  names: string[];
  /** The model input's channels: 1 (grey) or 3 (RGB). */
  channels: 1 | 3;
  /** One line saying what it is, for the log. */
  description: string;
  /** Bad label lines skipped so far (0 with `strict`, which stops at the first instead). */
  readonly skipped: number;
  /** The first skipped lines, with file, line and reason. */
  readonly badLines: readonly BadLabelLine[];
  /** A split's samples; `train` with an epoch gives that epoch's (MNIST-scenes: new scenes each epoch). */
  split(name: DetectionSplit, epoch?: number): DetectionSamples;
}

export interface DetectionSourceOptions {
  /** The model input's side (imgsz). MNIST-scenes are 96 × 96. */
  imageSize: number;
  /** Input channels (default: 1 for MNIST-scenes, 3 for a YAML data set). */
  channels?: 1 | 3;
  /** Stop at the first bad label line (default: skip and count it). */
  strict?: boolean;
  /** MNIST-scenes: scenes per training epoch (default 10,000, the benchmark's). */
  trainCount?: number;
}

/**
 * Opens `--data`: `mnist-scenes` or the path of an ultralytics data YAML. Splits are read when first
 * asked for and kept (a YAML split's images are decoded once, stored as bytes).
 *
 * @example
 * const data = openDetectionData('mnist-scenes', { imageSize: 96 });
 * const val = data.split('val'); // 1,000 fixed scenes
 */
export function openDetectionData(spec: string, options: DetectionSourceOptions): DetectionSource {
  return spec === MNIST_SCENES ? openMnistScenes(options) : openYaml(spec, options);
}

/** Samples over images stored as bytes 0–255, each `size` values, read as value/255. */
function byteSamples(
  pixels: Uint8Array,
  size: number,
  boxes: readonly (readonly LabeledBox[])[],
): DetectionSamples {
  return {
    count: boxes.length,
    read(i, x, offset) {
      const start = i * size;
      for (let k = 0; k < size; k++) x[offset + k] = (pixels[start + k] as number) / 255;
      return boxes[i] as readonly LabeledBox[];
    },
  };
}

function openMnistScenes(options: DetectionSourceOptions): DetectionSource {
  if (options.imageSize !== SCENE_SIZE)
    throw new ValueError(`--imgsz: MNIST-scenes are ${SCENE_SIZE}×${SCENE_SIZE}, got ${options.imageSize}`);
  if (options.channels === 3) throw new ValueError('MNIST-scenes are grey: use a model with 1 input channel');
  const mnist = loadMnistBytes();
  const fixed = new Map<SceneSplit, DetectionSamples>();
  const trainCount = options.trainCount ?? 10_000;
  const make = (split: SceneSplit, epoch?: number) => {
    const { pixels, scenes } = mnistScenes(
      mnist,
      split,
      split === 'train' ? { epoch: epoch ?? 0, count: trainCount } : {},
    );
    return byteSamples(
      pixels,
      SCENE_SIZE * SCENE_SIZE,
      scenes.map((scene) => scene.objects.map((o) => o.box)),
    );
  };
  return {
    names: Array.from({ length: 10 }, (_, digit) => String(digit)),
    channels: 1,
    description: `MNIST-scenes clean-96: ${trainCount} new train scenes each epoch, 1000 val, 2000 test`,
    skipped: 0,
    badLines: [],
    split(name, epoch) {
      if (name === 'train') return make('train', epoch);
      let samples = fixed.get(name);
      if (samples === undefined) {
        samples = make(name);
        fixed.set(name, samples);
      }
      return samples;
    },
  };
}

function openYaml(file: string, options: DetectionSourceOptions): DetectionSource {
  const data = readDataYaml(file);
  const channels = options.channels ?? 3;
  const loaded = new Map<DetectionSplit, DetectionSamples>();
  const badLines: BadLabelLine[] = [];
  let skipped = 0;
  const size = channels * options.imageSize * options.imageSize;
  const splits = Object.entries(data.splits)
    .map(([name, files]) => `${name} ${files?.length ?? 0}`)
    .join(', ');
  return {
    names: data.names,
    channels,
    description: `${file}: ${data.names.length} classes; images: ${splits}`,
    get skipped() {
      return skipped;
    },
    badLines,
    split(name) {
      let samples = loaded.get(name);
      if (samples === undefined) {
        const { images, bad } = loadDetectionSplit(data, name, {
          imgsz: options.imageSize,
          channels,
          strict: options.strict ?? false,
        });
        skipped += bad.length;
        badLines.push(...bad.slice(0, Math.max(0, 20 - badLines.length)));
        const pixels = new Uint8Array(images.length * size);
        images.forEach((image, i) => {
          pixels.set(image.input, i * size);
        });
        samples = byteSamples(
          pixels,
          size,
          images.map((image) => image.boxes),
        );
        loaded.set(name, samples);
      }
      return samples;
    },
  };
}
