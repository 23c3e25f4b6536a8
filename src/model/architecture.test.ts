import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '../tensor/tensor.js';
import { type Architecture, buildModel, createLoss, mlpArchitecture } from './architecture.js';
import { threeLayerNet } from './zoo.js';

describe('architectures as data', () => {
  it('mlpArchitecture([784, 500, 100, 3]) builds the seed network with the same weights as threeLayerNet', () => {
    const net = buildModel(mlpArchitecture([784, 500, 100, 3], 'sse'), { seed: 3 });
    assert.equal(net.summary(), threeLayerNet({ seed: 3 }).summary());
    assert.deepEqual(
      [...(net.params().get('W2')?.data ?? [])],
      [...(threeLayerNet({ seed: 3 }).params().get('W2')?.data ?? [])],
    );
  });

  it('infers each layer’s input width from the layer before', () => {
    const net = buildModel({
      inputShape: [6],
      layers: [
        { type: 'affine', outFeatures: 4 },
        { type: 'relu' },
        { type: 'affine', outFeatures: 2 },
        { type: 'sigmoid' },
      ],
      loss: 'cross_entropy',
    });
    assert.deepEqual(net.predict(new Tensor([5, 6])).shape, [5, 2]);
    assert.equal(net.lossFunction.label, 'SoftmaxCrossEntropy');
  });

  it('rejects an unknown layer type or bad options when built, naming the layer index', () => {
    const bad = {
      inputShape: [4],
      layers: [{ type: 'affine', outFeatures: 3 }, { type: 'conv9d' }],
      loss: 'sse',
    } as unknown as Architecture;
    assert.throws(() => buildModel(bad), {
      name: 'ValueError',
      message: "layer 2 (conv9d): unknown layer type 'conv9d'",
    });
    assert.throws(
      () => buildModel({ inputShape: [4], layers: [{ type: 'affine', outFeatures: 0 }], loss: 'sse' }),
      {
        name: 'ShapeError',
        message: /^layer 1 \(affine\): Affine\(4→0\): outFeatures must be a whole number >= 1/,
      },
    );
    assert.throws(() => buildModel({ inputShape: [], layers: [], loss: 'sse' }), /inputShape must be a list/);
    assert.throws(() => createLoss('hinge'), /unknown loss 'hinge': use sse or cross_entropy/);
    assert.throws(() => mlpArchitecture([784], 'sse'), /at least two layer widths/);
  });
});
