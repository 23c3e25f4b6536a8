// A checkpoint's contents without files: built from a model, its optimizer and PRNG, encoded to bytes
// and decoded again, restored into fresh ones (weights, velocity, generator, run state); damaged
// metadata is a DataError naming the source, and nothing is restored then.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSafetensors, encodeSafetensors } from '../model/serialize.js';
import { mlp } from '../model/zoo.js';
import { Momentum } from '../optimizers/momentum.js';
import { Tensor } from '../tensor/tensor.js';
import { DataError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { checkpointContents, restoreCheckpoint, type TrainingState } from './checkpoint_state.js';

const STATE: TrainingState = {
  epoch: 1,
  rows: [{ epoch: 1, trainLoss: 0.5, valLoss: 0.25, valAccuracy: 0.75, lr: 0.01, seconds: 2 }],
  bestAccuracy: 0.75,
};

// A 4-3-2 network after one Momentum step, so that weights and velocity are not their initial values.
function trained(seed: number) {
  const net = mlp({ sizes: [4, 3, 2], seed });
  const optimizer = new Momentum({ lr: 0.1, momentum: 0.9 });
  const x = Tensor.from([
    [1, 0, -1, 0.5],
    [0, 2, 1, -1],
  ]);
  const t = Tensor.from([
    [1, 0],
    [0, 1],
  ]);
  optimizer.update(net.params(), net.gradient(x, t));
  return { net, optimizer };
}

describe('checkpointContents / restoreCheckpoint', () => {
  it('round-trip through bytes: weights, optimizer state, generator and run state', () => {
    const { net, optimizer } = trained(1);
    const rng = new Random(5);
    rng.uniform();
    const { tensors, metadata } = checkpointContents(net, optimizer, rng, STATE);
    assert.deepEqual(
      [...tensors.keys()],
      [
        'W1',
        'b1',
        'W2',
        'b2',
        'optimizer.velocity.W1',
        'optimizer.velocity.b1',
        'optimizer.velocity.W2',
        'optimizer.velocity.b2',
      ],
    );
    assert.equal(metadata.format, 'zerodl-checkpoint');
    const bytes = encodeSafetensors(tensors, metadata);

    const fresh = mlp({ sizes: [4, 3, 2], seed: 2 });
    const freshOptimizer = new Momentum({ lr: 0.1, momentum: 0.9 });
    const freshRng = new Random(99);
    const state = restoreCheckpoint(
      decodeSafetensors(bytes, 'mem.safetensors'),
      fresh,
      freshOptimizer,
      freshRng,
      'mem.safetensors',
    );
    assert.deepEqual(state, STATE);
    for (const [key, value] of net.params()) assert.deepEqual(fresh.params().get(key)?.data, value.data, key);
    for (const [key, value] of optimizer.state)
      assert.deepEqual(freshOptimizer.state.get(key)?.data, value.data, key);
    assert.equal(freshRng.uniform(), rng.uniform());
  });

  it('refuses contents that are not a checkpoint, naming the source, before restoring anything', () => {
    const { net, optimizer } = trained(1);
    const { tensors, metadata } = checkpointContents(net, optimizer, new Random(1), STATE);
    const fresh = mlp({ sizes: [4, 3, 2], seed: 2 });
    const before = Float32Array.from(fresh.params().get('W1')?.data ?? []);
    assert.throws(
      () =>
        restoreCheckpoint(
          { tensors, metadata: {} },
          fresh,
          new Momentum(),
          new Random(1),
          'weights.safetensors',
        ),
      (error: unknown) =>
        error instanceof DataError &&
        /weights\.safetensors: not a zerodl training checkpoint/.test(error.message),
    );
    assert.throws(
      () =>
        restoreCheckpoint(
          { tensors, metadata: { ...metadata, rng: '[1, 2]' } },
          fresh,
          new Momentum(),
          new Random(1),
          'last.safetensors',
        ),
      /last\.safetensors: corrupt checkpoint: metadata "rng" must be a random generator state/,
    );
    assert.deepEqual(fresh.params().get('W1')?.data, before);
  });
});
