// @backend-independent: image augmentation in plain JavaScript; no layer, model or kernel

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { RandomAffine } from './augment.js';

describe('RandomAffine', () => {
  it('moves each image by whole pixels within ±shift, filling the border with 0', () => {
    const rng = new Random(3);
    const x = new Tensor([40, 1, 7, 7]);
    for (let i = 0; i < 40; i++) x.data[i * 49 + 3 * 7 + 3] = 1; // a dot in the centre of each image
    new RandomAffine({ shift: 2 }).apply(x, rng);
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
    new RandomAffine({ shift: 1 }).apply(a, new Random(9));
    new RandomAffine({ shift: 1 }).apply(b, new Random(9));
    assert.deepEqual([...a.data], [...b.data]);
    const c = make();
    new RandomAffine({}).apply(c, new Random(9));
    assert.deepEqual([...c.data], [...make().data]);
    assert.throws(
      () => new RandomAffine({ shift: 1 }).apply(new Tensor([2, 25]), new Random(0)),
      /RandomAffine: expected images \[n, c, h, w\], received \[2, 25\]/,
    );
    assert.throws(() => new RandomAffine({ shift: -1 }), /shift must be a whole number/);
    assert.throws(() => new RandomAffine({ degrees: 200 }), /degrees must be in \[0, 180\], got 200/);
    assert.throws(() => new RandomAffine({ scale: 1 }), /scale must be in \[0, 1\), got 1/);
  });

  it('rotates about the centre', () => {
    // a rotation keeps the centre pixel of a bar through the centre and turns its ends off the row
    const size = 9;
    const x = new Tensor([1, 1, size, size]);
    for (let col = 0; col < size; col++) x.data[4 * size + col] = 1; // a horizontal bar through the centre
    const rng = new Random(5);
    new RandomAffine({ degrees: 45 }).apply(x, rng);
    const image = x.data;
    assert.ok(Math.abs(image[4 * size + 4] - 1) < 1e-6, 'the centre pixel stays where it is');
    const rows = new Set<number>();
    for (let i = 0; i < size * size; i++) if (image[i] > 0.5) rows.add(Math.floor(i / size));
    assert.ok(rows.size > 1, 'the bar is turned: it covers more than one row');
  });

  it('scales about the centre and keeps brightness in range', () => {
    const size = 11;
    const make = () => {
      const x = new Tensor([64, 1, size, size]);
      // a filled square of side 5 in the centre of each image
      for (let i = 0; i < 64; i++)
        for (let r = 3; r < 8; r++) for (let c = 3; c < 8; c++) x.data[i * size * size + r * size + c] = 1;
      return x;
    };
    const x = make();
    new RandomAffine({ scale: 0.3 }).apply(x, new Random(2));
    const areas: number[] = [];
    for (let i = 0; i < 64; i++) {
      const image = x.data.subarray(i * size * size, (i + 1) * size * size);
      for (const value of image)
        assert.ok(value >= -1e-6 && value <= 1 + 1e-6, `value ${value} out of [0, 1]`);
      areas.push(image.reduce((a, b) => a + b, 0));
      assert.ok(Math.abs(image[5 * size + 5] - 1) < 1e-6, 'the centre stays inside the square');
    }
    // area scales with factor²: factor in [0.7, 1.3] gives about 25·[0.49, 1.69]
    assert.ok(Math.min(...areas) < 20 && Math.max(...areas) > 30, `areas vary with the factor: ${areas}`);
    assert.ok(Math.min(...areas) > 25 * 0.49 - 3 && Math.max(...areas) < 25 * 1.69 + 3);
  });

  it('draws shifts before angles, so shift-only runs are unchanged by rotation support', () => {
    // same seed: the shift of every image matches between shift-only and shift+rotation runs
    const a = new Tensor([20, 1, 15, 15]);
    const b = new Tensor([20, 1, 15, 15]);
    for (let i = 0; i < 20; i++) {
      a.data[i * 225 + 7 * 15 + 7] = 1;
      b.data[i * 225 + 7 * 15 + 7] = 1;
    }
    new RandomAffine({ shift: 3 }).apply(a, new Random(4));
    const first = [...a.data.subarray(0, 225)].indexOf(1);
    new RandomAffine({ shift: 3, degrees: 0.0001 }).apply(b, new Random(4));
    const image = b.data.subarray(0, 225);
    assert.ok(Math.abs(image[first] - 1) < 1e-3, 'the first image moved by the same offset');
  });
});
