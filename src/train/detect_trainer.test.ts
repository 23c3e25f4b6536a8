// The detection trainer on a toy data set (32×32 images, one bright square per image, 2 classes by
// its size): it learns, writes the run folder, resumes bit for bit, stops on NaN, and obeys patience.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LabeledBox } from '../detection/boxes.js';
import { buildModel, yoloV1Architecture } from '../model/architecture.js';
import type { ModelInfo } from '../model/model_info.js';
import { loadSafetensors } from '../model/safetensors_file.js';
import { createOptimizer } from '../optimizers/create.js';
import { Random } from '../util/random.js';
import { type DetectionSamples, detectionFitness, trainDetector } from './detect_trainer.js';

const root = mkdtempSync(join(tmpdir(), 'zerodl-detect-trainer-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SIZE = 32;
const head = { grid: 4, boxes: 2, classes: 2 };
const architecture = yoloV1Architecture({
  imageSize: SIZE,
  channels: 1,
  grid: 4,
  boxes: 2,
  classes: 2,
  width: 4,
});

/** n images with one square each: class 0 is 6 px, class 1 is 12 px, anywhere inside the image. */
function toySamples(n: number, seed: number): DetectionSamples {
  const rng = new Random(seed);
  const boxes: LabeledBox[][] = [];
  for (let i = 0; i < n; i++) {
    const cls = rng.int(2);
    const side = cls === 0 ? 6 : 12;
    const x0 = rng.int(SIZE - side + 1);
    const y0 = rng.int(SIZE - side + 1);
    boxes.push([{ cls, x0, y0, x1: x0 + side, y1: y0 + side }]);
  }
  return {
    count: n,
    read(i, x, offset) {
      x.fill(0, offset, offset + SIZE * SIZE);
      for (const b of boxes[i] as LabeledBox[])
        for (let y = b.y0; y < b.y1; y++) x.fill(1, offset + y * SIZE + b.x0, offset + y * SIZE + b.x1);
      return boxes[i] as LabeledBox[];
    },
  };
}

const modelInfo: Omit<ModelInfo, 'weights'> = {
  format: 'zerodl-model',
  version: 1,
  task: 'detect',
  architecture,
  classNames: ['small', 'large'],
  preprocessing: { width: SIZE, height: SIZE, channels: 1, polarity: 'none', letterbox: true },
};

function run(
  name: string,
  epochs: number,
  options: { resume?: boolean; lr?: number; patience?: number } = {},
) {
  const model = buildModel(architecture, { init: 'he', seed: 1 });
  const optimizer = createOptimizer('adam', { lr: options.lr ?? 0.003 });
  const train = toySamples(96, 2);
  const result = trainDetector(
    {
      model,
      optimizer,
      epochs,
      seed: 3,
      runDir: join(root, name),
      modelInfo,
      head,
      imageSize: SIZE,
      channels: 1,
      train: () => train,
      validation: toySamples(24, 5),
      batchSize: 8,
      log: null,
      ...(options.resume ? { resume: true } : {}),
      ...(options.patience ? { patience: options.patience } : {}),
    },
    ['small', 'large'],
  );
  return { result, model };
}

describe('trainDetector', () => {
  it('learns the toy task and writes results.csv, the plots, the weights and model.json', () => {
    const { result } = run('learn', 6);
    const first = result.rows[0];
    const last = result.rows.at(-1);
    assert.ok(first && last);
    const loss = (row: typeof first) => row.trainCoord + row.trainObj + row.trainNoobj + row.trainCls;
    assert.ok(loss(last) < 0.5 * loss(first), `train loss ${loss(first)} → ${loss(last)}`);
    assert.ok(last.mAP50 > first.mAP50, `mAP50 ${first.mAP50} → ${last.mAP50}`);
    assert.equal(
      result.bestFitness,
      Math.max(
        ...result.rows.map((row) =>
          detectionFitness({ mAP50: row.mAP50 as number, mAP50_95: row.mAP50_95 as number }),
        ),
      ),
    );
    const dir = join(root, 'learn');
    for (const file of [
      'results.png',
      'PR_curve.png',
      'confusion_matrix.png',
      'val_batch0_pred.png',
      'weights/last.safetensors',
    ])
      assert.ok(existsSync(join(dir, file)), file);
    const csv = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 7);
    const info = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    assert.equal(info.weights, 'weights/best.safetensors');
    assert.equal(loadSafetensors(join(dir, info.weights)).metadata.epoch, String(result.bestEpoch));
  });

  it('resumes bit for bit: 2 epochs then 2 more equal 4 in one go', () => {
    const straight = run('straight', 4);
    run('resumed', 2);
    const resumed = run('resumed', 4, { resume: true });
    assert.equal(resumed.result.epochs, 4);
    const a = loadSafetensors(join(root, 'straight', 'weights', 'last.safetensors')).tensors;
    const b = loadSafetensors(join(root, 'resumed', 'weights', 'last.safetensors')).tensors;
    for (const [key, tensor] of a) assert.deepEqual(b.get(key)?.data, tensor.data, key);
    assert.deepEqual(
      resumed.result.rows.map((row) => row.mAP50),
      straight.result.rows.map((row) => row.mAP50),
    );
  });

  it('stops on a NaN loss in the first epoch and saves nothing', () => {
    const { result } = run('nan', 2, { lr: 1e30 });
    assert.equal(result.epochs, 0);
    assert.match(result.stoppedEarly ?? '', /No epoch finished, so nothing was saved/);
    assert.ok(!existsSync(join(root, 'nan', 'model.json')));
  });

  it('stops after `patience` epochs without a better fitness', () => {
    const { result } = run('patience', 30, { lr: 0, patience: 2 });
    // lr 0: nothing changes, so epoch 1 stays the best and epoch 3 is the last
    assert.equal(result.bestEpoch, 1);
    assert.equal(result.epochs, 3);
    assert.equal(result.patienceStop, 3);
  });
});
