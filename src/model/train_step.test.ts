// Sequential.trainStep (with its fused first-layer update at batch 1) against the seed's two-line step,
// optimizer.update(net.params(), net.gradient(x, t)), for optimizers with and without a fused path.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { Adam } from '../optimizers/adam.js';
import { Momentum } from '../optimizers/momentum.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { Sgd } from '../optimizers/sgd.js';
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { threeLayerNet } from './zoo.js';

const makers: [string, () => Optimizer][] = [
  ['Momentum', () => new Momentum({ lr: 0.05, momentum: 0.9 })],
  ['Sgd', () => new Sgd({ lr: 0.05 })],
  ['Adam (no fused path)', () => new Adam({ lr: 0.01 })],
];

describe('Sequential.trainStep equals gradient + update', () => {
  for (const [name, makeOptimizer] of makers) {
    for (const batch of [1, 3]) {
      it(`${name}, batch ${batch}, 6 steps`, () => {
        const sizes = [9, 7, 5, 3];
        const twoLine = threeLayerNet({ sizes, init: { kind: 'std', std: 0.3 }, seed: 2 });
        const fused = threeLayerNet({ sizes, init: { kind: 'std', std: 0.3 }, seed: 2 });
        const optimizerA = makeOptimizer();
        const optimizerB = makeOptimizer();
        const rng = new Random(3);
        for (let step = 0; step < 6; step++) {
          const x = Tensor.randn([batch, sizes[0]], rng);
          const t = Tensor.rand([batch, 3], rng);
          const expectedLoss = twoLine.loss(x, t);
          optimizerA.update(twoLine.params(), twoLine.gradient(x, t));
          const loss = fused.trainStep(x, t, optimizerB);
          assert.ok(Math.abs(loss - expectedLoss) <= 1e-6 * Math.max(1, Math.abs(expectedLoss)));
        }
        for (const [key, value] of twoLine.params()) {
          const other = fused.params().get(key);
          assert.ok(other !== undefined);
          assertClose(other.data, value.data, { rtol: 1e-5, atol: 1e-6, what: `${name} ${key}` });
        }
      });
    }
  }
});
