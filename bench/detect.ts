// Node-only (bench).
// The detection benchmark `detect_infer_b1`: the whole pipeline of `zerodl detect predict` on one 96×96
// MNIST-scenes image at batch 1 (forward pass, decoding every predictor, per-class NMS), with the
// shipped detector (models/mnist_detector) or, before one is shipped, the yolov1-tiny preset.
// PyTorch times the same network's forward pass (bench/torch_detector.py), so its ratio leaves out
// decoding and NMS on its side.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { iterateScenes } from '../src/data/mnist_scenes.js';
import { loadMnistBytes } from '../src/data/mnist_scenes_file.js';
import { decodeDetections } from '../src/detection/decode.js';
import type { YoloHead } from '../src/detection/head.js';
import { type Architecture, buildModel, yoloV1Architecture } from '../src/model/architecture.js';
import { loadDetectorDir } from '../src/model/model_dir.js';
import type { Sequential } from '../src/model/sequential.js';
import { Tensor } from '../src/tensor/tensor.js';
import { measure } from './timing.js';
import { type BenchContext, type Result, record } from './workloads.js';

/** The shipped detector's folder, relative to the repository. */
export const SHIPPED_DETECTOR = 'models/mnist_detector';

/** The network the detection bench runs, and where it came from. */
export interface BenchDetector {
  model: Sequential;
  architecture: Architecture;
  source: string;
  /** The architecture as JSON for the PyTorch script. */
  file?: string;
}

/** The shipped detector when it is there, else the preset with initial weights. */
export function benchDetector(repository: string): BenchDetector {
  const dir = join(repository, SHIPPED_DETECTOR);
  if (existsSync(join(dir, 'model.json'))) {
    const { model, info } = loadDetectorDir(dir);
    return {
      model,
      architecture: info.architecture,
      source: SHIPPED_DETECTOR,
      file: join(dir, 'model.json'),
    };
  }
  const architecture = yoloV1Architecture({ imageSize: 96, channels: 1, grid: 6, boxes: 2, classes: 10 });
  return {
    model: buildModel(architecture, { init: 'he' }),
    architecture,
    source: 'yolov1-tiny preset (initial weights)',
  };
}

/** The first MNIST-scenes test image as a model input [1, 1, 96, 96]. */
export function benchScene(): Tensor {
  const [scene] = iterateScenes(loadMnistBytes(), 'test', { count: 1 });
  const x = new Tensor([1, 1, 96, 96]);
  scene?.pixels.forEach((v, i) => {
    x.data[i] = v / 255;
  });
  return x;
}

/**
 * Times predict + decode + NMS on one image: `zerodl detect predict`'s work per image, file I/O aside.
 * The detector and the image are made here, under the backend being measured, so that they live in the
 * memory its kernels read.
 */
export function benchDetectInfer(context: BenchContext, repository: string): Result {
  const detector = benchDetector(repository);
  const x = benchScene();
  const head = detector.architecture.head as YoloHead;
  let boxes = 0;
  const timing = measure(
    () => {
      const y = detector.model.predict(x);
      boxes = decodeDetections(y, head, 96, { conf: 0.25, iou: 0.5 })[0]?.length ?? 0;
    },
    { targetS: context.targetS },
  );
  return record(context, 'detect_infer_b1', timing, {
    batch: 1,
    images_per_s: Math.round(1000 / timing.medianMs),
    model: detector.source,
    boxes,
  });
}
