// Loading a model folder: weights that are not finite numbers are refused, naming the tensor.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Tensor } from '../tensor/tensor.js';
import { mlpArchitecture } from './architecture.js';
import { loadModelDir, saveModelInfo } from './model_dir.js';
import { saveSafetensors } from './serialize.js';

const root = mkdtempSync(join(tmpdir(), 'zerodl-model-dir-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A 4-3-2 network's model folder whose W2 holds `bad` at element 4. */
function modelFolder(name: string, bad: number): string {
  const dir = join(root, name);
  const architecture = mlpArchitecture([4, 3, 2], 'cross_entropy');
  saveModelInfo(dir, {
    format: 'zerodl-model',
    version: 1,
    architecture,
    classNames: ['a', 'b'],
    preprocessing: { width: 2, height: 2, channels: 1, polarity: 'none' },
    weights: 'weights.safetensors',
  });
  const W2 = new Tensor([3, 2]);
  W2.data[4] = bad;
  const tensors = new Map([
    ['W1', new Tensor([4, 3])],
    ['b1', new Tensor([1, 3])],
    ['W2', W2],
    ['b2', new Tensor([1, 2])],
  ]);
  saveSafetensors(join(dir, 'weights.safetensors'), tensors);
  return dir;
}

describe('loadModelDir', () => {
  it('loads finite weights', () => {
    const { model } = loadModelDir(modelFolder('finite', 0.5));
    assert.equal(model.params().get('W2')?.data[4], 0.5);
  });

  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    it(`refuses weights holding ${bad}, naming the file, the tensor and the element`, () => {
      const dir = modelFolder(`bad_${bad}`, bad);
      assert.throws(() => loadModelDir(dir), {
        name: 'DataError',
        message: `${join(dir, 'weights.safetensors')}: tensor 'W2' holds ${bad} at element 4 of 6: the weights are broken (a diverged run?); use an earlier checkpoint or retrain`,
      });
    });
  }
});
