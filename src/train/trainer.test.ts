import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LabeledImages } from '../data/datasets.js';
import { buildModel, mlpArchitecture } from '../model/architecture.js';
import { loadModelDir } from '../model/model_dir.js';
import type { ModelInfo } from '../model/model_info.js';
import { loadSafetensors, saveSafetensors } from '../model/safetensors_file.js';
import { createOptimizer } from '../optimizers/create.js';
import { Tensor } from '../tensor/tensor.js';
import { FileError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { loadCheckpoint } from './checkpoint.js';
import { train } from './trainer.js';

const root = mkdtempSync(join(tmpdir(), 'zerodl-trainer-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** 3 classes of 12-pixel "images": class k has bright pixels 4k..4k+3 plus noise. Easy, but not trivial. */
function toyData(n: number, seed: number): LabeledImages {
  const rng = new Random(seed);
  const x = new Tensor([n, 12]);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(3);
    for (let p = 0; p < 12; p++)
      x.data[i * 12 + p] = 0.3 * rng.uniform() + (Math.floor(p / 4) === labels[i] ? 0.7 : 0);
  }
  return { x, labels, classNames: ['a', 'b', 'c'] };
}

const architecture = mlpArchitecture([12, 8, 3], 'cross_entropy');
const modelInfo: Omit<ModelInfo, 'weights'> = {
  format: 'zerodl-model',
  version: 1,
  architecture,
  classNames: ['a', 'b', 'c'],
  preprocessing: { width: 4, height: 3, channels: 1, polarity: 'none' },
};

function run(
  name: string,
  epochs: number,
  resume = false,
  optimizer = 'momentum',
  lr = 0.05,
  arch = architecture,
) {
  const model = buildModel(arch, { init: 'he', seed: 1 });
  const opt = createOptimizer(optimizer, { lr });
  const result = train({
    model,
    optimizer: opt,
    train: toyData(300, 2),
    validation: toyData(60, 3),
    epochs,
    batchSize: 16,
    seed: 4,
    runDir: join(root, name),
    modelInfo: { ...modelInfo, architecture: arch },
    resume,
    log: null,
  });
  return { model, result };
}

describe('train', () => {
  it('learns, and writes results.csv, plots, weights and a loadable model.json', () => {
    const { result } = run('basic', 3);
    const dir = join(root, 'basic');
    assert.equal(result.epochs, 3);
    assert.ok(result.rows[2].valAccuracy > 0.9, `val accuracy ${result.rows[2].valAccuracy}`);
    assert.ok(result.rows[2].trainLoss < result.rows[0].trainLoss);
    const csv = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'epoch,train_loss,val_loss,val_accuracy,lr,seconds');
    assert.equal(csv.length, 4);
    assert.deepEqual(csv[3].split(',').slice(0, 1), ['3']);
    for (const file of [
      'results.png',
      'results.svg',
      'confusion_matrix.png',
      'weights/last.safetensors',
      'weights/best.safetensors',
    ]) {
      assert.ok(existsSync(join(dir, file)), file);
    }
    const { model, info } = loadModelDir(dir);
    assert.deepEqual(info.classNames, ['a', 'b', 'c']);
    assert.equal(info.weights, 'weights/best.safetensors');
    assert.deepEqual(model.predict(new Tensor([2, 12])).shape, [2, 3]);
  });

  it('--resume after 1 epoch ends with exactly the weights of an uninterrupted 3-epoch run (momentum and adam)', () => {
    for (const optimizer of ['momentum', 'adam']) {
      const lr = optimizer === 'adam' ? 0.01 : 0.05;
      const whole = run(`whole-${optimizer}`, 3, false, optimizer, lr).model;
      run(`split-${optimizer}`, 1, false, optimizer, lr);
      const { model: resumed, result } = run(`split-${optimizer}`, 3, true, optimizer, lr);
      assert.equal(result.rows.length, 3);
      for (const [key, value] of whole.params()) {
        assert.deepEqual(
          [...(resumed.params().get(key)?.data ?? [])],
          [...value.data],
          `${optimizer} ${key}`,
        );
      }
    }
  });

  it('stops on a NaN loss with a clear message and keeps the last good checkpoint', () => {
    run('nan', 1);
    const lastFile = join(root, 'nan', 'weights', 'last.safetensors');
    const before = readFileSync(lastFile);
    // A learning rate this large makes the weights overflow to Infinity within the next epoch.
    const model = buildModel(architecture, { init: 'he', seed: 1 });
    const optimizer = createOptimizer('sgd', { lr: 1e30 });
    const modelJson = readFileSync(join(root, 'nan', 'model.json'));
    const result = train({
      model,
      optimizer,
      train: toyData(300, 2),
      epochs: 3,
      batchSize: 16,
      seed: 4,
      runDir: join(root, 'nan'),
      // the settings of this attempt: model.json keeps those of the last good epoch
      modelInfo: { ...modelInfo, training: { args: { lr: '1e30' } } },
      resume: true,
      log: null,
    });
    assert.deepEqual(readFileSync(join(root, 'nan', 'model.json')), modelJson);
    assert.match(
      result.stoppedEarly ?? '',
      /^epoch 2, step \d+: SoftmaxCrossEntropy: loss is (NaN|Infinity).*Kept the checkpoint of epoch 1/,
    );
    assert.deepEqual(readFileSync(lastFile), before);
    const state = loadCheckpoint(
      lastFile,
      buildModel(architecture),
      createOptimizer('sgd', { lr: 1 }),
      new Random(0),
    );
    assert.equal(state.epoch, 1);
  });

  it('keeps optimizer state in the checkpoint and plain weights in best.safetensors', () => {
    run('state', 1);
    const last = loadSafetensors(join(root, 'state', 'weights', 'last.safetensors'));
    assert.ok(last.tensors.has('optimizer.velocity.W1'));
    assert.equal(last.metadata.format, 'zerodl-checkpoint');
    const best = loadSafetensors(join(root, 'state', 'weights', 'best.safetensors'));
    assert.deepEqual([...best.tensors.keys()], ['W1', 'b1', 'W2', 'b2']);
  });

  it('weight decay shrinks the weights but not the biases', () => {
    const norm = (values: Float32Array) => Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
    const plain = run('decay-none', 2).model;
    const model = buildModel(architecture, { init: 'he', seed: 1 });
    train({
      model,
      optimizer: createOptimizer('momentum', { lr: 0.05 }),
      train: toyData(300, 2),
      epochs: 2,
      batchSize: 16,
      seed: 4,
      weightDecay: 0.05,
      runDir: join(root, 'decay'),
      modelInfo,
      log: null,
    });
    const W1 = model.params().get('W1')?.data ?? new Float32Array();
    assert.ok(norm(W1) < 0.9 * norm(plain.params().get('W1')?.data ?? new Float32Array()));
  });

  it('refuses to resume a run that has no checkpoint', () => {
    assert.throws(() => run('nothing-here', 2, true), /--resume: .*last\.safetensors does not exist/);
  });

  it('a run that diverges in epoch 1 saves nothing: the earlier model in its folder stays as it was', () => {
    run('kept', 1);
    const dir = join(root, 'kept');
    const files = ['model.json', 'results.csv', 'weights/best.safetensors', 'weights/last.safetensors'];
    const before = files.map((file) => readFileSync(join(dir, file)));
    const { result } = run('kept', 2, false, 'sgd', 1e30, mlpArchitecture([12, 5, 3], 'cross_entropy'));
    assert.equal(result.epochs, 0);
    assert.match(
      result.stoppedEarly ?? '',
      /^epoch 1, step \d+: .*No epoch finished, so nothing was saved\.$/,
    );
    assert.doesNotMatch(result.stoppedEarly ?? '', /Kept the checkpoint/);
    files.forEach((file, i) => {
      assert.deepEqual(readFileSync(join(dir, file)), before[i], file);
    });
    assert.deepEqual(loadModelDir(dir).info.architecture, architecture);
  });

  it('a run that replaces another never leaves model.json naming weights of the other architecture', () => {
    run('replaced', 1);
    const dir = join(root, 'replaced');
    const other = mlpArchitecture([12, 5, 3], 'cross_entropy');
    const replace = () => run('replaced', 1, false, 'momentum', 0.05, other);
    // A fault when best.safetensors is replaced (a folder is in its way): model.json must already name
    // a copy of the new weights, not the old file
    rmSync(join(dir, 'weights', 'best.safetensors'));
    mkdirSync(join(dir, 'weights', 'best.safetensors', 'blocked'), { recursive: true });
    assert.throws(
      replace,
      (error: Error) => error instanceof FileError && /best\.safetensors: cannot write/.test(error.message),
    );
    assert.deepEqual(loadModelDir(dir).info.architecture, other);
    assert.deepEqual(loadModelDir(dir).model.params().get('W1')?.shape, [12, 5]);

    rmSync(join(dir, 'weights', 'best.safetensors'), { recursive: true });
    replace();
    const info = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    assert.equal(info.weights, 'weights/best.safetensors');
    assert.deepEqual(readdirSync(join(dir, 'weights')).sort(), ['best.safetensors', 'last.safetensors']);
    assert.deepEqual(loadModelDir(dir).info.architecture, other);
  });

  it('refuses a checkpoint whose run state is damaged, naming the file, before restoring anything', () => {
    run('damaged', 1);
    const lastFile = join(root, 'damaged', 'weights', 'last.safetensors');
    const { tensors, metadata } = loadSafetensors(lastFile);
    const damaged = join(root, 'damaged.safetensors');
    for (const [key, value, message] of [
      ['state', '{"epoch": 1, "rows": [', /metadata "state" is not valid JSON/],
      ['state', '[1, 2]', /metadata "state" must hold the epoch/],
      ['state', '{"epoch": -1, "rows": []}', /metadata "state" must hold the epoch/],
      ['rng', '{"seed": 1}', /metadata "rng" must be a random generator state/],
      ['rng', '[1, 2, 3]', /metadata "rng" must be a random generator state/],
    ] as const) {
      saveSafetensors(damaged, tensors, { ...metadata, [key]: value });
      const model = buildModel(architecture, { init: 'he', seed: 9 });
      const W1 = Float32Array.from(model.params().get('W1')?.data ?? []);
      assert.throws(
        () => loadCheckpoint(damaged, model, createOptimizer('sgd', { lr: 1 }), new Random(0)),
        (error: Error) =>
          error.name === 'DataError' &&
          error.message.startsWith(`${damaged}: corrupt checkpoint`) &&
          message.test(error.message),
        value,
      );
      assert.deepEqual(model.params().get('W1')?.data, W1);
    }
  });
});
