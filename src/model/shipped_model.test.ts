// The MNIST CNN shipped in models/mnist_cnn loads through its model.json and still classifies.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '../data/mnist.js';
import { Tensor } from '../tensor/tensor.js';
import { evaluate } from '../train/evaluate.js';
import { asModelInput, loadModelDir } from './model_dir.js';

const MODEL_DIR = fileURLToPath(new URL('../../../models/mnist_cnn', import.meta.url));

describe('models/mnist_cnn', () => {
  it('loads, and classifies the first 1000 MNIST test images with accuracy >= 0.99', () => {
    const { model, info } = loadModelDir(MODEL_DIR);
    assert.deepEqual(info.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const test = loadMnist({ split: 'test' });
    const x = new Tensor([1000, 784], test.x.data.slice(0, 1000 * 784));
    const result = evaluate(model, asModelInput(x, info.architecture), test.labels.slice(0, 1000), 10);
    assert.ok(result.accuracy >= 0.99, `accuracy ${result.accuracy}`);
  });
});
