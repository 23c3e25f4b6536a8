// Parity with PyTorch 1.13: fixtures from tools/torch_layer_fixtures.py (forward outputs and the
// gradients of input, weights and bias for a fixed upstream gradient; a small CNN's two training
// steps), compared with relative error ≤ 1e-4 against each tensor's scale.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxRelativeError } from '../../test/close.js';
import { fixturePath } from '../../test/fixtures.js';
import { type Architecture, buildModel } from '../model/architecture.js';
import { loadSafetensors } from '../model/safetensors_file.js';
import { Momentum } from '../optimizers/momentum.js';
import type { Tensor } from '../tensor/tensor.js';
import { AvgPool2d } from './avg_pool2d.js';
import { BatchNorm } from './batch_norm.js';
import { Conv2d } from './conv2d.js';
import { GlobalAvgPool } from './global_avg_pool.js';
import type { Layer } from './layer.js';
import { MaxPool2d } from './max_pool2d.js';
import { Softmax } from './softmax.js';

const { tensors, metadata } = loadSafetensors(fixturePath('torch_layers.safetensors'));
const cases = JSON.parse(metadata.cases ?? '{}') as Record<string, Record<string, number>>;
const fixture = (name: string): Tensor => {
  const tensor = tensors.get(name);
  if (tensor === undefined) throw new Error(`fixture tensor '${name}' is missing`);
  return tensor;
};
const TOLERANCE = 1e-4;
// entries far below the tensor's largest are compared against this fraction of it
const FLOOR = 1e-3;

function expectClose(actual: Tensor, expected: Tensor, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const scale = expected.data.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
  const error = maxRelativeError(actual.data, expected.data, Math.max(FLOOR * scale, 1e-12));
  assert.ok(error <= TOLERANCE, `${what}: max relative error ${error.toExponential(2)} > ${TOLERANCE}`);
}

/** Runs forward and backward on the fixture's x and dy, and compares y and dx. */
function checkLayer(prefix: string, layer: Layer): void {
  expectClose(layer.forward(fixture(`${prefix}.x`), 'train'), fixture(`${prefix}.y`), `${prefix} y`);
  expectClose(layer.backward(fixture(`${prefix}.dy`)), fixture(`${prefix}.dx`), `${prefix} dx`);
}

const casesWith = (kind: string) => Object.keys(cases).filter((name) => name.startsWith(`${kind}.`));

describe('parity with PyTorch', () => {
  it('covers every layer kind', () => {
    for (const kind of ['conv', 'max', 'avg', 'bn2d', 'bn1d', 'gap', 'softmax', 'cnn']) {
      assert.ok(
        Object.keys(cases).some((name) => name === kind || name.startsWith(`${kind}.`)),
        kind,
      );
    }
  });

  for (const name of casesWith('conv')) {
    it(`Conv2d ${name}: y, dx, dW, db`, () => {
      const options = cases[name] as { inChannels: number; filters: number; kernelSize: number };
      const conv = new Conv2d({
        ...options,
        W: fixture(`${name}.W`).clone(),
        b: fixture(`${name}.b`).clone(),
      });
      checkLayer(name, conv);
      expectClose(conv.W.grad, fixture(`${name}.dW`), `${name} dW`);
      expectClose(conv.b.grad, fixture(`${name}.db`), `${name} db`);
    });
  }

  for (const name of casesWith('max')) {
    it(`MaxPool2d ${name}: y, dx`, () =>
      checkLayer(name, new MaxPool2d(cases[name] as { kernelSize: number })));
  }
  for (const name of casesWith('avg')) {
    it(`AvgPool2d ${name}: y, dx`, () =>
      checkLayer(name, new AvgPool2d(cases[name] as { kernelSize: number })));
  }

  for (const name of ['bn2d', 'bn1d']) {
    it(`BatchNorm (${name}): train y, dx, dγ, dβ, running statistics after one step, eval y`, () => {
      const bn = new BatchNorm({ features: cases[name].features });
      bn.gamma.value.copyFrom(fixture(`${name}.gamma`));
      bn.beta.value.copyFrom(fixture(`${name}.beta`));
      bn.runningMean.copyFrom(fixture(`${name}.runningMean`));
      bn.runningVar.copyFrom(fixture(`${name}.runningVar`));
      checkLayer(name, bn);
      expectClose(bn.gamma.grad, fixture(`${name}.dgamma`), `${name} dgamma`);
      expectClose(bn.beta.grad, fixture(`${name}.dbeta`), `${name} dbeta`);
      expectClose(bn.runningMean, fixture(`${name}.runningMeanAfter`), `${name} running mean`);
      expectClose(bn.runningVar, fixture(`${name}.runningVarAfter`), `${name} running var`);
      expectClose(bn.forward(fixture(`${name}.xEval`), 'eval'), fixture(`${name}.yEval`), `${name} eval y`);
    });
  }

  it('GlobalAvgPool (AdaptiveAvgPool2d(1) + flatten): y, dx', () => checkLayer('gap', new GlobalAvgPool()));
  it('Softmax(dim=1): y, dx', () => checkLayer('softmax', new Softmax()));

  it('a small CNN: loss, every gradient, and the params after two SGD-momentum steps', () => {
    const architecture: Architecture = {
      inputShape: [1, 10, 10],
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: 3, pad: 1 },
        { type: 'relu' },
        { type: 'max_pool2d', kernelSize: 2 },
        { type: 'conv2d', filters: 6, kernelSize: 3 },
        { type: 'relu' },
        { type: 'flatten' },
        { type: 'affine', outFeatures: 5 },
      ],
      loss: 'cross_entropy',
    };
    const net = buildModel(architecture);
    for (const [key, param] of net.params()) param.copyFrom(fixture(`cnn.init.${key}`));
    const { loss1, loss2, lr, momentum } = cases.cnn;
    // PyTorch's v = μ·v + g, θ −= lr·v is the seed's v = μ·v − lr·g, θ += v with v scaled by −lr
    const optimizer = new Momentum({ lr, momentum });
    const x = fixture('cnn.x');
    const t = fixture('cnn.t');
    const grads = net.gradient(x, t);
    const loss = net.loss(x, t);
    assert.ok(Math.abs(loss - loss1) <= TOLERANCE * loss1, `loss ${loss} vs PyTorch ${loss1}`);
    for (const [key, grad] of grads) expectClose(grad, fixture(`cnn.grad.${key}`), `grad ${key}`);
    optimizer.update(net.params(), grads);
    for (const [key, param] of net.params())
      expectClose(param, fixture(`cnn.after1.${key}`), `${key} after step 1`);
    const lossAfterStep1 = net.loss(x, t);
    assert.ok(
      Math.abs(lossAfterStep1 - loss2) <= TOLERANCE * loss2,
      `loss ${lossAfterStep1} vs PyTorch ${loss2}`,
    );
    optimizer.update(net.params(), net.gradient(x, t));
    for (const [key, param] of net.params()) {
      expectClose(param, fixture(`cnn.after2.${key}`), `${key} after step 2`);
    }
  });
});
