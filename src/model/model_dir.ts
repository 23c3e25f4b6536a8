// Node-only: model directories on disk (node:fs), `model.json` (architecture, class names, input size,
// preprocessing) beside the weights in safetensors. A model directory is what `--model` takes; a
// training run folder is one. What model.json holds and how weights fill a model is model_info.ts (core).

import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic_file.js';
import { DataError } from '../util/errors.js';
import { readRegularFile } from '../util/regular_file.js';
import { architectureStateShapes, buildModel } from './architecture.js';
import {
  assignWeights,
  checkWeights,
  MODEL_FILE,
  MODEL_FORMAT_VERSION,
  type ModelInfo,
  modelState,
} from './model_info.js';
import { loadSafetensors } from './safetensors_file.js';
import type { Sequential } from './sequential.js';

/**
 * Writes `model.json` into `dir` atomically.
 *
 * @example
 * saveModelInfo('runs/train/exp', { format: 'zerodl-model', version: 1, architecture, classNames, preprocessing, weights: 'weights/best.safetensors' });
 */
export function saveModelInfo(dir: string, info: ModelInfo): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, MODEL_FILE), `${JSON.stringify(info, null, 2)}\n`);
}

/** Reads and checks `dir/model.json`; errors name the file and the field. */
export function loadModelInfo(dir: string): ModelInfo {
  const file = join(dir, MODEL_FILE);
  if (!existsSync(file))
    throw new DataError(`${file}: not found (a model directory holds model.json and its weights)`);
  let info: ModelInfo;
  try {
    info = JSON.parse(readRegularFile(file, 'utf8'));
  } catch (error) {
    throw new DataError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  if (info?.format !== 'zerodl-model') throw new DataError(`${file}: "format" must be "zerodl-model"`);
  if (info.version !== MODEL_FORMAT_VERSION) {
    const newer = typeof info.version === 'number' && info.version > MODEL_FORMAT_VERSION;
    throw new DataError(
      `${file}: "version" is ${JSON.stringify(info.version)}; this zerodl reads version ${MODEL_FORMAT_VERSION}${newer ? ' (the model was saved by a newer zerodl: upgrade zerodl)' : ''}`,
    );
  }
  if (!Array.isArray(info.classNames) || info.classNames.some((name) => typeof name !== 'string')) {
    throw new DataError(`${file}: "classNames" must be a list of strings`);
  }
  if (typeof info.weights !== 'string') throw new DataError(`${file}: "weights" must name the weights file`);
  if (!insideFolder(dir, info.weights)) {
    throw new DataError(
      `${file}: "weights" must name a file inside the model folder, got ${JSON.stringify(info.weights)}`,
    );
  }
  const p = info.preprocessing;
  if (!p || !Number.isInteger(p.width) || !Number.isInteger(p.height) || p.width < 1 || p.height < 1) {
    throw new DataError(`${file}: "preprocessing" must give the input width and height`);
  }
  return info;
}

/**
 * Loads a model directory: reads model.json and the weights file (its header checked against the
 * file's size before any data is read), then builds the architecture without drawing initial weights
 * and fills it, checking that every tensor is there with the right shape and that the class count
 * matches. A model.json with a huge layer is refused by the weights' shapes, not after minutes of
 * initialising it.
 *
 * @example
 * const { model, info } = loadModelDir('runs/train/exp');
 * info.classNames; // ['0', '1', '2']
 */
export function loadModelDir(dir: string): { model: Sequential; info: ModelInfo } {
  const info = loadModelInfo(dir);
  const jsonFile = join(dir, MODEL_FILE);
  const weightsFile = join(dir, info.weights);
  // a symlink may not lead out of the folder either
  if (!insideFolder(realpathOrSelf(dir), realpathOrSelf(weightsFile))) {
    throw new DataError(`${weightsFile}: the weights file leads outside the model folder ${dir}`);
  }
  const { tensors } = loadSafetensors(weightsFile);
  let model: Sequential;
  try {
    // The shapes the architecture needs, found without building it: an architecture the weights do
    // not match (say a layer of a billion weights) costs neither time nor memory
    checkWeights(architectureStateShapes(info.architecture), tensors, weightsFile);
    model = buildModel(info.architecture, { init: 'zeros' }); // nothing drawn: the weights come next
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`${jsonFile}: ${(error as Error).message}`);
  }
  // a detector's classes are its head's (checked against its output when the architecture was)
  const head = info.architecture.head;
  const outputs = head ? head.classes : model.outputShape([1, ...info.architecture.inputShape])[1];
  if (outputs !== info.classNames.length) {
    throw new DataError(
      `${jsonFile}: the network has ${outputs} ${head ? 'classes in its head' : 'outputs'} but classNames lists ${info.classNames.length} classes`,
    );
  }
  assignWeights(modelState(model), tensors, weightsFile);
  return { model, info };
}

/**
 * Loads a detector's folder (loadModelDir) and checks that it is one: its loss is `yolov1` with a head.
 *
 * @example
 * const { model, info } = loadDetectorDir('models/mnist_detector');
 * info.architecture.head; // { grid: 6, boxes: 2, classes: 10 }
 */
export function loadDetectorDir(dir: string): { model: Sequential; info: ModelInfo } {
  const loaded = loadModelDir(dir);
  const { architecture } = loaded.info;
  if (architecture.loss !== 'yolov1' || architecture.head === undefined)
    throw new DataError(
      `${join(dir, MODEL_FILE)}: not a detector but a classifier (use zerodl predict / eval)`,
    );
  return loaded;
}

/** Whether `path` (relative to `folder`, or absolute) names something inside `folder`. */
function insideFolder(folder: string, path: string): boolean {
  const within = relative(resolve(folder), resolve(folder, path));
  return within !== '' && !within.startsWith('..') && !isAbsolute(within);
}

/** The real path of `path` with symlinks resolved, or `path` itself when it does not exist (yet). */
function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
