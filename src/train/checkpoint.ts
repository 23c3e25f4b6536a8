// Node-only (checkpoint files: node:fs through safetensors_file.ts).
// Training checkpoints on disk: one safetensors file written atomically, so a run can stop anywhere
// and resume exactly. What the file holds is built and restored in checkpoint_state.ts (core).

import { loadSafetensors, saveSafetensors } from '../model/safetensors_file.js';
import type { Sequential } from '../model/sequential.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { Random } from '../util/random.js';
import { checkpointContents, restoreCheckpoint, type TrainingState } from './checkpoint_state.js';

export type { ResultRow, TrainingState } from './checkpoint_state.js';

/**
 * Writes the model's weights and buffers, the optimizer state, the PRNG states and the run state to
 * `file` (`checkpointContents`), atomically.
 *
 * @example
 * saveCheckpoint('runs/train/exp/weights/last.safetensors', net, optimizer, rng, state);
 */
export function saveCheckpoint(
  file: string,
  model: Sequential,
  optimizer: Optimizer,
  rng: Random,
  state: TrainingState,
): void {
  const { tensors, metadata } = checkpointContents(model, optimizer, rng, state);
  saveSafetensors(file, tensors, metadata);
}

/**
 * Restores what `saveCheckpoint` wrote into the model, the optimizer state and the PRNG; returns the run
 * state (`restoreCheckpoint`). A file that is not a checkpoint, or a damaged one, is a DataError naming it.
 *
 * @example
 * const state = loadCheckpoint('runs/train/exp/weights/last.safetensors', net, optimizer, rng);
 */
export function loadCheckpoint(
  file: string,
  model: Sequential,
  optimizer: Optimizer,
  rng: Random,
): TrainingState {
  return restoreCheckpoint(loadSafetensors(file), model, optimizer, rng, file);
}
