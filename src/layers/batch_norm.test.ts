// BatchNorm: gradient checks in train mode (after a convolution and after an affine layer) and in
// eval mode, the running statistics' update rule, and eval using them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { checkLayerGradients } from '../../test/gradcheck.js';
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { BatchNorm } from './batch_norm.js';

function randomBatchNorm(features: number): BatchNorm {
  const bn = new BatchNorm({ features });
  const rng = new Random(9);
  for (let c = 0; c < features; c++) {
    bn.gamma.value.data[c] = 0.5 + rng.uniform();
    bn.beta.value.data[c] = rng.uniform() - 0.5;
    bn.runningMean.data[c] = rng.uniform() - 0.5;
    bn.runningVar.data[c] = 0.5 + rng.uniform();
  }
  return bn;
}

describe('BatchNorm', () => {
  it('gradients match central differences in train mode after a convolution [n, c, h, w]', () => {
    checkLayerGradients(randomBatchNorm(3), [2, 3, 3, 5], { seed: 4 });
  });

  it('gradients match central differences in train mode after an affine layer [n, f]', () => {
    checkLayerGradients(randomBatchNorm(4), [5, 4], { seed: 5 });
  });

  it('gradients in eval mode are dy scaled by γ/√(running var + ε)', () => {
    const bn = randomBatchNorm(2);
    const x = Tensor.randn([3, 2, 2, 2], new Random(1));
    bn.forward(x, 'eval');
    const dy = Tensor.randn(x.shape, new Random(2));
    const dx = bn.backward(dy);
    for (let i = 0; i < x.size; i++) {
      const c = Math.floor(i / 4) % 2;
      const scale = bn.gamma.value.data[c] / Math.sqrt(bn.runningVar.data[c] + 1e-5);
      assert.ok(Math.abs(dx.data[i] - scale * dy.data[i]) < 1e-6);
    }
  });

  it('normalises with the batch statistics and moves the running ones by momentum (unbiased variance)', () => {
    const bn = new BatchNorm({ features: 1 });
    const y = bn.forward(Tensor.from([[1], [2], [3], [6]]), 'train');
    // mean 3, biased variance 3.5, unbiased 14/3
    assertClose(
      y.data,
      [-2, -1, 0, 3].map((v) => v / Math.sqrt(3.5 + 1e-5)),
      { rtol: 1e-6 },
    );
    assertClose(bn.runningMean.data, [0.3], { rtol: 1e-6 });
    assertClose(bn.runningVar.data, [0.9 + (0.1 * 14) / 3], { rtol: 1e-6 });
    assert.deepEqual(
      bn.buffers().map((b) => [b.name, b.value]),
      [
        ['runningMean', bn.runningMean],
        ['runningVar', bn.runningVar],
      ],
    );
    // eval uses the running statistics and leaves them alone
    const evaluated = bn.forward(Tensor.from([[1]]), 'eval');
    assertClose(evaluated.data, [(1 - 0.3) / Math.sqrt(0.9 + 1.4 / 3 + 1e-5)], { rtol: 1e-6 });
    assertClose(bn.runningMean.data, [0.3], { rtol: 1e-6 });
  });

  it('names the layer and the shapes on a mismatch, and needs two values per channel to train', () => {
    assert.throws(() => new BatchNorm({ features: 16 }).outputShape([8, 8, 4, 4]), {
      name: 'ShapeError',
      message: 'BatchNorm(16): expected input [n, 16] or [n, 16, h, w], received [8, 8, 4, 4]',
    });
    assert.throws(
      () => new BatchNorm({ features: 3 }).forward(new Tensor([1, 3]), 'train'),
      /at least 2 values per channel/,
    );
    assert.throws(() => new BatchNorm({ features: 3, momentum: 2 }), /momentum must be in \[0, 1\]/);
  });
});
