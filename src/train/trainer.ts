// Node-only (writes the run folder).
// Training a classifier: the shared loop (loop.ts) with shuffled mini-batches of labelled images,
// optional augmentation, and the validation accuracy and confusion matrix after each epoch.

import { RandomAffine, type RandomAffineOptions } from '../data/augment.js';
import { Batches, shuffledIndices } from '../data/batches.js';
import type { LabeledImages } from '../data/datasets.js';
import type { ResultRow } from './checkpoint.js';
import { type Evaluation, evaluate } from './evaluate.js';
import { type LoopOptions, type LoopResult, type TrainingTask, trainLoop, type Validation } from './loop.js';
import { confusionMatrixPlot, resultsPlot } from './plots.js';

export { BEST_WEIGHTS } from './loop.js';

export interface TrainerOptions extends LoopOptions {
  train: LabeledImages;
  /** Held-out data scored after each epoch; the best epoch by its accuracy is kept as best.safetensors. */
  validation?: LabeledImages;
  batchSize: number;
  /** Random shifts, rotations and scaling of each training image ([n, c, h, w] only); default none. */
  augment?: RandomAffineOptions;
}

/** One row of a classifier's results.csv. */
export interface EpochRow extends ResultRow {
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  lr: number;
  seconds: number;
}

export interface TrainResult extends Omit<LoopResult, 'rows' | 'bestFitness'> {
  rows: EpochRow[];
  bestAccuracy: number;
}

/**
 * Trains the classifier `model` on `train` and writes the run folder as it goes (see trainLoop): the
 * best epoch by validation accuracy is kept as weights/best.safetensors.
 *
 * @example
 * const result = train({ model: threeLayerNet(), optimizer: new Momentum(), train: mnist, epochs: 1, batchSize: 1,
 *   seed: 0, runDir: 'runs/train/exp', modelInfo });
 */
export function train(options: TrainerOptions): TrainResult {
  const { rows, bestFitness, ...rest } = trainLoop(options, classificationTask(options));
  return { ...rest, rows: rows as EpochRow[], bestAccuracy: bestFitness };
}

interface ClassifierValidation extends Validation {
  evaluation: Evaluation;
}

function classificationTask(options: TrainerOptions): TrainingTask<ClassifierValidation> {
  const { model, batchSize } = options;
  const classNames = options.modelInfo.classNames;
  const batches = new Batches(options.train.x, options.train.labels, {
    batchSize,
    classes: classNames.length,
  });
  const augmenter = new RandomAffine(options.augment ?? {});
  const samples = options.train.labels.length;
  const sumsLosses = model.lossFunction.reduction === 'sum';
  return {
    columns: [
      ['train_loss', 'trainLoss'],
      ['val_loss', 'valLoss'],
      ['val_accuracy', 'valAccuracy'],
      ['lr', 'lr'],
      ['seconds', 'seconds'],
    ],
    epoch(_epoch, rng) {
      const order = shuffledIndices(samples, rng);
      return {
        steps: batches.count(order.length),
        batches: (function* () {
          for (const batch of batches.epoch(order)) {
            if (!augmenter.identity) augmenter.apply(batch.x, rng); // a copy: the data set never changes
            yield batch;
          }
        })(),
      };
    },
    meter() {
      let sum = 0;
      let seen = 0;
      return {
        add(loss, size) {
          sum += sumsLosses ? loss : loss * size;
          seen += size;
        },
        text: () => `loss ${(sum / seen).toFixed(4)}`,
        values: () => ({ trainLoss: sum / samples, valLoss: Number.NaN, valAccuracy: Number.NaN }),
      };
    },
    validate: options.validation
      ? (net) => {
          const { x, labels } = options.validation as LabeledImages;
          const evaluation = evaluate(net, x, labels, classNames.length);
          return {
            evaluation,
            values: { valLoss: evaluation.loss, valAccuracy: evaluation.accuracy },
            text: `val_loss ${evaluation.loss.toFixed(4)}  val_acc ${evaluation.accuracy.toFixed(4)}`,
            fitness: evaluation.accuracy,
          };
        }
      : undefined,
    plots(rows, validation) {
      const results = resultsPlot(rows as EpochRow[]);
      const files: [string, Uint8Array | string][] = [
        ['results.png', results.png],
        ['results.svg', results.svg],
      ];
      if (validation) {
        files.push([
          'confusion_matrix.png',
          confusionMatrixPlot(validation.evaluation.confusion, classNames).png,
        ]);
      }
      return files;
    },
  };
}
