import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { Tensor } from '../tensor/tensor.js';
import type { Detection } from './boxes.js';
import { decodeDetections, predictorBoxes } from './decode.js';

// S = 2, B = 2, C = 2 (D = 12 channels), a 100 × 100 image; every other predictor has √w = √h = 0,
// an empty box, which decode drops.
const head = { grid: 2, boxes: 2, classes: 2 };
const D = 12;
const at = (i: number, channel: number, row: number, col: number) => ((i * D + channel) * 2 + row) * 2 + col;

/**
 * Image i:
 *   cell (1, 0) b0: centre (75, 25), 25 × 25 → [62.5, 87.5] × [12.5, 37.5], confidence 0.5
 *   cell (1, 0) b1: centre (80, 25), 25 × 25 → [67.5, 92.5] × [12.5, 37.5] (IoU 500 / 750 = 2/3 with b0),
 *                   confidence 0.25; the cell's class probabilities [0.375, 0.75]
 *   cell (0, 1) b0: centre (0, 75), 100 × 25 → clipped to [0, 50] × [62.5, 87.5], confidence 1.5
 *                   (clamped to 1); class probabilities [1.25, −0.25] (clamped to [1, 0])
 */
function scene(y: Tensor, i: number): void {
  const set = (channel: number, row: number, col: number, values: number[]) =>
    values.forEach((v, k) => {
      y.data[at(i, channel + k, row, col)] = v;
    });
  set(0, 0, 1, [0.5, 0.5, 0.5, 0.5, 0.5]);
  set(5, 0, 1, [0.6, 0.5, 0.5, 0.5, 0.25]);
  set(10, 0, 1, [0.375, 0.75]);
  set(0, 1, 0, [0, 0.5, 1, 0.5, 1.5]);
  set(10, 1, 0, [1.25, -0.25]);
}

/** [x0, y0, x1, y1, cls, score] of each detection, for one assertClose. */
const flat = (detections: Detection[]) => detections.flatMap((d) => [d.x0, d.y0, d.x1, d.y1, d.cls, d.score]);

const wide = [0, 62.5, 50, 87.5, 0, 1]; // cell (0, 1) b0: class 0, score 1 · 1
const b0 = [62.5, 12.5, 87.5, 37.5]; // cell (1, 0)
const b1 = [67.5, 12.5, 92.5, 37.5];

describe('decodeDetections', () => {
  it('scores clamped confidence × clamped class probability, keeps the best class, clips, runs NMS', () => {
    const y = new Tensor([1, D, 2, 2]);
    scene(y, 0);
    // b1 (class 1, score 0.1875) overlaps b0 (class 1, score 0.375) by IoU 2/3 > 0.5: suppressed
    const detections = decodeDetections(y, head, 100, { conf: 0.1, iou: 0.5 });
    assert.equal(detections.length, 1);
    assertClose(flat(detections[0]), [...wide, ...b0, 1, 0.375]);
    // IoU 2/3 ≤ 0.7 keeps b1; conf 0.2 would drop it (0.1875)
    assertClose(flat(decodeDetections(y, head, 100, { conf: 0.1, iou: 0.7 })[0]), [
      ...wide,
      ...b0,
      1,
      0.375,
      ...b1,
      1,
      0.1875,
    ]);
    assertClose(flat(decodeDetections(y, head, 100, { conf: 0.2, iou: 0.7 })[0]), [...wide, ...b0, 1, 0.375]);
  });

  it('with multiLabel keeps a box once per class that passes conf, and NMS stays per class', () => {
    const y = new Tensor([1, D, 2, 2]);
    scene(y, 0);
    // b0: class 0 → 0.1875, class 1 → 0.375; b1: class 0 → 0.09375 (< conf), class 1 → 0.1875 (suppressed)
    const [detections] = decodeDetections(y, head, 100, { conf: 0.125, iou: 0.5, multiLabel: true });
    assertClose(flat(detections), [...wide, ...b0, 1, 0.375, ...b0, 0, 0.1875]);
  });

  it('keeps the maxDet best per image, and decodes each image of a batch, flat or planar', () => {
    const y = new Tensor([2, D, 2, 2]);
    scene(y, 1); // image 0 predicts nothing (every box empty)
    const options = { conf: 0.1, iou: 0.5, maxDet: 1 };
    const detections = decodeDetections(y, head, 100, options);
    assert.deepEqual(detections[0], []);
    assertClose(flat(detections[1]), wide);
    assert.deepEqual(decodeDetections(y.reshape([2, D * 4]), head, 100, options), detections);
  });

  it('refuses bad thresholds, a wrong shape and a non-finite output', () => {
    const y = new Tensor([1, D, 2, 2]);
    const decode =
      (options: object, tensor = y) =>
      () =>
        decodeDetections(tensor, head, 100, { conf: 0.25, iou: 0.45, ...options });
    assert.throws(decode({ conf: 1.5 }), {
      name: 'ValueError',
      message: /conf is 1.5; it must be in \[0, 1\]/,
    });
    assert.throws(decode({ iou: -0.1 }), { name: 'ValueError', message: /iou is -0.1/ });
    assert.throws(decode({ maxDet: 0 }), { name: 'ValueError', message: /maxDet is 0/ });
    assert.throws(decode({}, new Tensor([1, 10, 2, 2])), { name: 'ShapeError', message: /\[n, 12, 2, 2\]/ });
    y.data[3] = Number.POSITIVE_INFINITY;
    assert.throws(decode({}), { name: 'NumericError', message: /y\[3\] is Infinity/ });
  });
});

describe('predictorBoxes', () => {
  it('lists every predictor, cell by cell, with its clipped box and raw outputs', () => {
    const y = new Tensor([2, D, 2, 2]);
    scene(y, 1);
    const outputs = predictorBoxes(y, head, 100, 1);
    assert.equal(outputs.length, 8);
    assert.deepEqual(
      outputs.map((o) => [...o.cell, o.predictor]),
      [
        [0, 0, 0],
        [0, 0, 1],
        [1, 0, 0],
        [1, 0, 1],
        [0, 1, 0],
        [0, 1, 1],
        [1, 1, 0],
        [1, 1, 1],
      ],
    );
    const wideBox = outputs[4];
    assert.deepEqual(wideBox.box, { x0: 0, y0: 62.5, x1: 50, y1: 87.5 });
    assert.equal(wideBox.confidence, 1.5);
    assert.deepEqual(wideBox.classProbabilities, [1.25, -0.25]);
    assertClose([outputs[3].box.x0, outputs[3].box.x1, outputs[3].confidence], [67.5, 92.5, 0.25]);
    // cell (1, 1) b0, all zeros: centre at the cell's top-left corner (50, 50), zero size
    assert.deepEqual(outputs[6].box, { x0: 50, y0: 50, x1: 50, y1: 50 });
    assert.throws(() => predictorBoxes(y, head, 100, 2), { name: 'ValueError', message: /holds 2 images/ });
  });
});
