// @backend-independent: the seeded PRNG; no layer, model or kernel

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from './random.js';

describe('Random', () => {
  it('randn has mean ≈ 0 and standard deviation ≈ 1', () => {
    const rng = new Random(11);
    const n = 100_000;
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.randn();
      sum += z;
      sumSquares += z * z;
    }
    const mean = sum / n;
    assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(sumSquares / n - mean * mean) - 1) < 0.02);
  });

  it('uniform stays in [0, 1) and int(n) covers 0..n−1', () => {
    const rng = new Random(2);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const u = rng.uniform();
      assert.ok(u >= 0 && u < 1);
      seen.add(rng.int(5));
    }
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
  });

  it('shuffle is a seeded permutation, and getState/setState resume the same stream', () => {
    const a = new Random(7).shuffle([...Array(20).keys()]);
    assert.deepEqual(a, new Random(7).shuffle([...Array(20).keys()]));
    assert.deepEqual(
      [...a].sort((p, q) => p - q),
      [...Array(20).keys()],
    );
    const rng = new Random(9);
    rng.randn();
    const state = rng.getState();
    const expected = [rng.randn(), rng.uniform()];
    const resumed = new Random(0);
    resumed.setState(state);
    assert.deepEqual([resumed.randn(), resumed.uniform()], expected);
  });
});
