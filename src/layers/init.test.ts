// @backend-independent: weight initialisation draws numbers in plain JavaScript; no kernel

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../util/random.js';
import { initStd, initWeights, parseWeightInit } from './init.js';

describe('weight initialisation', () => {
  it('draws with the fixed std, He sqrt(2/fanIn) or Xavier sqrt(1/fanIn)', () => {
    assert.equal(initStd({ kind: 'std', std: 0.01 }, 784), 0.01);
    assert.equal(initStd('he', 50), Math.sqrt(2 / 50));
    assert.equal(initStd('xavier', 50), Math.sqrt(1 / 50));
    const W = initWeights([200, 300], 200, 'he', new Random(1));
    let sumSquares = 0;
    for (const w of W.data) sumSquares += w * w;
    const std = Math.sqrt(sumSquares / W.size);
    assert.ok(Math.abs(std / Math.sqrt(2 / 200) - 1) < 0.02, `std ${std}`);
  });

  it('parses command-line spellings and rejects unknown ones', () => {
    assert.deepEqual(parseWeightInit('0.01'), { kind: 'std', std: 0.01 });
    assert.deepEqual(parseWeightInit('std:0.05'), { kind: 'std', std: 0.05 });
    assert.equal(parseWeightInit('he'), 'he');
    assert.throws(() => parseWeightInit('kaiming'), /unknown weight init 'kaiming'/);
    assert.throws(() => parseWeightInit('-1'), /unknown weight init/);
  });
});
