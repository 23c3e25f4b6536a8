// Dropout: identity in eval mode (gradient-checked), train-mode backward applies the forward's mask,
// inverted scaling keeps the expected value, the same seed gives the same masks, rate checks.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLayerGradients } from '../../test/gradcheck.js';
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { Dropout } from './dropout.js';
import type { Mode } from './layer.js';

describe('Dropout', () => {
  it('gradients match central differences in eval mode (the identity)', () => {
    const dropout = new Dropout({ rate: 0.5, rng: new Random(1) });
    const evalOnly = {
      label: dropout.label,
      outputShape: (shape: readonly number[]) => dropout.outputShape(shape),
      forward: (x: Tensor, _mode: Mode) => dropout.forward(x, 'eval'),
      backward: (dy: Tensor) => dropout.backward(dy),
      params: () => dropout.params(),
    };
    checkLayerGradients(evalOnly, [3, 7]);
  });

  it('train-mode backward multiplies dy by the mask the forward drew (0 or 1/(1 − rate))', () => {
    const dropout = new Dropout({ rate: 0.25, rng: new Random(2) });
    const x = Tensor.randn([4, 50], new Random(3));
    const y = dropout.forward(x, 'train').clone();
    const dy = Tensor.randn([4, 50], new Random(4));
    const dx = dropout.backward(dy);
    let dropped = 0;
    for (let i = 0; i < x.size; i++) {
      const mask = y.data[i] === 0 ? 0 : 1 / 0.75;
      if (mask === 0) dropped++;
      else assert.ok(Math.abs(y.data[i] - x.data[i] / 0.75) < 1e-6);
      assert.ok(Math.abs(dx.data[i] - dy.data[i] * mask) < 1e-6);
    }
    assert.ok(dropped > 20 && dropped < 80, `${dropped} of 200 dropped at rate 0.25`);
  });

  it('keeps the expected value, and the same seed gives the same masks', () => {
    const ones = new Tensor([1, 20000]);
    ones.data.fill(1);
    const y = new Dropout({ rate: 0.5, rng: new Random(5) }).forward(ones, 'train');
    const mean = y.data.reduce((sum, v) => sum + v, 0) / y.size;
    assert.ok(Math.abs(mean - 1) < 0.03, `mean ${mean}`);
    const again = new Dropout({ rate: 0.5, rng: new Random(5) }).forward(ones, 'train');
    assert.deepEqual(again.data, y.data);
  });

  it('is the identity in eval mode and rejects rates outside [0, 1)', () => {
    const x = Tensor.from([[1, 2, 3]]);
    const dropout = new Dropout({ rate: 0.9 });
    assert.equal(dropout.forward(x, 'eval'), x);
    assert.throws(() => new Dropout({ rate: 1 }), /rate must be at least 0 and below 1, got 1/);
  });
});
