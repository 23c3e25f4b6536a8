import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import type { Tensor } from '../tensor/tensor.js';
import { DataError, ValueError } from '../util/errors.js';
import { encodeTargets, gridCell } from './encode.js';

const head = { grid: 2, boxes: 2, classes: 3 };

/** The 8 target channels of cell (col, row) of image i. */
function cell(t: Tensor, i: number, col: number, row: number): number[] {
  return Array.from({ length: 8 }, (_, channel) => t.at(i, channel, row, col));
}

describe('encodeTargets', () => {
  it('puts a box in the cell of its centre: objectness, offset in the cell, size in the image, one-hot', () => {
    // centre (30, 10) of 100: cell (0, 0), offset (0.3·2, 0.1·2); size 40 × 20 → 0.4 × 0.2
    const { t, dropped } = encodeTargets([[{ x0: 10, y0: 0, x1: 50, y1: 20, cls: 2 }]], head, 100);
    assert.deepEqual(t.shape, [1, 8, 2, 2]);
    assert.equal(dropped, 0);
    assertClose(cell(t, 0, 0, 0), [1, 0.6, 0.2, 0.4, 0.2, 0, 0, 1], { rtol: 1e-6 });
    for (const [col, row] of [
      [1, 0],
      [0, 1],
      [1, 1],
    ]) {
      assert.deepEqual(cell(t, 0, col, row), [0, 0, 0, 0, 0, 0, 0, 0]);
    }
  });

  it('sends a centre on a cell border to the next cell, and one on the right/bottom edge to the last', () => {
    const { t } = encodeTargets(
      [
        [{ x0: 40, y0: 40, x1: 60, y1: 60, cls: 0 }], // centre (50, 50): cell (1, 1), offset (0, 0)
        [{ x0: 90, y0: 80, x1: 110, y1: 120, cls: 1 }], // centre (100, 100): cell (1, 1), offset (1, 1)
      ],
      head,
      100,
    );
    assertClose(cell(t, 0, 1, 1), [1, 0, 0, 0.2, 0.2, 1, 0, 0], { rtol: 1e-6 });
    assertClose(cell(t, 1, 1, 1), [1, 1, 1, 0.2, 0.4, 0, 1, 0], { rtol: 1e-6 });
  });

  it('keeps the first of two objects in one cell and counts the rest as dropped', () => {
    const { t, dropped } = encodeTargets(
      [
        [
          { x0: 0, y0: 0, x1: 20, y1: 20, cls: 1 }, // cell (0, 0)
          { x0: 10, y0: 10, x1: 30, y1: 30, cls: 2 }, // cell (0, 0) again: dropped
          { x0: 60, y0: 0, x1: 80, y1: 20, cls: 0 }, // cell (1, 0)
          { x0: 5, y0: 5, x1: 15, y1: 15, cls: 0 }, // cell (0, 0) again: dropped
        ],
        [],
        [{ x0: 10, y0: 10, x1: 30, y1: 30, cls: 2 }], // another image: its own cell (0, 0)
      ],
      head,
      100,
    );
    assert.equal(dropped, 2);
    assertClose(cell(t, 0, 0, 0), [1, 0.2, 0.2, 0.2, 0.2, 0, 1, 0], { rtol: 1e-6 });
    assertClose(cell(t, 0, 1, 0), [1, 0.4, 0.2, 0.2, 0.2, 1, 0, 0], { rtol: 1e-6 });
    assert.ok(
      Array.from({ length: 32 }, (_, k) => t.data[32 + k]).every((v) => v === 0),
      'image 1 is empty',
    );
    assertClose(cell(t, 2, 0, 0), [1, 0.4, 0.4, 0.2, 0.2, 0, 0, 1], { rtol: 1e-6 });
  });

  it('names the image, the box and the rule for a bad class or box', () => {
    const ok = { x0: 10, y0: 10, x1: 20, y1: 20, cls: 0 };
    const encode = (bad: object) => () => encodeTargets([[ok], [ok, { ...ok, ...bad }]], head, 100);
    assert.throws(encode({ cls: 3 }), {
      name: 'DataError',
      message:
        /image 1, box 1 \(x0 10, y0 10, x1 20, y1 20, cls 3\): the class must be a whole number in \[0, 3\)/,
    });
    assert.throws(encode({ cls: 0.5 }), DataError);
    assert.throws(encode({ cls: -1 }), DataError);
    assert.throws(encode({ x1: Number.NaN }), { name: 'DataError', message: /not a finite number/ });
    assert.throws(encode({ x1: 10 }), { name: 'DataError', message: /empty or inverted/ });
    assert.throws(encode({ y0: 30 }), { name: 'DataError', message: /empty or inverted/ });
    assert.throws(encode({ x0: -60, x1: 60 }), {
      name: 'DataError',
      message: /larger than the 100 × 100 image/,
    });
    assert.throws(encode({ x0: 95, x1: 115 }), {
      name: 'DataError',
      message: /centre \(105, 15\) is outside the 100 × 100 image/,
    });
  });

  it('refuses a bad image size or head', () => {
    assert.throws(() => encodeTargets([], head, 0), { name: 'ValueError', message: /imageSize is 0/ });
    assert.throws(() => encodeTargets([], { ...head, grid: 1.5 }, 100), {
      name: 'ValueError',
      message: /head.grid is 1.5; it must be a whole number >= 1/,
    });
    assert.throws(() => encodeTargets([], { ...head, classes: 0 }, 100), ValueError);
  });

  it("reuses the tensor it is given (a training loop passes the last batch's t back), cleared first", () => {
    const head = { grid: 2, boxes: 2, classes: 3 };
    const first = encodeTargets([[{ x0: 10, y0: 0, x1: 50, y1: 20, cls: 2 }]], head, 100).t;
    const again = encodeTargets([[{ x0: 60, y0: 60, x1: 80, y1: 90, cls: 0 }]], head, 100, first).t;
    assert.equal(again, first);
    assert.equal(again.data[0], 0, "the first box's cell is cleared");
    assert.equal(again.at(0, 0, 1, 1), 1);
    const smaller = encodeTargets([], head, 100, first).t;
    assert.deepEqual(smaller.shape, [0, 8, 2, 2]);
    assert.equal(smaller.storage, first.storage, 'a smaller batch is a view of the same memory');
  });

  it('gridCell: the cell of the box centre, a centre on the far edge in the last cell', () => {
    assert.deepEqual(gridCell({ x0: 10, y0: 0, x1: 50, y1: 20 }, 2, 100), [0, 0]);
    assert.deepEqual(gridCell({ x0: 40, y0: 60, x1: 80, y1: 100 }, 2, 100), [1, 1]);
    assert.deepEqual(gridCell({ x0: 90, y0: 90, x1: 110, y1: 110 }, 2, 100), [1, 1], 'centre (100, 100)');
  });
});
