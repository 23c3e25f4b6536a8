// @backend-independent: learning-rate schedules are pure functions; no kernel

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { checkSchedule, learningRate } from './schedule.js';

describe('learning-rate schedules', () => {
  it('constant, with a linear warm-up', () => {
    const schedule = { kind: 'constant', lr: 0.1, epochs: 5, warmupEpochs: 2 } as const;
    assertClose(
      [learningRate(schedule, 0), learningRate(schedule, 1), learningRate(schedule, 3)],
      [0, 0.05, 0.1],
    );
  });

  it('step: ×gamma every stepSize epochs', () => {
    const schedule = { kind: 'step', lr: 1, epochs: 9, stepSize: 3, gamma: 0.5 } as const;
    assertClose(
      [0, 2.9, 3, 6, 8.5].map((p) => learningRate(schedule, p)),
      [1, 1, 0.5, 0.25, 0.25],
    );
  });

  it('linear (ultralytics): a straight line from lr to lr·finalFraction over the run', () => {
    const schedule = { kind: 'linear', lr: 0.1, epochs: 10, finalFraction: 0.01 } as const;
    assertClose(
      [0, 5, 10, 12].map((p) => learningRate(schedule, p)),
      [0.1, 0.0505, 0.001, 0.001],
    );
  });

  it('cosine: from lr down to lr·finalFraction over the run', () => {
    const schedule = { kind: 'cosine', lr: 0.1, epochs: 10, finalFraction: 0.01 } as const;
    assertClose(
      [0, 5, 10].map((p) => learningRate(schedule, p)),
      [0.1, 0.0505, 0.001],
    );
  });

  it('rejects unknown kinds and negative settings', () => {
    assert.throws(
      () => checkSchedule({ kind: 'poly' as 'step', lr: 1, epochs: 1 }),
      /unknown learning-rate schedule 'poly'/,
    );
    assert.throws(() => checkSchedule({ kind: 'step', lr: 1, epochs: 1, gamma: -1 }), /must be >= 0/);
  });
});
