// @backend-independent: batching and shuffling; no layer, model or kernel

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { Batches, shuffledIndices, splitTrainValidation } from './batches.js';

test('shuffledIndices is a permutation that depends only on the seed', () => {
  const a = shuffledIndices(100, new Random(7));
  assert.deepEqual(a, shuffledIndices(100, new Random(7)));
  assert.notDeepEqual(a, shuffledIndices(100, new Random(8)));
  assert.notDeepEqual(
    a,
    [...a].sort((p, q) => p - q),
  );
  assert.deepEqual(
    [...a].sort((p, q) => p - q),
    Array.from({ length: 100 }, (_, i) => i),
  );
});

test('splitTrainValidation holds out round(n · fraction) samples, disjoint and covering, seeded', () => {
  const { train, validation } = splitTrainValidation(1000, 0.1, new Random(3));
  assert.equal(validation.length, 100);
  assert.equal(train.length, 900);
  assert.deepEqual(
    [...train, ...validation].sort((p, q) => p - q),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.deepEqual(
    train,
    [...train].sort((p, q) => p - q),
  );
  assert.deepEqual(splitTrainValidation(1000, 0.1, new Random(3)).validation, validation);
  assert.notDeepEqual(splitTrainValidation(1000, 0.1, new Random(4)).validation, validation);
  assert.equal(splitTrainValidation(10, 0, new Random(0)).validation.length, 0);
  assert.throws(() => splitTrainValidation(10, 1, new Random(0)), ValueError);
  assert.throws(() => splitTrainValidation(10, -0.1, new Random(0)), ValueError);
});

// Five samples of two features whose values encode the sample index: row i = [i, 10 + i]
const x = new Tensor([5, 2], Float32Array.from([0, 10, 1, 11, 2, 12, 3, 13, 4, 14]));
const labels = Int32Array.from([0, 1, 2, 0, 1]);

test('Batches copies the rows at the given indices with one-hot targets and labels', () => {
  const batches = new Batches(x, labels, { batchSize: 2, classes: 3 });
  // Read each batch before the next one overwrites the shared tensors
  const seen = [];
  for (const batch of batches.epoch([4, 0, 2, 1, 3])) {
    seen.push({ x: batch.x.toArray(), t: batch.t.toArray(), labels: [...batch.labels], size: batch.size });
  }
  assert.deepEqual(seen, [
    {
      x: [
        [4, 14],
        [0, 10],
      ],
      t: [
        [0, 1, 0],
        [1, 0, 0],
      ],
      labels: [1, 0],
      size: 2,
    },
    {
      x: [
        [2, 12],
        [1, 11],
      ],
      t: [
        [0, 0, 1],
        [0, 1, 0],
      ],
      labels: [2, 1],
      size: 2,
    },
    { x: [[3, 13]], t: [[1, 0, 0]], labels: [0], size: 1 },
  ]);
  assert.equal(batches.count(5), 3);
});

test('Batches reuses its tensors from batch to batch and epoch to epoch', () => {
  const batches = new Batches(x, labels, { batchSize: 2, classes: 3 });
  const first = [...batches.epoch([0, 1, 2, 3, 4])];
  const second = [...batches.epoch([4, 3, 2, 1, 0])];
  assert.equal(first[0].x, first[1].x);
  assert.equal(first[0].t, second[1].t);
  assert.equal(first[2].x, second[2].x);
  assert.deepEqual(first[0].x.shape, [2, 2]);
  assert.deepEqual(first[2].x.shape, [1, 2]);
});

test('Batches keeps the sample shape of image tensors [n, 1, h, w]', () => {
  const images = new Tensor(
    [3, 1, 2, 2],
    Float32Array.from({ length: 12 }, (_, i) => i),
  );
  const batches = new Batches(images, Int32Array.from([0, 1, 0]), { batchSize: 2, classes: 2 });
  const [batch] = batches.epoch([2, 0]);
  assert.deepEqual(batch.x.shape, [2, 1, 2, 2]);
  assert.deepEqual([...batch.x.data], [8, 9, 10, 11, 0, 1, 2, 3]);
});

test('Batches rejects bad sizes, shapes, labels and indices', () => {
  assert.throws(() => new Batches(x, labels, { batchSize: 0, classes: 3 }), ValueError);
  assert.throws(() => new Batches(x, labels.subarray(0, 4), { batchSize: 2, classes: 3 }), ShapeError);
  assert.throws(() => new Batches(x, labels, { batchSize: 2, classes: 2 }), /label 2 at index 2/);
  const batches = new Batches(x, labels, { batchSize: 2, classes: 3 });
  assert.throws(() => [...batches.epoch([0, 5])], /index 5 is outside the data set of 5/);
});
