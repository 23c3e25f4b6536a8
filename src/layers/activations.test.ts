import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { checkLayerGradients } from '../../test/gradcheck.js';
import { Tensor } from '../tensor/tensor.js';
import { LeakyRelu } from './leaky_relu.js';
import { Relu } from './relu.js';
import { Sigmoid } from './sigmoid.js';

describe('activations', () => {
  const x = Tensor.from([[-2, 0, 3]]);

  it('LeakyRelu: y = x for x > 0, alpha·x otherwise; dx = dy or alpha·dy (alpha at 0, as np.where(x > 0))', () => {
    const layer = new LeakyRelu(0.1);
    assertClose(layer.forward(x, 'train').data, [-0.2, 0, 3]);
    assertClose(layer.backward(Tensor.from([[1, 1, 1]])).data, [0.1, 0.1, 1]);
  });

  it('Relu: y = max(0, x); dx = 0 at and below 0', () => {
    const layer = new Relu();
    assertClose(layer.forward(x, 'train').data, [0, 0, 3]);
    assertClose(layer.backward(Tensor.from([[5, 5, 5]])).data, [0, 0, 5]);
  });

  it('Sigmoid: y = 1/(1+e^−x); dx = dy·y·(1−y)', () => {
    const layer = new Sigmoid();
    const y = layer.forward(x, 'train');
    assertClose(y.data, [1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-3))], { rtol: 1e-6 });
    assertClose(
      layer.backward(Tensor.from([[1, 1, 1]])).data,
      [...y.data].map((v) => v * (1 - v)),
      { rtol: 1e-6 },
    );
  });

  it('pass numerical gradient checks (batch 3, odd sizes)', () => {
    checkLayerGradients(new LeakyRelu(0.1), [3, 7]);
    checkLayerGradients(new LeakyRelu(0.3), [2, 5], { seed: 9 });
    checkLayerGradients(new Relu(), [3, 7]);
    checkLayerGradients(new Sigmoid(), [3, 7]);
  });

  it('never modify the upstream gradient dy', () => {
    for (const layer of [new LeakyRelu(), new Relu(), new Sigmoid()]) {
      layer.forward(x, 'train');
      const dy = Tensor.from([[1, 2, 3]]);
      layer.backward(dy);
      assert.deepEqual([...dy.data], [1, 2, 3], layer.label);
    }
  });

  it('reject a dy whose shape differs from x, and a non-finite alpha', () => {
    const layer = new Relu();
    layer.forward(x, 'train');
    assert.throws(
      () => layer.backward(new Tensor([3, 1])),
      /Relu backward \(dy\): expected shape \[1, 3\], received \[3, 1\]/,
    );
    assert.throws(() => new LeakyRelu(Number.NaN), /alpha must be a finite number/);
  });
});
