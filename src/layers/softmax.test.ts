// Softmax and Flatten: gradient checks, literal values, no overflow, and shape errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { checkLayerGradients } from '../../test/gradcheck.js';
import { Tensor } from '../tensor/tensor.js';
import { Flatten } from './flatten.js';
import { Softmax } from './softmax.js';

describe('Softmax', () => {
  it('gradients match central differences', () => {
    checkLayerGradients(new Softmax(), [3, 5], { seed: 2 });
  });

  it('gives probabilities per row without overflowing', () => {
    const y = new Softmax().forward(
      Tensor.from([
        [0, Math.log(3)],
        [1000, 1000],
      ]),
      'eval',
    );
    assertClose(y.data, [0.25, 0.75, 0.5, 0.5], { rtol: 1e-6 });
    assert.throws(
      () => new Softmax().outputShape([2, 3, 4]),
      /Softmax: expected input \[n, classes\], received \[2, 3, 4\]/,
    );
  });
});

describe('Flatten', () => {
  it('gradients match central differences', () => {
    checkLayerGradients(new Flatten(), [2, 3, 4, 5]);
  });

  it('views [n, c, h, w] as [n, c·h·w] and gives dy the input shape back', () => {
    const flatten = new Flatten();
    const x = new Tensor([2, 3, 4, 5]);
    const y = flatten.forward(x, 'eval');
    assert.deepEqual(y.shape, [2, 60]);
    assert.equal(y.data, x.data);
    assert.deepEqual(flatten.backward(new Tensor([2, 60])).shape, [2, 3, 4, 5]);
    assert.throws(
      () => flatten.backward(new Tensor([2, 61])),
      /Flatten: backward expected dy \[2, 60\], received \[2, 61\]/,
    );
  });
});
