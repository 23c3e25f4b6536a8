// Parity with the article's own numpy code: fixtures from tools/seed_fixtures.py (the article's classes
// verbatim at batch 1, the batch-correct variant at batch 4), compared element by element.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxRelativeError } from '../../test/close.js';
import { fixturePath } from '../../test/fixtures.js';
import { Momentum } from '../optimizers/momentum.js';
import type { Tensor } from '../tensor/tensor.js';
import { loadSafetensors } from './safetensors_file.js';
import { threeLayerNet } from './zoo.js';

const { tensors, metadata } = loadSafetensors(fixturePath('seed_three_layer.safetensors'));
const fixture = (name: string): Tensor => {
  const tensor = tensors.get(name);
  if (tensor === undefined) throw new Error(`fixture tensor '${name}' is missing`);
  return tensor;
};
const KEYS = ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'];
// float32 against numpy's float64; entries near zero are compared against this floor instead
const TOLERANCE = 1e-4;
const FLOOR = 1e-3;

/** A seed network holding the fixture's initial weights. */
function seededNet() {
  const net = threeLayerNet();
  for (const key of KEYS)
    net
      .params()
      .get(key)
      ?.copyFrom(fixture(`init.${key}`));
  return net;
}

function expectClose(actual: Tensor, expected: Tensor, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  // relative to the tensor's own scale, so tiny entries of a large-valued tensor are not judged alone
  const scale = expected.data.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
  const error = maxRelativeError(actual.data, expected.data, Math.max(FLOOR * scale, 1e-12));
  assert.ok(error <= TOLERANCE, `${what}: max relative error ${error.toExponential(2)} > ${TOLERANCE}`);
}

for (const [prefix, description] of [
  ['b1.', "the article's classes, batch 1"],
  ['b4.', 'the batch-correct variant, batch 4'],
] as const) {
  describe(`parity with the article's numpy code: ${description}`, () => {
    const x = fixture(`${prefix}x`);
    const t = fixture(`${prefix}t`);

    it('predict output and loss', () => {
      const net = seededNet();
      expectClose(net.predict(x), fixture(`${prefix}y`), 'y');
      const loss = net.loss(x, t);
      const expected = Number(metadata[`${prefix}loss`]);
      assert.ok(Math.abs(loss - expected) / expected <= TOLERANCE, `loss ${loss} vs numpy ${expected}`);
    });

    it('every gradient', () => {
      const grads = seededNet().gradient(x, t);
      for (const key of KEYS)
        expectClose(grads.get(key) as Tensor, fixture(`${prefix}grad.${key}`), `grad ${key}`);
    });

    it('parameters after 3 Momentum steps (lr 0.01, momentum 0.9)', () => {
      const net = seededNet();
      const opt = new Momentum({ lr: 0.01, momentum: 0.9 });
      for (let step = 0; step < 3; step++) opt.update(net.params(), net.gradient(x, t));
      for (const key of KEYS)
        expectClose(
          net.params().get(key) as Tensor,
          fixture(`${prefix}after3.${key}`),
          `${key} after 3 steps`,
        );
    });
  });
}

describe("the article's bias gradient at batch 4", () => {
  it('fails in numpy (recorded by the fixture script), which is why zerodl sums db over the batch', () => {
    assert.match(metadata.seed_at_batch4, /non-broadcastable output operand/);
  });
});
