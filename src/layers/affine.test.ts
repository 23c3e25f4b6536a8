import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { checkLayerGradients } from '../../test/gradcheck.js';
import { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { Affine } from './affine.js';

describe('Affine', () => {
  it('computes y = x·W + b with the bias broadcast over the batch', () => {
    const W = Tensor.from([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const b = Tensor.from([[10, 20]]);
    const affine = new Affine({ inFeatures: 3, outFeatures: 2, W, b });
    const y = affine.forward(
      Tensor.from([
        [1, 0, 0],
        [1, 1, 1],
      ]),
      'eval',
    );
    assert.deepEqual(y.shape, [2, 2]);
    assertClose(y.data, [11, 22, 19, 32]);
  });

  it('sums the bias gradient over the batch (the article has db = dout)', () => {
    const affine = new Affine({ inFeatures: 2, outFeatures: 2 });
    affine.forward(new Tensor([3, 2]), 'train');
    affine.backward(
      Tensor.from([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    );
    assert.deepEqual(affine.b.grad.shape, [1, 2]);
    assertClose(affine.b.grad.data, [9, 12]);
  });

  it('keeps the W and b tensors it was given (the optimizer updates them in place)', () => {
    const W = new Tensor([2, 1]);
    const affine = new Affine({ inFeatures: 2, outFeatures: 1, W });
    assert.equal(affine.params()[0].value, W);
  });

  it('passes a numerical gradient check (batch 3, odd sizes)', () => {
    checkLayerGradients(
      new Affine({ inFeatures: 5, outFeatures: 7, init: 'he', rng: new Random(3) }),
      [3, 5],
    );
  });

  it('rejects an input of the wrong width, naming the layer and both shapes', () => {
    const affine = new Affine({ inFeatures: 784, outFeatures: 500 });
    assert.throws(() => affine.forward(new Tensor([1, 783]), 'eval'), {
      name: 'ShapeError',
      message: 'Affine(784→500): expected input [n, 784], received [1, 783]',
    });
    assert.throws(() => affine.forward(new Tensor([784]), 'eval'), ShapeError);
  });

  it('rejects parameters and upstream gradients of the wrong shape', () => {
    assert.throws(
      () => new Affine({ inFeatures: 2, outFeatures: 3, W: new Tensor([3, 2]) }),
      /W must have shape \[2, 3\], received \[3, 2\]/,
    );
    assert.throws(
      () => new Affine({ inFeatures: 2, outFeatures: 3, b: new Tensor([3]) }),
      /b must have shape \[1, 3\], received \[3\]/,
    );
    const affine = new Affine({ inFeatures: 2, outFeatures: 3 });
    affine.forward(new Tensor([4, 2]), 'train');
    assert.throws(
      () => affine.backward(new Tensor([4, 2])),
      /backward expected dy \[4, 3\], received \[4, 2\]/,
    );
  });
});
