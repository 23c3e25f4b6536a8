// @backend-independent: box arithmetic on plain objects; no tensor, layer or kernel
// Tests of the detection metrics: small cases computed on paper, and a cross-check against pycocotools
// (COCO AP) and a numpy VOC implementation on random data (tools/detection_metrics_fixture.py).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ValueError } from '../util/errors.js';
import type { Box, Detection, LabeledBox } from './boxes.js';
import { type ClassMetrics, evaluateDetections, type ImageBoxes } from './metrics.js';

const box = (x0: number, y0: number, x1: number, y1: number): Box => ({ x0, y0, x1, y1 });
const truth = (b: Box, cls = 0): LabeledBox => ({ ...b, cls });
const detection = (b: Box, score: number, cls = 0): Detection => ({ ...b, cls, score });

function close(actual: number, expected: number, what: string, tolerance = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, expected ${expected}`);
}

// Two truths and three detections of one class, ranked: TP (on T1), FP (nowhere), TP (on T2).
//   recall 1/2, 1/2, 1    precision 1, 1/2, 2/3    envelope 1, 2/3, 2/3
const T1 = box(0, 0, 10, 10);
const T2 = box(20, 0, 30, 10);
const threeDetections: ImageBoxes[] = [
  {
    truths: [truth(T1), truth(T2)],
    detections: [detection(T2, 0.7), detection(box(50, 50, 60, 60), 0.8), detection(T1, 0.9)],
  },
];

describe('evaluateDetections on cases computed by hand', () => {
  it('three detections: all-point, 11-point and 101-point AP', () => {
    const m = evaluateDetections(threeDetections, 1);
    const c = m.perClass[0] as ClassMetrics;
    close(c.AP50, 0.5 * 1 + 0.5 * (2 / 3), 'AP50'); // 5/6
    close(c.ap11, (6 * 1 + 5 * (2 / 3)) / 11, 'ap11'); // r = 0 … 0.5 reach precision 1, r = 0.6 … 1 reach 2/3
    // IoU is 1 for both hits, so every threshold gives the same curve: 51 recalls (0 … 0.5) at 1, 50 at 2/3
    close(c.AP50_coco, (51 + 50 * (2 / 3)) / 101, 'AP50_coco');
    close(c.AP50_95, (51 + 50 * (2 / 3)) / 101, 'AP50_95');
    close(m.mAP50, 5 / 6, 'mAP50');
    assert.equal(c.truths, 2);
    assert.equal(c.detections, 3);
    const curve = m.curves[0];
    assert.deepEqual(curve?.scores, [0.9, 0.8, 0.7]);
    assert.deepEqual(curve?.recall, [0.5, 0.5, 1]);
    assert.deepEqual(curve?.precision, [1, 0.5, 2 / 3]);
    assert.equal(curve?.interpolated.length, 101);
    assert.equal(curve?.interpolated[50], 1);
    assert.equal(curve?.interpolated[51], 2 / 3);
    assert.equal(curve?.interpolated[100], 2 / 3);
  });

  it('precision and recall at the first confidence of the best smoothed F1', () => {
    // Below score 0.7 every class reads P = 2/3, R = 1, F1 = 0.8, the highest anywhere; the plateau
    // starts at the grid's first confidence, 0.
    const m = evaluateDetections(threeDetections, 1);
    assert.equal(m.confidence, 0);
    close(m.precision, 2 / 3, 'precision');
    close(m.recall, 1, 'recall');
  });

  it('a duplicate is a false positive (VOC) but COCO matching moves on to the next free truth', () => {
    // T1 and T2 overlap with IoU 80/120 = 2/3. Both detections sit exactly on T1.
    const a = box(0, 0, 10, 10);
    const b = box(2, 0, 12, 10);
    const m = evaluateDetections(
      [{ truths: [truth(a), truth(b)], detections: [detection(a, 0.9), detection(a, 0.8)] }],
      1,
    );
    const c = m.perClass[0] as ClassMetrics;
    // VOC: the second's best truth (T1, IoU 1) is taken, so FP: recall 1/2 at precision 1, AP = 1/2
    close(c.AP50, 0.5, 'AP50');
    assert.deepEqual(m.curves[0]?.precision, [1, 0.5]);
    // COCO at t ≤ 0.65 matches T2 (IoU 2/3): AP 1. At t ≥ 0.7, recall stops at 1/2: 51 of 101 recalls at 1.
    close(c.AP50_coco, 1, 'AP50_coco');
    close(c.AP50_95, (4 * 1 + 6 * (51 / 101)) / 10, 'AP50_95');
  });

  it('a class without truths has NaN numbers and is left out of the means', () => {
    const m = evaluateDetections(
      [{ truths: [truth(T1)], detections: [detection(T1, 0.9), detection(T2, 0.6, 1)] }],
      2,
    );
    const [first, second] = m.perClass as [ClassMetrics, ClassMetrics];
    assert.equal(first.AP50, 1);
    for (const key of ['AP50', 'ap11', 'AP50_95', 'AP50_coco', 'precision', 'recall'] as const)
      assert.ok(Number.isNaN(second[key]), `${key} of a class without truths`);
    assert.equal(second.detections, 1);
    assert.equal(second.truths, 0);
    assert.equal(m.classesWithTruths, 1);
    assert.equal(m.mAP50, 1);
    assert.equal(m.mAP50_95, 1);
    assert.equal(m.precision, 1);
    assert.equal(m.recall, 1);
    assert.deepEqual(m.curves[1]?.recall, []);
    assert.deepEqual(m.curves[1]?.precision, [0]);
  });

  it('no detections: every AP, precision and recall is 0 and the truths are missed', () => {
    const m = evaluateDetections([{ truths: [truth(T1), truth(T2, 1)], detections: [] }], 2);
    for (const key of ['mAP50', 'ap11', 'mAP50_95', 'mAP50_coco', 'precision', 'recall'] as const)
      assert.equal(m[key], 0, key);
    assert.deepEqual(m.confusion, [
      [0, 0, 0],
      [0, 0, 0],
      [1, 1, 0],
    ]);
  });

  it('no images at all: the means are NaN', () => {
    const m = evaluateDetections([], 3);
    assert.ok(Number.isNaN(m.mAP50));
    assert.ok(Number.isNaN(m.confidence));
    assert.equal(m.classesWithTruths, 0);
  });

  it('equal scores keep the input order: the earlier image ranks first', () => {
    const miss: ImageBoxes = { truths: [], detections: [detection(T2, 0.5)] };
    const hit: ImageBoxes = { truths: [truth(T1)], detections: [detection(T1, 0.5)] };
    close(evaluateDetections([miss, hit], 1).mAP50, 0.5, 'FP ranked first'); // precision 1/2 at recall 1
    close(evaluateDetections([hit, miss], 1).mAP50, 1, 'TP ranked first');
  });

  it('only each image’s maxDetections best scores count', () => {
    const image: ImageBoxes = {
      truths: [truth(T1)],
      detections: [detection(T2, 0.9), detection(box(40, 40, 50, 50), 0.8), detection(T1, 0.7)],
    };
    assert.equal(evaluateDetections([image], 1).mAP50, 1 / 3);
    const capped = evaluateDetections([image], 1, { maxDetections: 2 });
    assert.equal(capped.mAP50, 0);
    assert.equal(capped.perClass[0]?.detections, 2);
  });

  it('the confusion matrix: rows predicted, columns true, background last', () => {
    const a = box(0, 0, 10, 10);
    const b = box(20, 20, 30, 30);
    const c = box(50, 50, 60, 60);
    const m = evaluateDetections(
      [
        {
          truths: [truth(a, 0), truth(b, 1), truth(c, 1)],
          detections: [
            detection(box(1, 0, 10, 10), 0.9, 1), // a class-1 box on a class-0 truth (IoU 0.9)
            detection(b, 0.8, 1), // right
            detection(c, 0.2, 0), // under the 0.25 score: ignored, so truth c is missed
            detection(box(70, 70, 80, 80), 0.5, 0), // on nothing
          ],
        },
      ],
      2,
    );
    assert.deepEqual(m.confusion, [
      [0, 0, 1],
      [1, 1, 0],
      [0, 1, 0],
    ]);
    // At IoU 0.95 the shifted box no longer pairs: truth a is missed and the detection is background
    const strict = evaluateDetections(
      [{ truths: [truth(a, 0)], detections: [detection(box(1, 0, 10, 10), 0.9, 1)] }],
      2,
      { confusionIou: 0.95 },
    );
    assert.deepEqual(strict.confusion, [
      [0, 0, 0],
      [0, 0, 1],
      [1, 0, 0],
    ]);
  });

  it('bad input is an error naming the image and box', () => {
    const bad =
      (images: ImageBoxes[], classes = 2) =>
      () =>
        evaluateDetections(images, classes);
    assert.throws(bad([{ truths: [truth(T1, 2)], detections: [] }]), {
      name: 'ValueError',
      message: 'evaluateDetections: image 0, truth 0 has class 2; classes are 0..1',
    });
    assert.throws(bad([{ truths: [], detections: [detection(T1, 1.5)] }]), {
      message: 'evaluateDetections: image 0, detection 0 has score 1.5; expected [0, 1]',
    });
    assert.throws(
      bad([
        { truths: [], detections: [] },
        { truths: [truth(box(5, 0, 1, 1))], detections: [] },
      ]),
      {
        message:
          'evaluateDetections: image 1, truth 0 has box [5, 0, 1, 1]; expected finite x0 <= x1 and y0 <= y1',
      },
    );
    assert.throws(bad([], 0), ValueError);
    assert.throws(
      () => evaluateDetections([], 1, { maxDetections: 0 }),
      /maxDetections must be an integer >= 1/,
    );
  });
});

// The fixture's compact rows: a truth is [cls, x0, y0, x1, y1], a detection [cls, x0, y0, x1, y1, score].
interface FixtureClass {
  AP50: number | null;
  ap11: number | null;
  AP50_95: number | null;
  AP50_coco: number | null;
  precision?: number;
  recall?: number;
  truths: number;
  detections: number;
  interpolated: number[] | null;
}
interface FixtureCase {
  name: string;
  classes: number;
  images: { truths: number[][]; detections: number[][] }[];
  expected: {
    mAP50: number;
    ap11: number;
    mAP50_95: number;
    mAP50_coco: number;
    precision: number;
    recall: number;
    confidence: number;
    classesWithTruths: number;
    perClass: FixtureClass[];
    confusion: number[][];
  };
}
interface Fixture {
  maxDetections: number;
  confusionScore: number;
  confusionIou: number;
  cases: FixtureCase[];
}

const fixture: Fixture = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../src/detection/fixtures/detection_metrics.json', import.meta.url)),
    'utf8',
  ),
);

describe('evaluateDetections against pycocotools and a numpy VOC implementation', () => {
  for (const testCase of fixture.cases) {
    it(testCase.name, () => {
      const images: ImageBoxes[] = testCase.images.map((image) => ({
        truths: image.truths.map(([cls, x0, y0, x1, y1]) => ({ cls, x0, y0, x1, y1 }) as LabeledBox),
        detections: image.detections.map(
          ([cls, x0, y0, x1, y1, score]) => ({ cls, x0, y0, x1, y1, score }) as Detection,
        ),
      }));
      const m = evaluateDetections(images, testCase.classes, fixture);
      const want = testCase.expected;
      for (const key of [
        'mAP50',
        'ap11',
        'mAP50_95',
        'mAP50_coco',
        'precision',
        'recall',
        'confidence',
      ] as const)
        close(m[key], want[key], key, 1e-4);
      assert.equal(m.classesWithTruths, want.classesWithTruths);
      want.perClass.forEach((expected, cls) => {
        const got = m.perClass[cls] as ClassMetrics;
        assert.equal(got.truths, expected.truths, `class ${cls} truths`);
        assert.equal(got.detections, expected.detections, `class ${cls} detections`);
        for (const key of ['AP50', 'ap11', 'AP50_95', 'AP50_coco', 'precision', 'recall'] as const) {
          const value = expected[key];
          if (value === null || value === undefined) assert.ok(Number.isNaN(got[key]), `class ${cls} ${key}`);
          else close(got[key], value, `class ${cls} ${key}`, 1e-4);
        }
        const interpolated = m.curves[cls]?.interpolated as number[];
        expected.interpolated?.forEach((p, k) => {
          close(interpolated[k] as number, p, `class ${cls} interpolated[${k}]`, 1e-4);
        });
      });
      assert.deepEqual(m.confusion, want.confusion);
    });
  }

  it('the fixture exercises ties, the cap and classes without truths', () => {
    const scores = fixture.cases.flatMap((c) => c.images.flatMap((i) => i.detections.map((d) => d[5])));
    assert.ok(new Set(scores).size < scores.length / 5, 'many equal scores');
    assert.ok(fixture.cases.some((c) => c.images.some((i) => i.detections.length > fixture.maxDetections)));
    assert.ok(fixture.cases.some((c) => c.expected.classesWithTruths < c.classes));
  });
});
