// @backend-independent: nms is plain TypeScript on arrays of detections; no tensor, no kernel.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Detection } from './boxes.js';
import { nms } from './nms.js';

/** A box spanning [x0, x1) × [0, 10). */
const box = (x0: number, x1: number, cls: number, score: number): Detection => ({
  x0,
  y0: 0,
  x1,
  y1: 10,
  cls,
  score,
});

describe('nms', () => {
  it('drops a box overlapping a better one of its class, never one of another class', () => {
    const best = box(0, 10, 0, 0.9);
    const overlapping = box(1, 11, 0, 0.8); // IoU 90 / 110 ≈ 0.82
    const otherClass = box(1, 11, 1, 0.7);
    assert.deepEqual(nms([overlapping, otherClass, best], 0.5), [best, otherClass]);
    assert.deepEqual(nms([overlapping, otherClass, best], 0.85), [best, overlapping, otherClass]);
  });

  it('suppresses only above the threshold: an IoU equal to it keeps both', () => {
    const a = box(0, 2, 0, 0.9);
    const b = box(1, 3, 0, 0.8); // IoU 1 / 3
    assert.deepEqual(nms([a, b], 1 / 3), [a, b]);
    assert.deepEqual(nms([a, b], 0.3), [a]);
  });

  it('is greedy: a box suppressed by the best does not suppress a third', () => {
    const a = box(0, 10, 0, 0.9);
    const b = box(2, 12, 0, 0.8); // IoU(a, b) = 8 / 12
    const c = box(4, 14, 0, 0.7); // IoU(b, c) = 8 / 12, IoU(a, c) = 6 / 14 ≈ 0.43
    assert.deepEqual(nms([c, b, a], 0.5), [a, c]);
  });

  it('keeps the input order for equal scores, both in what it keeps and in the result', () => {
    const first = box(0, 10, 0, 0.5);
    const twin = box(0, 10, 0, 0.5);
    const elsewhere = box(50, 60, 0, 0.5);
    const result = nms([elsewhere, first, twin], 0.5);
    assert.equal(result.length, 2);
    assert.equal(result[0], elsewhere);
    assert.equal(result[1], first);
    assert.equal(nms([twin, first], 0.5)[0], twin);
  });

  it('returns [] for no detections and refuses a bad threshold or score', () => {
    assert.deepEqual(nms([], 0.5), []);
    assert.throws(() => nms([], 1.5), {
      name: 'ValueError',
      message: /iouThreshold is 1.5; it must be in \[0, 1\]/,
    });
    assert.throws(() => nms([box(0, 1, 0, 0.5), box(0, 1, 0, Number.NaN)], 0.5), {
      name: 'ValueError',
      message: /detection 1 has score NaN/,
    });
  });
});
