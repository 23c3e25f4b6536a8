import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../test/close.js';
import { checkLossGradients } from '../../test/gradcheck.js';
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { encodeTargets } from './encode.js';
import { YoloV1Loss } from './yolo_v1_loss.js';

// The tiny case: S = 2, B = 2, C = 2 (D = 12 channels), a 100 × 100 image.
const head = { grid: 2, boxes: 2, classes: 2 };
const D = 12;
const r = Math.SQRT1_2; // √0.5, the truth's √w and √h

/** Index of y[i, channel, row, col] for a head of D channels on an S × S grid. */
const at = (i: number, channel: number, row: number, col: number, channels = D, S = 2) =>
  ((i * channels + channel) * S + row) * S + col;

/**
 * One image: an object (centre (75, 25), 50 × 50, class 1) in cell (col 1, row 0), i.e. tx = ty = 0.5,
 * tw = th = 0.5, the box [0.5, 1] × [0, 0.5] in image fractions.
 *   b0: x = y = 0.5, √w = √h = 0.5: the box [0.625, 0.875] × [0.125, 0.375], IoU 0.0625 / 0.25 = 1/4
 *   b1: x = y = 0.5, √w = 1, √h = 0.5: [0.25, 1.25] × [0.125, 0.375], IoU 0.125 / 0.375 = 1/3 → responsible
 * Confidences 0.75 (b0) and 0.5 (b1), class probabilities [0.25, 0.5]; in the empty cell (0, 0)
 * confidences 0.5 and −0.25 and class probabilities [0.5, 0.5] (ignored: no object there).
 */
function tinyImage(y: Tensor, i: number): void {
  /** Writes values into channels first, first + 1, … of cell (col, row). */
  const set = (first: number, row: number, col: number, values: number[]) => {
    values.forEach((v, k) => {
      y.data[at(i, first + k, row, col)] = v;
    });
  };
  set(0, 0, 1, [0.5, 0.5, 0.5, 0.5, 0.75]);
  set(5, 0, 1, [0.5, 0.5, 1, 0.5, 0.5]);
  set(10, 0, 1, [0.25, 0.5]);
  set(4, 0, 0, [0.5]);
  set(9, 0, 0, [-0.25, 0.5, 0.5]);
}
const tinyObject = { x0: 50, y0: 0, x1: 100, y1: 50, cls: 1 };

// The tiny image's terms, by hand:
const coord = 5 * ((1 - r) ** 2 + (0.5 - r) ** 2); // b1's √w and √h; its x, y are exact
const obj = (0.5 - 1 / 3) ** 2; // b1's confidence against its IoU
const noobj = 0.5 * (0.75 ** 2 + 0.5 ** 2 + 0.25 ** 2); // b0 in the object cell, both in cell (0, 0)
const cls = 0.25 ** 2 + (0.5 - 1) ** 2;

