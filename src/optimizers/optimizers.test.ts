import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { Tensor } from '../tensor/tensor.js';
import { Momentum } from './momentum.js';
import { Sgd } from './sgd.js';

const params = () => new Map([['W1', Tensor.from([[1, -2]])]]);
const grads = new Map([['W1', Tensor.from([[0.5, 1]])]]);

describe('Sgd', () => {
  it('steps θ ← θ − lr·g in place', () => {
    const p = params();
    const W = p.get('W1');
    new Sgd({ lr: 0.1 }).update(p, grads);
    assert.equal(p.get('W1'), W);
    assertClose(p.get('W1')?.data ?? [], [0.95, -2.1]);
  });
});

describe('Momentum', () => {
  it('matches two hand-computed steps of v = 0.9·v − 0.01·g; θ += v', () => {
    const p = params();
    const opt = new Momentum({ lr: 0.01, momentum: 0.9 });
    opt.update(p, grads); // v = [−0.005, −0.01]
    assertClose(p.get('W1')?.data ?? [], [0.995, -2.01]);
    opt.update(p, grads); // v = 0.9·v − 0.01·g = [−0.0095, −0.019]
    assertClose(p.get('W1')?.data ?? [], [0.9855, -2.029]);
    assertClose(opt.velocity.get('W1')?.data ?? [], [-0.0095, -0.019]);
  });

  it('rejects a missing or misshapen gradient and bad hyper-parameters', () => {
    const opt = new Momentum();
    assert.throws(() => opt.update(params(), new Map()), /no gradient for parameter 'W1'/);
    assert.throws(() => opt.update(params(), new Map([['W1', new Tensor([2, 1])]])), /gradient 'W1': expected shape \[1, 2\], received \[2, 1\]/);
    assert.throws(() => new Momentum({ lr: -1 }), /lr must be a number in \[0, Infinity\], got -1/);
    assert.throws(() => new Momentum({ momentum: 1.5 }), /momentum must be a number in \[0, 1\]/);
    assert.throws(() => new Sgd({ lr: Number.NaN }), /lr must be a number/);
  });
});
