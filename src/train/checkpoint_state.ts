// Training checkpoints as safetensors contents, without files: the weights and buffers under their own
// keys, the optimizer's state under `optimizer.*`, the run state and PRNG states in the metadata.
// checkpoint.ts writes and reads them as files (Node); here they are built and restored (core).

import { assignWeights, modelState } from '../model/model_info.js';
import type { Sequential } from '../model/sequential.js';
import type { SafetensorsContents } from '../model/serialize.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { DataError } from '../util/errors.js';
import type { Random } from '../util/random.js';

/** One row of results.csv: the epoch and its numbers by key (`trainLoss`, `valAccuracy`, `lr`, `seconds` …). */
export interface ResultRow {
  epoch: number;
  [key: string]: number;
}

/** Where a run stands after an epoch. */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  rows: ResultRow[];
  /** The best epoch's fitness (classification: its validation accuracy); named for the first task. */
  bestAccuracy: number;
  /** The epoch of weights/best.safetensors (absent in checkpoints from before it was recorded). */
  bestEpoch?: number;
}

const OPTIMIZER_PREFIX = 'optimizer.';
const FORMAT = 'zerodl-checkpoint';

/**
 * What a checkpoint holds: weights and buffers (under their own keys, so the file also loads as plain
 * weights), optimizer state (`optimizer.velocity.W1` …), and the run state and PRNG states (shuffling,
 * dropout) as metadata. `encodeSafetensors(tensors, metadata)` turns it into bytes.
 *
 * @example
 * const { tensors, metadata } = checkpointContents(net, optimizer, rng, state);
 * const bytes = encodeSafetensors(tensors, metadata);
 */
export function checkpointContents(
  model: Sequential,
  optimizer: Optimizer,
  rng: Random,
  state: TrainingState,
): SafetensorsContents {
  const tensors = modelState(model);
  for (const [key, tensor] of optimizer.state) tensors.set(`${OPTIMIZER_PREFIX}${key}`, tensor);
  const metadata: Record<string, string> = {
    format: FORMAT,
    state: JSON.stringify(state),
    rng: JSON.stringify(rng.getState()),
  };
  if (model.random) metadata.dropoutRng = JSON.stringify(model.random.getState());
  return { tensors, metadata };
}

/**
 * Restores what `checkpointContents` made into the model, the optimizer state and the PRNG; returns the
 * run state. Everything is checked before anything changes; `source` (a file name) names it in errors.
 * Hyper-parameters (lr …) are not restored: they come from the run's settings, like the model.
 *
 * @example
 * const state = restoreCheckpoint(decodeSafetensors(bytes, 'last.safetensors'), net, optimizer, rng, 'last.safetensors');
 */
export function restoreCheckpoint(
  contents: SafetensorsContents,
  model: Sequential,
  optimizer: Optimizer,
  rng: Random,
  source: string,
): TrainingState {
  const { tensors, metadata } = contents;
  if (metadata.format !== FORMAT || metadata.state === undefined || metadata.rng === undefined) {
    throw new DataError(`${source}: not a zerodl training checkpoint (no run state in its metadata)`);
  }
  // everything is checked before anything is restored
  const state = parseState(metadata.state, source);
  const rngState = parseRandomState(metadata.rng, source, 'rng');
  const dropoutState =
    model.random && metadata.dropoutRng !== undefined
      ? parseRandomState(metadata.dropoutRng, source, 'dropoutRng')
      : undefined;
  assignWeights(modelState(model), tensors, source);
  optimizer.state.clear();
  for (const [key, tensor] of tensors) {
    if (key.startsWith(OPTIMIZER_PREFIX)) optimizer.state.set(key.slice(OPTIMIZER_PREFIX.length), tensor);
  }
  rng.setState(rngState);
  if (model.random && dropoutState) model.random.setState(dropoutState);
  return state;
}

/** The run state from the metadata, checked: a damaged checkpoint is a DataError naming the file. */
function parseState(text: string, file: string): TrainingState {
  const state = parseJson(text, file, 'state') as TrainingState;
  const good =
    typeof state === 'object' &&
    state !== null &&
    Number.isInteger(state.epoch) &&
    state.epoch >= 0 &&
    Array.isArray(state.rows) &&
    state.rows.length === state.epoch &&
    state.rows.every((row) => typeof row === 'object' && row !== null);
  if (!good) {
    throw new DataError(
      `${file}: corrupt checkpoint: metadata "state" must hold the epoch and one results row per epoch, got ${text.slice(0, 80)}`,
    );
  }
  // JSON writes -Infinity (no best epoch yet) as null
  state.bestAccuracy = typeof state.bestAccuracy === 'number' ? state.bestAccuracy : Number.NEGATIVE_INFINITY;
  return state;
}

// Four 32-bit words and the spare normal; JSON writes the generator's "no spare normal" NaN as null.
function parseRandomState(text: string, file: string, key: string): number[] {
  const state = parseJson(text, file, key);
  const good =
    Array.isArray(state) &&
    state.length === 5 &&
    state.slice(0, 4).every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32) &&
    (state[4] === null || typeof state[4] === 'number');
  if (!good) {
    throw new DataError(
      `${file}: corrupt checkpoint: metadata "${key}" must be a random generator state [4 words, spare], got ${text.slice(0, 80)}`,
    );
  }
  return state.map((v: number | null) => v ?? Number.NaN);
}

function parseJson(text: string, file: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DataError(
      `${file}: corrupt checkpoint: metadata "${key}" is not valid JSON: ${(error as Error).message}`,
    );
  }
}
