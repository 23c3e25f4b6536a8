// Learning-rate schedules: constant, step decay, linear decay (ultralytics' default) and cosine annealing, each with an optional linear
// warm-up. The rate is a pure function of training progress, so a resumed run gets the same rates.

import { ValueError } from '../util/errors.js';

export interface LrSchedule {
  kind: 'constant' | 'step' | 'linear' | 'cosine';
  /** The base learning rate (the optimizer's `lr`). */
  lr: number;
  /** Total epochs of the run (cosine anneals over them). */
  epochs: number;
  /** Epochs of linear warm-up from 0 to `lr` (fractions allowed); default 0. */
  warmupEpochs?: number;
  /** linear and cosine: the final rate as a fraction of `lr` (ultralytics' `lrf`); default 0.01. */
  finalFraction?: number;
  /** step: multiply by `gamma` every `stepSize` epochs; defaults 0.1 and max(1, epochs/3). */
  stepSize?: number;
  gamma?: number;
}

/**
 * The learning rate at `progress` epochs into the run (e.g. 2.5 = halfway through the third epoch).
 *
 * @example
 * learningRate({ kind: 'cosine', lr: 0.1, epochs: 10 }, 5); // 0.0505, halfway between 0.1 and 0.001
 */
export function learningRate(schedule: LrSchedule, progress: number): number {
  const { lr, epochs, warmupEpochs = 0 } = schedule;
  const warmup = warmupEpochs > 0 && progress < warmupEpochs ? progress / warmupEpochs : 1;
  switch (schedule.kind) {
    case 'constant':
      return lr * warmup;
    case 'step': {
      const stepSize = schedule.stepSize ?? Math.max(1, Math.round(epochs / 3));
      return lr * (schedule.gamma ?? 0.1) ** Math.floor(progress / stepSize) * warmup;
    }
    case 'linear': {
      // ultralytics' default: a straight line from lr at the start to lr·lrf at the end of the run
      const final = lr * (schedule.finalFraction ?? 0.01);
      const t = Math.min(1, progress / Math.max(epochs, 1e-9));
      return (lr + (final - lr) * t) * warmup;
    }
    case 'cosine': {
      const final = lr * (schedule.finalFraction ?? 0.01);
      const t = Math.min(1, progress / Math.max(epochs, 1e-9));
      return (final + (lr - final) * 0.5 * (1 + Math.cos(Math.PI * t))) * warmup;
    }
    default:
      throw new ValueError(
        `unknown learning-rate schedule '${schedule.kind}': use constant, step, linear or cosine`,
      );
  }
}

/** Checks a schedule's numbers once, before training starts. */
export function checkSchedule(schedule: LrSchedule): void {
  learningRate(schedule, 0);
  const { warmupEpochs = 0, finalFraction = 0.01, stepSize = 1, gamma = 0.1 } = schedule;
  if (!(warmupEpochs >= 0) || !(finalFraction >= 0) || !(stepSize > 0) || !(gamma > 0)) {
    throw new ValueError(
      'learning-rate schedule: warm-up epochs, final fraction, step size and gamma must be >= 0 (step size and gamma > 0)',
    );
  }
}
