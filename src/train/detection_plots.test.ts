// @backend-independent: plot drawing from plain metric numbers; no tensor, layer or kernel
// Tests of the detection plots: where the PR curves land, what the legend says, the confusion matrix's
// orientation, and the errors for mismatched class names.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pngjs from 'pngjs';
import type { Box, Detection, LabeledBox } from '../detection/boxes.js';
import { evaluateDetections } from '../detection/metrics.js';
import { ShapeError } from '../util/errors.js';
import { detectionConfusionPlot, prCurvePlot } from './detection_plots.js';
import { confusionMatrixPlot } from './plots.js';

const box = (x0: number, y0: number, x1: number, y1: number): Box => ({ x0, y0, x1, y1 });
const truth = (b: Box, cls: number): LabeledBox => ({ ...b, cls });
const detection = (b: Box, score: number, cls: number): Detection => ({ ...b, cls, score });

// Class 0: TP, FP, TP (recall 1/2, 1/2, 1; precision 1, 1/2, 2/3; AP50 = 5/6). Class 1: one FP, no truths.
const T1 = box(0, 0, 10, 10);
const T2 = box(20, 0, 30, 10);
const metrics = evaluateDetections(
  [
    {
      truths: [truth(T1, 0), truth(T2, 0)],
      detections: [
        detection(T1, 0.9, 0),
        detection(box(50, 50, 60, 60), 0.8, 0),
        detection(T2, 0.7, 0),
        detection(box(70, 0, 80, 10), 0.6, 1),
      ],
    },
  ],
  2,
);

/** The points of each polyline in an SVG with the given stroke. */
function polylinePoints(svg: string, stroke: string): [number, number][][] {
  return [...svg.matchAll(/<polyline points="([^"]*)"[^>]*stroke="(#[0-9a-f]{6})" stroke-width="([\d.]+)"/g)]
    .filter((m) => m[2] === stroke)
    .map((m) => (m[1] as string).split(' ').map((p) => p.split(',').map(Number) as [number, number]));
}

describe('prCurvePlot', () => {
  const { svg, png } = prCurvePlot(metrics, ['cat', 'dog']);

  it('labels each class with its AP50 and the mean with mAP50', () => {
    assert.match(svg, />cat 0\.833</);
    assert.match(svg, />dog \(no truths\)</);
    assert.match(svg, />all classes 0\.833 mAP50</);
    assert.doesNotMatch(svg, /NaN|undefined/);
  });

  it('draws the interpolated precision on the 101 recalls, precision 1 at the top left', () => {
    // the plot's square runs from (90, 60) to (650, 620): x = 90 + 560·recall, y = 620 − 560·precision
    const [curve, legendLine] = polylinePoints(svg, '#ff7f0e');
    assert.equal(curve?.length, 101);
    assert.deepEqual(curve?.[0], [90, 60]);
    assert.deepEqual(curve?.[50], [370, 60]); // recall 0.5 still reaches precision 1
    assert.deepEqual(curve?.[51], [375.6, 246.67]); // past it, 2/3
    assert.deepEqual(curve?.[100], [650, 246.67]);
    assert.equal(legendLine?.length, 2);
    const [mean] = polylinePoints(svg, '#0b3d91');
    assert.deepEqual(mean, curve, 'one class with truths: the mean is its curve');
    // the class without truths has neither a curve nor a legend line
    assert.deepEqual(polylinePoints(svg, '#2ca02c'), []);
  });

  it('renders the same layout to PNG', () => {
    const image = pngjs.PNG.sync.read(Buffer.from(png));
    const size = /width="(\d+)" height="(\d+)"/.exec(svg);
    assert.equal(image.width, Number(size?.[1]));
    assert.equal(image.height, Number(size?.[2]));
    // the thick mean line: at precision 1 (y = 60) for recall 0.2 (x = 202), at 2/3 (y ≈ 247) for 0.75
    const meanAt = (x: number) =>
      Array.from({ length: image.height }, (_, y) => y).filter((y) => {
        const k = (y * image.width + x) * 4;
        return image.data[k] === 0x0b && image.data[k + 1] === 0x3d && image.data[k + 2] === 0x91;
      });
    const top = meanAt(202);
    assert.ok(top.length > 0 && top.every((y) => Math.abs(y - 60) <= 3), `mean line at rows ${top}`);
    const lower = meanAt(510);
    assert.ok(
      lower.length > 0 && lower.every((y) => Math.abs(y - 246.67) <= 3),
      `mean line at rows ${lower}`,
    );
  });

  it('wants one name per class', () => {
    assert.throws(() => prCurvePlot(metrics, ['cat']), ShapeError);
  });
});

describe('detectionConfusionPlot', () => {
  it('draws the matrix transposed (rows true, columns predicted) with a background class', () => {
    // metrics.confusion, predicted × true: both cats found; a cat and a dog detection match no truth
    assert.deepEqual(metrics.confusion, [
      [2, 0, 1],
      [0, 0, 1],
      [0, 0, 0],
    ]);
    const expected = confusionMatrixPlot(
      [
        [2, 0, 0],
        [0, 0, 0],
        [1, 1, 0],
      ],
      ['cat', 'dog', 'background'],
    );
    assert.equal(detectionConfusionPlot(metrics, ['cat', 'dog']).svg, expected.svg);
  });

  it('wants one name per class', () => {
    assert.throws(() => detectionConfusionPlot(metrics, ['cat', 'dog', 'bird']), {
      name: 'ShapeError',
      message: 'detectionConfusionPlot: got 3 class names for a 3×3 matrix (classes + background)',
    });
  });
});
