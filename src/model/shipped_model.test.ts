// The MNIST CNN shipped in models/mnist_cnn loads through its model.json and still classifies.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getBackend } from '../backend/active.js';
import { loadMnist } from '../data/mnist.js';
import { Tensor } from '../tensor/tensor.js';
import { evaluate } from '../train/evaluate.js';
import { loadModelDir } from './model_dir.js';
import { asModelInput } from './model_info.js';

const MODEL_DIR = fileURLToPath(new URL('../../../models/mnist_cnn', import.meta.url));

describe('models/mnist_cnn', () => {
  // The whole test set takes 2 minutes on the plain-TypeScript backend: there, the first 1000 images.
  const whole = getBackend().name === 'wasm';
  it(`loads, and classifies ${whole ? 'the 10000 MNIST test images with accuracy >= 0.994 (issue 5)' : 'the first 1000 MNIST test images with accuracy >= 0.99'}`, () => {
    const { model, info } = loadModelDir(MODEL_DIR);
    assert.deepEqual(info.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const test = loadMnist({ split: 'test' });
    const count = whole ? test.labels.length : 1000;
    const x = new Tensor([count, 784], test.x.data.slice(0, count * 784));
    const result = evaluate(model, asModelInput(x, info.architecture), test.labels.slice(0, count), 10);
    assert.equal(result.samples, whole ? 10000 : 1000);
    assert.ok(result.accuracy >= (whole ? 0.994 : 0.99), `accuracy ${result.accuracy}`);
  });
});
