// Node-only (writes the run folder).
// The training loop every task shares: epochs of mini-batches (gradient → weight decay → update) with
// the learning-rate schedule, a progress bar, a score after each epoch, results.csv, plots, atomic
// checkpoints in the run folder, exact resume, and a stop on NaN that keeps the last good epoch. What a
// task changes (its batches, its losses, how it scores an epoch and what it plots) comes in a
// TrainingTask: classification (trainer.ts) and detection (detect_trainer.ts) are two of them.

import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { saveModelInfo } from '../model/model_dir.js';
import type { ModelInfo } from '../model/model_info.js';
import { MODEL_FILE, modelState } from '../model/model_info.js';
import { saveSafetensors } from '../model/safetensors_file.js';
import type { Sequential } from '../model/sequential.js';
import type { Grads, Optimizer, Params } from '../optimizers/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from '../util/atomic_file.js';
import { NumericError, ValueError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { loadCheckpoint, type ResultRow, saveCheckpoint, type TrainingState } from './checkpoint.js';
import { ProgressBar } from './progress.js';
import { checkSchedule, type LrSchedule, learningRate } from './schedule.js';

/** One mini-batch: inputs, the loss's targets, and how many samples it holds. */
export interface StepBatch {
  x: Tensor;
  t: Tensor;
  size: number;
}

/** Adds up one epoch's training losses and says how they stand (for the progress bar and results.csv). */
export interface LossMeter {
  /** After each step: the step's loss (as the model's loss returned it) and the batch size. */
  add(loss: number, batchSize: number): void;
  /** The losses so far, for the progress bar, e.g. `loss 0.1234`. */
  text(): string;
  /** The epoch's training columns, e.g. `{ trainLoss: 0.1234 }`. */
  values(): Record<string, number>;
}

/** An epoch's score on held-out data. */
export interface Validation {
  /** Columns of the results row, e.g. `{ valLoss, valAccuracy }`. */
  values: Record<string, number>;
  /** What the progress bar adds when the epoch ends, e.g. `val_acc 0.9812`. */
  text: string;
  /** The best epoch is the one with the highest fitness; it is kept as weights/best.safetensors. */
  fitness: number;
}

/** What a kind of training supplies to the loop. */
export interface TrainingTask<V extends Validation = Validation> {
  /** results.csv: each column's header and the row key it reads, in order (`epoch` first, then these). */
  readonly columns: readonly (readonly [header: string, key: string])[];
  /** The batches of `epoch` (1-based) and how many there are; draws (shuffling, augmentation) from rng. */
  epoch(epoch: number, rng: Random): { steps: number; batches: Iterable<StepBatch> };
  /** A fresh meter for one epoch's training losses. */
  meter(): LossMeter;
  /** Scores the model after an epoch; undefined when there is no held-out data. */
  validate?(model: Sequential): V;
  /** The plots of the run so far (file name → PNG or SVG), refreshed after every epoch. */
  plots?(rows: readonly ResultRow[], validation: V | undefined): [name: string, data: Uint8Array | string][];
}

export interface LoopOptions {
  model: Sequential;
  optimizer: Optimizer;
  epochs: number;
  /** Seeds the task's draws (weights are seeded when the model is built). */
  seed: number;
  /** L2 weight decay λ: adds λ·W to the gradient of every weight `W1, W2, …` (not biases). */
  weightDecay?: number;
  /** How the learning rate changes over the run (default: constant at the optimizer's lr). */
  schedule?: Omit<LrSchedule, 'lr' | 'epochs'>;
  /** The run folder (runs/<task>/<name>): results.csv, plots, weights/{last,best}.safetensors, model.json. */
  runDir: string;
  /** model.json without `weights` (the loop points it at weights/best.safetensors). */
  modelInfo: Omit<ModelInfo, 'weights'>;
  /** Continue from runDir/weights/last.safetensors. */
  resume?: boolean;
  /** Stop when this many epochs in a row have not beaten the best fitness (ultralytics' patience); default never. */
  patience?: number;
  /** Progress output (default process.stderr); `null` for silence. */
  log?: NodeJS.WriteStream | null;
}

export interface LoopResult {
  rows: ResultRow[];
  /** Epochs completed in total (including those before a resume). */
  epochs: number;
  /** The best epoch's fitness (its validation score; without validation data, the last epoch's number). */
  bestFitness: number;
  /** The epoch whose weights are in weights/best.safetensors. */
  bestEpoch: number;
  seconds: number;
  runDir: string;
  /**
   * Set when training stopped early on a NaN/Infinity loss; the checkpoints hold the last good epoch
   * (with `epochs` 0, none was saved and the run folder holds no model of this run).
   */
  stoppedEarly?: string;
  /** The epoch after which `patience` stopped the run. */
  patienceStop?: number;
}

/** The weights model.json names (relative to the run folder), and their copy while a run replaces another. */
export const BEST_WEIGHTS = 'weights/best.safetensors';
const PENDING_WEIGHTS = 'weights/best.new.safetensors';

/**
 * Trains `model` on `task`'s batches and writes the run folder as it goes. model.json is written once
 * the first epoch's weights are saved, so the folder always holds one whole model: none or the earlier
 * run's (`--exist-ok`, `--resume`) until then, this run's after; a run that stops before (NaN in
 * epoch 1) changes nothing.
 */
export function trainLoop<V extends Validation>(options: LoopOptions, task: TrainingTask<V>): LoopResult {
  const { model, optimizer, runDir, epochs } = options;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new ValueError(`epochs must be a whole number >= 1, got ${epochs}`);
  const weightsDir = join(runDir, 'weights');
  const lastFile = join(weightsDir, 'last.safetensors');
  const bestFile = join(runDir, BEST_WEIGHTS);
  mkdirSync(weightsDir, { recursive: true });
  const schedule: LrSchedule = { kind: 'constant', ...options.schedule, lr: optimizer.lr, epochs };
  checkSchedule(schedule);
  const rng = new Random(options.seed);
  let state: TrainingState = { epoch: 0, rows: [], bestAccuracy: Number.NEGATIVE_INFINITY };
  if (options.resume) {
    if (!existsSync(lastFile))
      throw new ValueError(`--resume: ${lastFile} does not exist (nothing to resume)`);
    state = loadCheckpoint(lastFile, model, optimizer, rng);
  }
  // An earlier run's model.json, whose weights best.safetensors is about to replace (--exist-ok)
  const replacing = !options.resume && existsSync(join(runDir, MODEL_FILE));
  let published = false;
  const log = options.log === undefined ? process.stderr : options.log;
  const lambda = options.weightDecay ?? 0;
  const decay =
    lambda > 0 ? (params: Params, grads: Grads) => addWeightDecay(params, grads, lambda) : undefined;
  const started = performance.now();
  let stoppedEarly: string | undefined;
  let patienceStop: number | undefined;

  for (let epoch = state.epoch + 1; epoch <= epochs && stoppedEarly === undefined; epoch++) {
    const epochStart = performance.now();
    const { steps, batches } = task.epoch(epoch, rng);
    const bar = log ? new ProgressBar(steps, { label: `epoch ${epoch}/${epochs}`, stream: log }) : undefined;
    const meter = task.meter();
    let step = 0;
    try {
      for (const batch of batches) {
        optimizer.lr = learningRate(schedule, epoch - 1 + step / steps);
        meter.add(model.trainStep(batch.x, batch.t, optimizer, decay), batch.size);
        step++;
        bar?.update(step, meter.text());
      }
    } catch (error) {
      if (!(error instanceof NumericError)) throw error;
      const kept =
        state.epoch > 0
          ? `Kept the checkpoint of epoch ${state.epoch} in ${lastFile}.`
          : 'No epoch finished, so nothing was saved.';
      stoppedEarly = `epoch ${epoch}, step ${step + 1}: ${error.message}. ${kept}`;
      bar?.finish('stopped', step);
      break;
    }
    const validation = task.validate?.(model);
    const row: ResultRow = {
      epoch,
      ...meter.values(),
      ...validation?.values,
      lr: optimizer.lr,
      seconds: (performance.now() - epochStart) / 1000,
    };
    bar?.finish(validation ? `${meter.text()}  ${validation.text}` : meter.text());
    state = { ...state, epoch, rows: [...state.rows, row] };
    // Without validation data the latest epoch counts as the best.
    const score = validation ? validation.fitness : epoch;
    if (score > state.bestAccuracy || !existsSync(bestFile)) {
      state.bestAccuracy = score;
      state.bestEpoch = epoch;
      const weights = modelState(model);
      const metadata = { format: 'zerodl-weights', epoch: String(epoch) };
      if (replacing && !published) {
        // Point the old model.json at a copy of the new weights first: it never names a file of
        // another architecture, whenever the process dies
        saveSafetensors(join(runDir, PENDING_WEIGHTS), weights, metadata);
        saveModelInfo(runDir, { ...options.modelInfo, weights: PENDING_WEIGHTS });
      }
      saveSafetensors(bestFile, weights, metadata);
    }
    saveCheckpoint(lastFile, model, optimizer, rng, state);
    writeResults(runDir, task.columns, state.rows);
    for (const [name, data] of task.plots?.(state.rows, validation) ?? []) {
      writeFileAtomic(join(runDir, name), data);
    }
    if (!published) {
      saveModelInfo(runDir, { ...options.modelInfo, weights: BEST_WEIGHTS });
      rmSync(join(runDir, PENDING_WEIGHTS), { force: true });
      published = true;
    }
    if (options.patience !== undefined && epoch - (state.bestEpoch ?? epoch) >= options.patience) {
      log?.write(
        `no better fitness for ${options.patience} epochs (best: epoch ${state.bestEpoch}); stopping\n`,
      );
      patienceStop = epoch;
      break;
    }
  }
  return {
    rows: state.rows,
    epochs: state.epoch,
    bestFitness: state.bestAccuracy,
    bestEpoch: state.bestEpoch ?? state.epoch,
    ...(patienceStop !== undefined ? { patienceStop } : {}),
    seconds: (performance.now() - started) / 1000,
    runDir,
    ...(stoppedEarly ? { stoppedEarly } : {}),
  };
}

/** g ← g + λ·W for every weight tensor (keys W1, W2, …); biases and batch-norm scales are not decayed. */
function addWeightDecay(params: Params, grads: Grads, lambda: number): void {
  for (const [key, W] of params) {
    if (!key.startsWith('W')) continue;
    const g = grads.get(key)?.data;
    if (g === undefined) continue;
    for (let i = 0; i < W.size; i++) g[i] += lambda * W.data[i];
  }
}

/** Writes results.csv from all rows so far (atomically: the file is always complete). */
function writeResults(
  runDir: string,
  columns: readonly (readonly [string, string])[],
  rows: readonly ResultRow[],
): void {
  const number = (v: number | null | undefined) =>
    v === null || v === undefined || Number.isNaN(v) ? '' : String(Number(v.toPrecision(6)));
  const header = ['epoch', ...columns.map(([name]) => name)].join(',');
  const lines = rows.map((row) => [row.epoch, ...columns.map(([, key]) => number(row[key]))].join(','));
  writeFileAtomic(join(runDir, 'results.csv'), `${[header, ...lines].join('\n')}\n`);
}
