// What a model folder's `model.json` holds (architecture, class names, input size, preprocessing) and
// how a weights file's tensors fill a model: checked by name, shape and value. Files on disk are
// model_dir.ts (Node).

import type { Polarity } from '../data/images.js';
import type { Params } from '../optimizers/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';
import { DataError, formatShape } from '../util/errors.js';
import type { Architecture } from './architecture.js';
import type { Sequential } from './sequential.js';

/**
 * How raw images become model input. A classifier's: grayscale, resized to width×height, scaled to
 * [0, 1], and made light-on-dark like MNIST (`polarity` 'auto' inverts images with a light border). A
 * detector's (`letterbox`): grayscale or RGB by `channels`, scaled to fit width×height with its aspect
 * ratio kept and the rest padded (ultralytics' letterbox), so boxes map back to the original image.
 */
export interface Preprocessing {
  width: number;
  height: number;
  channels: 1 | 3;
  polarity: Polarity;
  letterbox?: boolean;
}

/** The model.json format this zerodl writes and reads; a later format that it cannot read gets a clear error. */
export const MODEL_FORMAT_VERSION = 1;

/** The contents of model.json. */
export interface ModelInfo {
  format: 'zerodl-model';
  version: typeof MODEL_FORMAT_VERSION;
  /** What the model does: 'classify' (the default when absent) or 'detect'. */
  task?: 'classify' | 'detect';
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
export function checkWeights(
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
