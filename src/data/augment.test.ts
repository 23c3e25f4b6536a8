import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { RandomShift } from './augment.js';

describe('RandomShift', () => {
  it('moves each image by whole pixels within ±shift, filling the border with 0', () => {
    const rng = new Random(3);
    const x = new Tensor([40, 1, 7, 7]);
    for (let i = 0; i < 40; i++) x.data[i * 49 + 3 * 7 + 3] = 1; // a dot in the centre of each image
    new RandomShift(2).apply(x, rng);
    const offsets = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const image = x.data.subarray(i * 49, (i + 1) * 49);
      assert.equal(
        image.reduce((a, b) => a + b, 0),
        1,
        'the dot moves, it is not lost or copied',
      );
      const at = image.indexOf(1);
      const [row, col] = [Math.floor(at / 7), at % 7];
      assert.ok(Math.abs(row - 3) <= 2 && Math.abs(col - 3) <= 2);
      offsets.add(`${row - 3},${col - 3}`);
    }
    assert.ok(offsets.size > 10, 'offsets vary from image to image');
  });

  it('is seeded, leaves shift 0 alone, and rejects flat input', () => {
    const make = () => Tensor.rand([3, 1, 5, 5], new Random(1));
    const [a, b] = [make(), make()];
    new RandomShift(1).apply(a, new Random(9));
    new RandomShift(1).apply(b, new Random(9));
    assert.deepEqual([...a.data], [...b.data]);
    const c = make();
    new RandomShift(0).apply(c, new Random(9));
    assert.deepEqual([...c.data], [...make().data]);
    assert.throws(
      () => new RandomShift(1).apply(new Tensor([2, 25]), new Random(0)),
      /expected images \[n, c, h, w\], received \[2, 25\]/,
    );
    assert.throws(() => new RandomShift(-1), /shift must be a whole number/);
  });
});
