// Model directories: `model.json` (architecture, class names, input size, preprocessing) beside the
// weights in safetensors. A model directory is what `--model` takes; a training run folder is one.

import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Polarity } from '../data/images.js';
import type { Params } from '../optimizers/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from '../util/atomic_file.js';
import { DataError, formatShape } from '../util/errors.js';
import { type Architecture, architectureStateShapes, buildModel } from './architecture.js';
import type { Sequential } from './sequential.js';
import { loadSafetensors } from './serialize.js';

/**
 * How raw images become model input: grayscale, resized to width×height, scaled to [0, 1], and made
 * light-on-dark like MNIST (`polarity` 'auto' inverts images with a light border).
 */
export interface Preprocessing {
  width: number;
  height: number;
  channels: 1;
  polarity: Polarity;
}

/** The model.json format this zerodl writes and reads; a later format that it cannot read gets a clear error. */
export const MODEL_FORMAT_VERSION = 1;

/** The contents of model.json. */
export interface ModelInfo {
  format: 'zerodl-model';
  version: typeof MODEL_FORMAT_VERSION;
  architecture: Architecture;
  classNames: string[];
  preprocessing: Preprocessing;
  /** The weights file, relative to the model directory. */
  weights: string;
  /** Free-form facts about how the model was made (command, dataset, epochs, accuracy …). */
  training?: Record<string, unknown>;
}

export const MODEL_FILE = 'model.json';

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
    info = JSON.parse(readFileSync(file, 'utf8'));
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
  const outputs = model.outputShape([1, ...info.architecture.inputShape])[1];
  if (outputs !== info.classNames.length) {
    throw new DataError(
      `${jsonFile}: the network has ${outputs} outputs but classNames lists ${info.classNames.length} classes`,
    );
  }
  assignWeights(modelState(model), tensors, weightsFile);
  return { model, info };
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

/**
 * Views flat images [n, height·width] as the model's input [n, ...inputShape] (e.g. [n, 1, 28, 28] for
 * a CNN), without copying; a size that does not fit is a ShapeError naming both shapes.
 */
export function asModelInput(x: Tensor, architecture: Architecture): Tensor {
  return x.reshape([x.shape[0], ...architecture.inputShape]);
}

/**
 * Everything a weights file holds for a model: the trained parameters (`W1, b1 …`) and the buffers
 * that are not trained but belong to the model (batch norm's `runningMean2 …`), as live tensors.
 */
export function modelState(model: Sequential): Map<string, Tensor> {
  return new Map([...model.params(), ...model.buffers()]);
}

/**
 * Copies `tensors` into the live `params` after checking names, shapes and values (`checkWeights`).
 */
export function assignWeights(params: Params, tensors: Map<string, Tensor>, file: string): void {
  checkWeights(new Map([...params].map(([key, param]) => [key, param.shape])), tensors, file);
  for (const [key, param] of params) param.copyFrom(tensors.get(key) as Tensor);
}

/**
 * Checks `tensors` against the shapes of the parameters they are to fill: every parameter must be
 * present with its shape and hold only finite numbers (extra tensors, such as optimizer state in a
 * checkpoint, are allowed). NaN weights would otherwise load silently and predict `null` scores.
 */
function checkWeights(
  shapes: Map<string, readonly number[]>,
  tensors: Map<string, Tensor>,
  file: string,
): void {
  for (const [key, shape] of shapes) {
    const tensor = tensors.get(key);
    if (tensor === undefined) {
      throw new DataError(
        `${file}: weights do not match model.json: tensor '${key}' ${formatShape(shape)} is missing`,
      );
    }
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
      throw new DataError(
        `${file}: weights do not match model.json: '${key}' has shape ${formatShape(tensor.shape)}, the architecture needs ${formatShape(shape)}`,
      );
    }
  }
  for (const key of shapes.keys()) {
    const values = (tensors.get(key) as Tensor).data;
    const bad = values.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) {
      throw new DataError(
        `${file}: tensor '${key}' holds ${values[bad]} at element ${bad} of ${values.length}: the weights are broken (a diverged run?); use an earlier checkpoint or retrain`,
      );
    }
  }
}
