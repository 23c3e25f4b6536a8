// Node-only (writes the run folder).
// The training loop: epochs of shuffled mini-batches (gradient → weight decay → update), validation
// after each epoch, results.csv, plots and atomic checkpoints in the run folder, and exact resume.

import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RandomAffine, type RandomAffineOptions } from '../data/augment.js';
import { Batches, shuffledIndices } from '../data/batches.js';
import type { LabeledImages } from '../data/datasets.js';
import { saveModelInfo } from '../model/model_dir.js';
import type { ModelInfo } from '../model/model_info.js';
import { MODEL_FILE, modelState } from '../model/model_info.js';
import { saveSafetensors } from '../model/safetensors_file.js';
import type { Sequential } from '../model/sequential.js';
import type { Grads, Optimizer, Params } from '../optimizers/optimizer.js';
import { writeFileAtomic } from '../util/atomic_file.js';
import { NumericError, ValueError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { type EpochRow, loadCheckpoint, saveCheckpoint, type TrainingState } from './checkpoint.js';
import { type Evaluation, evaluate } from './evaluate.js';
import { writePlots } from './plots.js';
import { ProgressBar } from './progress.js';
import { checkSchedule, type LrSchedule, learningRate } from './schedule.js';

export interface TrainerOptions {
  model: Sequential;
  optimizer: Optimizer;
  train: LabeledImages;
  /** Held-out data scored after each epoch; the best epoch by its accuracy is kept as best.safetensors. */
  validation?: LabeledImages;
  epochs: number;
  batchSize: number;
  /** Seeds the shuffling (weights are seeded when the model is built). */
  seed: number;
  /** L2 weight decay λ: adds λ·W to the gradient of every weight `W1, W2, …` (not biases). */
  weightDecay?: number;
  /** Random shifts, rotations and scaling of each training image ([n, c, h, w] only); default none. */
  augment?: RandomAffineOptions;
  /** How the learning rate changes over the run (default: constant at the optimizer's lr). */
  schedule?: Omit<LrSchedule, 'lr' | 'epochs'>;
  /** The run folder (runs/train/<name>): results.csv, plots, weights/{last,best}.safetensors, model.json. */
  runDir: string;
  /** model.json without `weights` (the trainer points it at weights/best.safetensors). */
  modelInfo: Omit<ModelInfo, 'weights'>;
  /** Continue from runDir/weights/last.safetensors. */
  resume?: boolean;
  /** Progress output (default process.stderr); `null` for silence. */
  log?: NodeJS.WriteStream | null;
}

export interface TrainResult {
  rows: EpochRow[];
  /** Epochs completed in total (including those before a resume). */
  epochs: number;
  bestAccuracy: number;
  seconds: number;
  runDir: string;
  /**
   * Set when training stopped early on a NaN/Infinity loss; the checkpoints hold the last good epoch
   * (with `epochs` 0, none was saved and the run folder holds no model of this run).
   */
  stoppedEarly?: string;
}

/** The weights model.json names (relative to the run folder), and their copy while a run replaces another. */
export const BEST_WEIGHTS = 'weights/best.safetensors';
const PENDING_WEIGHTS = 'weights/best.new.safetensors';

const RESULTS_HEADER = 'epoch,train_loss,val_loss,val_accuracy,lr,seconds';

/**
 * Trains `model` on `train` and writes the run folder as it goes. model.json is written once the
 * first epoch's weights are saved, so the folder always holds one whole model: none or the earlier
 * run's (`--exist-ok`, `--resume`) until then, this run's after; a run that stops before (NaN in
 * epoch 1) changes nothing.
 *
 * @example
 * const result = train({ model: threeLayerNet(), optimizer: new Momentum(), train: mnist, epochs: 1, batchSize: 1,
 *   seed: 0, runDir: 'runs/train/exp', modelInfo });
 */
export function train(options: TrainerOptions): TrainResult {
  const { model, optimizer, runDir, epochs, batchSize } = options;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new ValueError(`epochs must be a whole number >= 1, got ${epochs}`);
  const classes = options.modelInfo.classNames.length;
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
  const batches = new Batches(options.train.x, options.train.labels, { batchSize, classes });
  const augmenter = new RandomAffine(options.augment ?? {});
  const lambda = options.weightDecay ?? 0;
  const decay =
    lambda > 0 ? (params: Params, grads: Grads) => addWeightDecay(params, grads, lambda) : undefined;
  const started = performance.now();
  let stoppedEarly: string | undefined;

  for (let epoch = state.epoch + 1; epoch <= epochs && stoppedEarly === undefined; epoch++) {
    const epochStart = performance.now();
    const order = shuffledIndices(options.train.labels.length, rng);
    const bar = log
      ? new ProgressBar(batches.count(order.length), { label: `epoch ${epoch}/${epochs}`, stream: log })
      : undefined;
    let lossSum = 0;
    let step = 0;
    const stepsPerEpoch = batches.count(order.length);
    try {
      for (const batch of batches.epoch(order)) {
        optimizer.lr = learningRate(schedule, epoch - 1 + step / stepsPerEpoch);
        if (!augmenter.identity) augmenter.apply(batch.x, rng); // a copy: the data set never changes
        const loss = model.trainStep(batch.x, batch.t, optimizer, decay);
        lossSum += model.lossFunction.reduction === 'sum' ? loss : loss * batch.size;
        step++;
        bar?.update(step, `loss ${(lossSum / (step * batchSize)).toFixed(4)}`);
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
    const trainLoss = lossSum / order.length;
    const validation: Evaluation | undefined = options.validation
      ? evaluate(model, options.validation.x, options.validation.labels, classes)
      : undefined;
    const row: EpochRow = {
      epoch,
      trainLoss,
      valLoss: validation?.loss ?? Number.NaN,
      valAccuracy: validation?.accuracy ?? Number.NaN,
      lr: optimizer.lr,
      seconds: (performance.now() - epochStart) / 1000,
    };
    bar?.finish(
      `loss ${trainLoss.toFixed(4)}${validation ? `  val_loss ${row.valLoss.toFixed(4)}  val_acc ${row.valAccuracy.toFixed(4)}` : ''}`,
    );
    state = { epoch, rows: [...state.rows, row], bestAccuracy: state.bestAccuracy };
    // Without validation data the latest epoch counts as the best.
    const score = validation ? validation.accuracy : epoch;
    if (score > state.bestAccuracy || !existsSync(bestFile)) {
      state.bestAccuracy = score;
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
    writeResults(runDir, state.rows);
    writePlots(runDir, {
      rows: state.rows,
      confusion: validation
        ? { matrix: validation.confusion, classNames: options.modelInfo.classNames }
        : undefined,
    });
    if (!published) {
      saveModelInfo(runDir, { ...options.modelInfo, weights: BEST_WEIGHTS });
      rmSync(join(runDir, PENDING_WEIGHTS), { force: true });
      published = true;
    }
  }
  return {
    rows: state.rows,
    epochs: state.epoch,
    bestAccuracy: state.bestAccuracy,
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
function writeResults(runDir: string, rows: readonly EpochRow[]): void {
  const number = (v: number | null) =>
    v === null || Number.isNaN(v) ? '' : String(Number(v.toPrecision(6)));
  const lines = rows.map((r) =>
    [
      r.epoch,
      number(r.trainLoss),
      number(r.valLoss),
      number(r.valAccuracy),
      number(r.lr),
      number(r.seconds),
    ].join(','),
  );
  writeFileAtomic(join(runDir, 'results.csv'), `${[RESULTS_HEADER, ...lines].join('\n')}\n`);
}