describe('YoloV1Loss', () => {
  it('adds the four terms by hand on the tiny case (S = 2, B = 2, C = 2), and its gradient', () => {
    const y = new Tensor([1, D, 2, 2]);
    tinyImage(y, 0);
    const { t } = encodeTargets([[tinyObject]], head, 100);
    const loss = new YoloV1Loss(head);
    assertClose([loss.forward(y, t)], [coord + obj + noobj + cls], { rtol: 1e-6 });
    const { terms } = loss;
    assertClose([terms.coord, terms.obj, terms.noobj, terms.cls], [coord, obj, noobj, cls], { rtol: 1e-6 });

    const expected = new Float64Array(y.size);
    expected[at(0, 7, 0, 1)] = 2 * 5 * (1 - r); // b1 √w (x and y have no error)
    expected[at(0, 8, 0, 1)] = 2 * 5 * (0.5 - r); // b1 √h
    expected[at(0, 9, 0, 1)] = 2 * (0.5 - 1 / 3); // b1 confidence: the IoU is a constant
    expected[at(0, 4, 0, 1)] = 2 * 0.5 * 0.75; // b0 confidence (noobj); b0's box gets nothing
    expected[at(0, 10, 0, 1)] = 2 * 0.25;
    expected[at(0, 11, 0, 1)] = 2 * (0.5 - 1);
    expected[at(0, 4, 0, 0)] = 2 * 0.5 * 0.5;
    expected[at(0, 9, 0, 0)] = 2 * 0.5 * -0.25;
    assertClose(loss.backward().data, expected, { rtol: 1e-6, atol: 1e-7 });

    assert.deepEqual(loss.explainImage(0).objects.length, 1);
    const [match] = loss.explainImage(0).objects;
    assert.deepEqual(match.cell, [1, 0]);
    assert.equal(match.responsible, 1);
    assertClose(match.ious, [1 / 4, 1 / 3], { rtol: 1e-6 });
  });

  it('averages over the images, terms and gradient alike, and explains each image', () => {
    const y = new Tensor([2, D, 2, 2]);
    tinyImage(y, 0);
    tinyImage(y, 1);
    // image 1 has no object: all four of its confidences are noobj
    const { t } = encodeTargets([[tinyObject], []], head, 100);
    const loss = new YoloV1Loss(head);
    const emptyNoobj = 0.5 * (0.75 ** 2 + 0.5 ** 2 + 0.5 ** 2 + 0.25 ** 2);
    assertClose([loss.forward(y, t)], [(coord + obj + noobj + cls + emptyNoobj) / 2], { rtol: 1e-6 });
    assertClose([loss.terms.noobj, loss.terms.cls], [(noobj + emptyNoobj) / 2, cls / 2], { rtol: 1e-6 });
    const image1 = loss.explainImage(1);
    assert.deepEqual(image1.objects, []);
    assertClose(
      [image1.terms.coord, image1.terms.obj, image1.terms.noobj, image1.terms.cls],
      [0, 0, emptyNoobj, 0],
      {
        rtol: 1e-6,
      },
    );
    const dy = loss.backward();
    assertClose([dy.data[at(0, 8, 0, 1)], dy.data[at(1, 9, 0, 1)]], [5 * (0.5 - r), 0.5 * 0.5], {
      rtol: 1e-6,
    });
    assert.equal(dy.data[at(1, 8, 0, 1)], 0, 'no coord gradient without an object');
  });

  it('accepts the flat head output [n, D·S·S], the same memory', () => {
    const y = new Tensor([1, D, 2, 2]);
    tinyImage(y, 0);
    const { t } = encodeTargets([[tinyObject]], head, 100);
    const loss = new YoloV1Loss(head);
    const planar = loss.forward(y, t);
    assert.equal(loss.forward(y.reshape([1, D * 4]), t), planar);
    assert.deepEqual(loss.backward().shape, [1, D * 4]);
  });

  it('takes its weights from the options, and rescore: false aims the confidence at 1', () => {
    const y = new Tensor([1, D, 2, 2]);
    tinyImage(y, 0);
    const { t } = encodeTargets([[tinyObject]], head, 100);
    const loss = new YoloV1Loss(head, { coord: 1, noobj: 2, obj: 3, cls: 4, rescore: false });
    loss.forward(y, t);
    const { terms } = loss;
    assertClose(
      [terms.coord, terms.obj, terms.noobj, terms.cls],
      [coord / 5, 3 * (0.5 - 1) ** 2, 4 * noobj, 4 * cls],
      { rtol: 1e-6 },
    );
    assertClose([loss.backward().data[at(0, 9, 0, 1)]], [2 * 3 * (0.5 - 1)], { rtol: 1e-6 });
  });

  it('picks the highest IoU, the lowest b among equals; with no overlap, the nearest centre', () => {
    const loss = new YoloV1Loss(head);
    const { t } = encodeTargets([[{ x0: 15, y0: 15, x1: 35, y1: 35, cls: 0 }]], head, 100); // tx = ty = 0.5
    const responsible = (b0: number[], b1: number[]) => {
      const y = new Tensor([1, D, 2, 2]);
      b0.forEach((v, k) => {
        y.data[at(0, k, 0, 0)] = v;
      });
      b1.forEach((v, k) => {
        y.data[at(0, 5 + k, 0, 0)] = v;
      });
      loss.forward(y, t);
      return loss.explainImage(0).objects[0].responsible;
    };
    const box = [0.5, 0.5, Math.sqrt(0.2), Math.sqrt(0.2)]; // the truth itself
    assert.equal(responsible(box, box), 0, 'equal IoUs: b0');
    assert.equal(responsible([0.9, 0.9, 0.3, 0.3], box), 1, 'higher IoU');
    // √w = √h = 0: empty boxes, IoU 0 for both; b1's centre (0.3, 0.5) is nearer than b0's (0.9, 0.9)
    assert.equal(responsible([0.9, 0.9, 0, 0], [0.3, 0.5, 0, 0]), 1, 'nearest centre');
    assert.equal(responsible([0.75, 0.5, 0, 0], [0.25, 0.5, 0, 0]), 0, 'equal distances: b0');
  });

  it('passes a numerical gradient check (batch 2, S = 3, B = 2, C = 3, objects and empty cells)', () => {
    const big = { grid: 3, boxes: 2, classes: 3 };
    const labels = [
      [
        { x0: 10, y0: 10, x1: 40, y1: 40, cls: 0 }, // cell (0, 0)
        { x0: 60, y0: 70, x1: 90, y1: 80, cls: 2 }, // cell (2, 2)
      ],
      [{ x0: 35, y0: 35, x1: 65, y1: 55, cls: 1 }], // cell (1, 1)
    ];
    const { t } = encodeTargets(labels, big, 90);
    const rng = new Random(7);
    const y = Tensor.rand([2, 13, 3, 3], rng);
    for (let k = 0; k < y.size; k++) y.data[k] = 2 * y.data[k] - 1;
    // In each object cell b0 sits near the truth and b1 far off (centre at the cell's corner), so a
    // central difference never changes which predictor is responsible.
    for (let i = 0; i < 2; i++) {
      for (let row = 0; row < 3; row++) {
        for (let col = 0; col < 3; col++) {
          if (t.at(i, 0, row, col) !== 1) continue;
          const truth = [1, 2, 3, 4].map((k) => t.at(i, k, row, col));
          const near = [
            truth[0] + 0.05,
            truth[1] - 0.05,
            Math.sqrt(truth[2]) + 0.1,
            Math.sqrt(truth[3]) - 0.05,
          ];
          near.forEach((v, k) => {
            y.data[at(i, k, row, col, 13, 3)] = v;
          });
          [0, 0, 0.1, 0.1].forEach((v, k) => {
            y.data[at(i, 5 + k, row, col, 13, 3)] = v;
          });
        }
      }
    }
    // rescore: false makes the loss a plain function of y (the IoU target is a constant only in backward)
    checkLossGradients(new YoloV1Loss(big, { rescore: false }), y, t);
    checkLossGradients(
      new YoloV1Loss(big, { coord: 2, noobj: 0.25, obj: 3, cls: 0.5, rescore: false }),
      y,
      t,
    );
  });

  it('aims the confidence at the IoU with rescore (the default), at 1 without', () => {
    const y = new Tensor([1, D, 2, 2]);
    tinyImage(y, 0);
    const { t } = encodeTargets([[tinyObject]], head, 100);
    const rescored = new YoloV1Loss(head).forward(y, t);
    const plain = new YoloV1Loss(head, { rescore: false });
    // (0.5 − 1/3)² against (0.5 − 1)²
    assertClose([plain.forward(y, t) - rescored], [0.25 - 1 / 36], { rtol: 1e-5 });
  });

  it('names both shapes and what t should be when they do not fit', () => {
    const loss = new YoloV1Loss(head);
    const y = new Tensor([2, D, 2, 2]);
    assert.throws(() => loss.forward(y, new Tensor([2, D, 2, 2])), {
      name: 'ShapeError',
      message:
        /t has shape \[2, 12, 2, 2\] but y has shape \[2, 12, 2, 2\]; t must be \[2, 7, 2, 2\] .*encodeTargets/,
    });
    assert.throws(() => loss.forward(y, new Tensor([1, 7, 2, 2])), ShapeError);
    assert.throws(() => loss.forward(new Tensor([2, 10, 2, 2]), new Tensor([2, 7, 2, 2])), {
      name: 'ShapeError',
      message:
        /y has shape \[2, 10, 2, 2\], but a head with S = 2, B = 2, C = 2 outputs \[n, 12, 2, 2\] \(or \[n, 48\]\)/,
    });
  });

  it('refuses a non-finite y, a t that is not 0/1 objectness, bad options and early calls', () => {
    const loss = new YoloV1Loss(head);
    assert.throws(() => loss.backward(), /backward called before forward/);
    assert.throws(() => loss.explainImage(0), /explainImage called before forward/);
    const y = new Tensor([1, D, 2, 2]);
    const t = new Tensor([1, 7, 2, 2]);
    y.data[16] = Number.NaN; // b0's confidence in cell (0, 0)
    assert.throws(() => loss.forward(y, t), {
      name: 'NumericError',
      message: /loss is NaN \(y\[16\] = NaN\)/,
    });
    y.data[16] = 0;
    t.data[at(0, 0, 1, 0, 7)] = 0.5;
    assert.throws(() => loss.forward(y, t), {
      name: 'ValueError',
      message: /t\[0, 0, 1, 0\] \(objectness\) is 0.5; it must be 0 or 1/,
    });
    t.data[at(0, 0, 1, 0, 7)] = 0;
    loss.forward(y, t);
    assert.throws(() => loss.explainImage(1), { name: 'ValueError', message: /had 1 images/ });
    assert.throws(() => new YoloV1Loss(head, { noobj: -1 }), { name: 'ValueError', message: /noobj is -1/ });
    assert.throws(() => new YoloV1Loss({ ...head, boxes: 0 }), ValueError);
  });
});
