import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { checkLossGradients } from '../../test/gradcheck.js';
import { oneHot } from '../tensor/one_hot.js';
import { Tensor } from '../tensor/tensor.js';
import { NumericError, ShapeError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { SoftmaxCrossEntropy } from './softmax_cross_entropy.js';
import { SumSquaredError } from './sum_squared_error.js';

describe('SumSquaredError', () => {
  it('is Σ(y − t)²/2 over every element, summed over the batch, with dL/dy = y − t', () => {
    const loss = new SumSquaredError();
    const y = Tensor.from([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    const t = Tensor.from([
      [1, 0, 0],
      [0, 1, 1],
    ]);
    assert.equal(loss.forward(y, t), (4 + 9 + 1 + 1) / 2);
    assertClose(loss.backward().data, [0, 2, 3, 0, -1, -1]);
  });

  it('passes a numerical gradient check (batch 3)', () => {
    const rng = new Random(4);
    checkLossGradients(new SumSquaredError(), Tensor.rand([3, 5], rng), Tensor.rand([3, 5], rng));
  });

  it('refuses the article trap: class labels or a [3] vector broadcast against [n, 3] outputs', () => {
    const loss = new SumSquaredError();
    const y = new Tensor([3, 3]);
    assert.throws(() => loss.forward(y, Tensor.from([0, 1, 2])), {
      name: 'ShapeError',
      message: /t has shape \[3\] but y has shape \[3, 3\]; they must match \(class labels\? .*oneHot/,
    });
    assert.throws(() => loss.forward(new Tensor([1, 3]), Tensor.from([1, 2, 3])), ShapeError);
    assert.throws(() => loss.forward(new Tensor([2, 3]), new Tensor([1, 3])), ShapeError);
  });

  it('reports NaN and Infinity instead of returning them', () => {
    const loss = new SumSquaredError();
    assert.throws(() => loss.forward(Tensor.from([[1, Number.NaN]]), Tensor.from([[0, 0]])), {
      name: 'NumericError',
      message: /loss is NaN \(y\[1\] = NaN\)/,
    });
    assert.throws(
      () => loss.forward(Tensor.from([[0, 0]]), Tensor.from([[Number.POSITIVE_INFINITY, 0]])),
      /t\[0\] = Infinity/,
    );
    assert.throws(
      () => loss.forward(Tensor.from([[Number.NEGATIVE_INFINITY, 0]]), Tensor.from([[0, 0]])),
      NumericError,
    );
  });
});

describe('SoftmaxCrossEntropy', () => {
  it('is the mean over the batch of −Σ t·log softmax(y)', () => {
    const loss = new SoftmaxCrossEntropy();
    const value = loss.forward(
      Tensor.from([
        [0, 0],
        [Math.log(3), 0],
      ]),
      oneHot([0, 0], 2),
    );
    assertClose([value], [(Math.log(2) + Math.log(4 / 3)) / 2], { rtol: 1e-6 });
    assertClose(loss.backward().data, [(0.5 - 1) / 2, 0.5 / 2, (0.75 - 1) / 2, 0.25 / 2], { rtol: 1e-6 });
  });

  it('stays finite for large logits (log-sum-exp)', () => {
    const loss = new SoftmaxCrossEntropy();
    assertClose([loss.forward(Tensor.from([[1000, 0]]), oneHot([1], 2))], [1000], { rtol: 1e-6 });
  });

  it('passes a numerical gradient check (batch 3, 5 classes)', () => {
    const rng = new Random(5);
    const y = Tensor.rand([3, 5], rng);
    checkLossGradients(new SoftmaxCrossEntropy(), y, oneHot([4, 0, 2], 5));
  });

  it('rejects class labels in place of one-hot rows', () => {
    assert.throws(
      () => new SoftmaxCrossEntropy().forward(new Tensor([3, 3]), Tensor.from([0, 1, 2])),
      /oneHot/,
    );
  });
});
