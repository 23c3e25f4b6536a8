// Training checkpoints: the weights, the optimizer's state, the PRNG state and the results so far, in
// one safetensors file written atomically, so a run can stop anywhere and resume exactly.

import { assignWeights, modelState } from '../model/model_dir.js';
import type { Sequential } from '../model/sequential.js';
import { loadSafetensors, saveSafetensors } from '../model/serialize.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { DataError } from '../util/errors.js';
import type { Random } from '../util/random.js';

/** One row of results.csv. */
export interface EpochRow {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  lr: number;
  seconds: number;
}

/** Where a run stands after an epoch. */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  rows: EpochRow[];
  bestAccuracy: number;
}

const OPTIMIZER_PREFIX = 'optimizer.';

/**
 * Writes weights and buffers (under their own keys, so the file also loads as plain weights), optimizer
 * state (`optimizer.velocity.W1` …), and the run state and PRNG states (shuffling, dropout) as metadata.
 */
export function saveCheckpoint(
  file: string,
  model: Sequential,
  optimizer: Optimizer,
  rng: Random,
  state: TrainingState,
): void {
  const tensors = modelState(model);
  for (const [key, tensor] of optimizer.state) tensors.set(`${OPTIMIZER_PREFIX}${key}`, tensor);
  saveSafetensors(file, tensors, {
    format: 'zerodl-checkpoint',
    state: JSON.stringify(state),
    rng: JSON.stringify(rng.getState()),
    ...(model.random ? { dropoutRng: JSON.stringify(model.random.getState()) } : {}),
  });
}

/**
 * Restores what `saveCheckpoint` wrote into the model, the optimizer state and the PRNG; returns the run
 * state. Hyper-parameters (lr …) are not restored: they come from the run's settings, like the model.
 */
export function loadCheckpoint(
  file: string,
  model: Sequential,
  optimizer: Optimizer,
  rng: Random,
): TrainingState {
  const { tensors, metadata } = loadSafetensors(file);
  if (metadata.format !== 'zerodl-checkpoint' || metadata.state === undefined || metadata.rng === undefined) {
    throw new DataError(`${file}: not a zerodl training checkpoint (no run state in its metadata)`);
  }
  assignWeights(modelState(model), tensors, file);
  optimizer.state.clear();
  for (const [key, tensor] of tensors) {
    if (key.startsWith(OPTIMIZER_PREFIX)) optimizer.state.set(key.slice(OPTIMIZER_PREFIX.length), tensor);
  }
  rng.setState(parseRandomState(metadata.rng));
  if (model.random && metadata.dropoutRng !== undefined)
    model.random.setState(parseRandomState(metadata.dropoutRng));
  return JSON.parse(metadata.state) as TrainingState;
}

// JSON writes the generator's "no spare normal" NaN as null.
function parseRandomState(text: string): number[] {
  return JSON.parse(text).map((v: number | null) => v ?? Number.NaN);
}
