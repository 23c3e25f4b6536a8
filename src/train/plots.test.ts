// @backend-independent: plot drawing and PNG writing; no layer, model or kernel

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pngjs from 'pngjs';
import { ShapeError, ValueError } from '../util/errors.js';
import { confusionMatrixPlot, type EpochResult, niceScale, resultsPlot, writePlots } from './plots.js';

// The curve colours plots.ts uses: train loss, val loss, val accuracy.
const TRAIN = [0x1f, 0x77, 0xb4];
const VAL = [0xff, 0x7f, 0x0e];
const ACCURACY = [0x2c, 0xa0, 0x2c];

interface Image {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes a plot's PNG bytes to RGBA pixels. */
function read(png: Uint8Array): Image {
  return pngjs.PNG.sync.read(Buffer.from(png));
}

/** Pixels of exactly `rgb` (the solid core of a line or dot) with x in [fromX, toX). */
function pixelsOf(image: Image, rgb: number[], fromX = 0, toX = image.width): [number, number][] {
  const found: [number, number][] = [];
  for (let y = 0; y < image.height; y++) {
    for (let x = fromX; x < toX; x++) {
      const k = (y * image.width + x) * 4;
      if (image.data[k] === rgb[0] && image.data[k + 1] === rgb[1] && image.data[k + 2] === rgb[2])
        found.push([x, y]);
    }
  }
  return found;
}

/** Mean y of the curve pixels in the leftmost and the rightmost column that have any. */
function curveEnds(pixels: [number, number][]): { leftY: number; rightY: number } {
  const xs = pixels.map(([x]) => x);
  const meanY = (column: number) => {
    const ys = pixels.filter(([x]) => x === column).map(([, y]) => y);
    return ys.reduce((a, b) => a + b, 0) / ys.length;
  };
  return { leftY: meanY(Math.min(...xs)), rightY: meanY(Math.max(...xs)) };
}

/** Checks that every tag closes in order and every attribute is quoted: enough to load as XML. */
function assertWellFormed(svg: string): void {
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const stack: string[] = [];
  for (const [tag, closing, name, attributes, selfClosing] of svg.matchAll(/<(\/?)([a-z]+)([^>]*?)(\/?)>/g)) {
    assert.match(attributes as string, /^(\s+[a-zA-Z-]+="[^"<>]*")*\s*$/, `attributes of ${tag}`);
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `closing ${tag}`);
    else stack.push(name as string);
  }
  assert.deepEqual(stack, [], 'all tags closed');
  assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
}

/** The polylines of an SVG: stroke colour and number of points. */
function polylines(svg: string): { stroke: string; points: number }[] {
  return [...svg.matchAll(/<polyline points="([^"]*)"[^>]*stroke="(#[0-9a-f]{6})"/g)].map((m) => ({
    stroke: m[2] as string,
    points: (m[1] as string).split(' ').length,
  }));
}

function pointCounts(svg: string, rgb: number[]): number[] {
  const hex = `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  return polylines(svg)
    .filter((p) => p.stroke === hex)
    .map((p) => p.points)
    .sort((a, b) => a - b);
}

function run(epochs: number, loss: (e: number) => number, accuracy: (e: number) => number): EpochResult[] {
  return Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    trainLoss: loss(i + 1),
    valLoss: loss(i + 1) * 1.2,
    valAccuracy: accuracy(i + 1),
  }));
}

describe('niceScale', () => {
  it('labels round values at 1, 2 or 5 × 10ᵏ inside a range with a margin', () => {
    const scale = niceScale(0.12, 0.93);
    assert.deepEqual(scale.labels, ['0.2', '0.4', '0.6', '0.8']);
    assert.ok(scale.min < 0.12 && scale.max > 0.93);
    assert.deepEqual(niceScale(1, 12, { integer: true }).ticks, [2, 4, 6, 8, 10, 12]);
  });

  it('widens constant and empty ranges instead of dividing by zero', () => {
    assert.deepEqual(niceScale(1, 1, { integer: true }).ticks, [1]);
    const constant = niceScale(0.5, 0.5);
    assert.ok(constant.min < 0.5 && constant.max > 0.5 && constant.ticks.includes(0.5));
    assert.deepEqual(niceScale(0, 0).labels, ['-1.0', '-0.5', '0.0', '0.5', '1.0']);
    assert.deepEqual(niceScale(Infinity, -Infinity).labels, ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
  });

  it('keeps the margin inside limits and switches to exponents for tiny steps', () => {
    assert.equal(niceScale(0.9, 1, { limits: [0, 1] }).max, 1);
    assert.equal(niceScale(1, 1, { limits: [0, 1] }).max, 1);
    assert.ok(niceScale(1.5, 2, { limits: [0, 1] }).max > 2, 'data beyond a limit is not cut off');
    assert.deepEqual(niceScale(1e-7, 5e-7).labels, ['1e-7', '2e-7', '3e-7', '4e-7', '5e-7']);
    assert.deepEqual(niceScale(0, 3e6).labels, ['0', '5e+5', '1e+6', '1.5e+6', '2e+6', '2.5e+6', '3e+6']);
  });
});

describe('resultsPlot', () => {
  it('draws a falling loss that starts high on the left and a rising accuracy on the right panel', () => {
    const rows = run(
      8,
      (e) => 1 / e,
      (e) => 1 - 0.3 / e,
    ).map((row) => ({ ...row, valLoss: Number.NaN }));
    const image = read(resultsPlot(rows).png);
    assert.equal(image.width, 1100);
    assert.equal(image.height, 460);
    const half = image.width / 2;
    // With val loss all NaN the loss panel has one series, hence no legend to mistake for the curve.
    const loss = pixelsOf(image, TRAIN, 0, half);
    assert.ok(loss.length > 100, `train loss pixels: ${loss.length}`);
    const lossEnds = curveEnds(loss);
    assert.ok(lossEnds.leftY < lossEnds.rightY - 150, `loss falls: ${JSON.stringify(lossEnds)}`);
    assert.equal(pixelsOf(image, VAL).length, 0, 'no val curve or legend entry');
    const accuracy = pixelsOf(image, ACCURACY, half);
    assert.ok(accuracy.length > 100);
    const accuracyEnds = curveEnds(accuracy);
    assert.ok(
      accuracyEnds.leftY > accuracyEnds.rightY + 150,
      `accuracy rises: ${JSON.stringify(accuracyEnds)}`,
    );
    assert.equal(pixelsOf(image, ACCURACY, 0, half).length, 0, 'accuracy stays in its panel');
  });

  it('writes the same curves to SVG: one polyline per series with a point per epoch, plus legend samples', () => {
    const { svg } = resultsPlot(
      run(
        5,
        (e) => 1 / e,
        (e) => 0.9 + e / 100,
      ),
    );
    assertWellFormed(svg);
    assert.deepEqual(pointCounts(svg, TRAIN), [2, 5]); // legend sample, curve
    assert.deepEqual(pointCounts(svg, VAL), [2, 5]);
    assert.deepEqual(pointCounts(svg, ACCURACY), [5]);
    for (const label of [
      'loss',
      'val accuracy',
      'epoch',
      'train',
      'val',
      'best val accuracy 0.9500 (epoch 5)',
    ])
      assert.ok(svg.includes(`>${label}<`) || svg.includes(label), `label '${label}'`);
  });

  it('breaks a line at NaN and marks a point left without neighbours', () => {
    const rows = run(
      6,
      (e) => 1 / e,
      (e) => 0.9 + e / 100,
    );
    (rows[1] as EpochResult).valLoss = Number.NaN;
    (rows[4] as EpochResult).valAccuracy = Number.POSITIVE_INFINITY;
    const { svg, png } = resultsPlot(rows);
    assertWellFormed(svg);
    assert.deepEqual(pointCounts(svg, VAL), [2, 4]); // legend sample, epochs 3–6; epoch 1 is a lone dot
    assert.deepEqual(pointCounts(svg, ACCURACY), [4]); // epochs 1–4; epoch 6 is a lone dot; no legend
    assert.equal(
      (svg.match(/<circle[^>]*fill="#2ca02c"/g) ?? []).length,
      5,
      'a dot on every finite accuracy',
    );
    assert.ok(pixelsOf(read(png), VAL).length > 0);
  });

  it('draws a single epoch as dots with one x tick', () => {
    const rows = [{ epoch: 1, trainLoss: 0.2, valLoss: 0.1, valAccuracy: 0.99 }];
    const { svg, png } = resultsPlot(rows);
    assertWellFormed(svg);
    assert.deepEqual(pointCounts(svg, TRAIN), [2], 'only the legend sample is a line');
    assert.equal((svg.match(/<circle/g) ?? []).length, 3 + 2, 'three data dots and two legend dots');
    assert.equal((svg.match(/>1<\/text>/g) ?? []).length, 2, "tick '1' under each panel");
    const image = read(png);
    const accuracy = pixelsOf(image, ACCURACY, image.width / 2);
    assert.ok(accuracy.length > 10, 'accuracy dot');
    const meanX = accuracy.reduce((sum, [x]) => sum + x, 0) / accuracy.length;
    assert.ok(Math.abs(meanX - 850) < 30, `dot centred in the right panel, at x ${meanX}`);
  });

  it('draws a constant series as a flat line', () => {
    const { svg, png } = resultsPlot(
      run(
        4,
        () => 0.5,
        () => 0.75,
      ),
    );
    assertWellFormed(svg);
    const image = read(png);
    const ends = curveEnds(pixelsOf(image, ACCURACY, image.width / 2));
    assert.equal(ends.leftY, ends.rightY);
  });
});

/** The filled, unstroked square cells of a confusion-matrix SVG in row-major order. */
function cells(svg: string): { x: number; y: number; size: number }[] {
  return [
    ...svg.matchAll(
      /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="#[0-9a-f]{6}"\/>/g,
    ),
  ]
    .filter((m) => m[3] === m[4])
    .map((m) => ({ x: Number(m[1]), y: Number(m[2]), size: Number(m[3]) }));
}

function luminance(image: Image, x: number, y: number): number {
  const k = (y * image.width + x) * 4;
  return (
    0.299 * (image.data[k] as number) +
    0.587 * (image.data[k + 1] as number) +
    0.114 * (image.data[k + 2] as number)
  );
}

describe('confusionMatrixPlot', () => {
  for (const n of [3, 10, 20]) {
    it(`colours the diagonal of a diagonal ${n}-class matrix darker than every other cell`, () => {
      const matrix = Array.from({ length: n }, (_, r) =>
        Array.from({ length: n }, (_, c) => (r === c ? 50 + r : 0)),
      );
      const names = Array.from({ length: n }, (_, i) => (n === 20 ? `class_${i}` : String(i)));
      const { svg, png } = confusionMatrixPlot(matrix, names);
      assertWellFormed(svg);
      const grid = cells(svg);
      assert.equal(grid.length, n * n);
      assert.ok((grid[0]?.size as number) >= 30, 'cells big enough for their counts');
      const image = read(png);
      // Sample a cell's corner, away from the count printed at its centre.
      const shade = grid.map(({ x, y }) => luminance(image, Math.round(x) + 3, Math.round(y) + 3));
      const diagonal = shade.filter((_, i) => i % n === Math.floor(i / n));
      const offDiagonal = shade.filter((_, i) => i % n !== Math.floor(i / n));
      assert.ok(
        Math.max(...diagonal) < Math.min(...offDiagonal) - 100,
        `${Math.max(...diagonal)} vs ${Math.min(...offDiagonal)}`,
      );
      for (const name of names) assert.ok(svg.includes(`>${name}</text>`), `class name ${name}`);
      assert.equal(
        (svg.match(/transform="rotate/g) ?? []).length,
        n === 20 ? 21 : 1,
        'long names turn vertical',
      );
      assert.ok(image.width <= 1000 && image.height <= 1000, `${image.width}×${image.height}`);
    });
  }

  it('normalises colour per row, so a rare class shows its errors as clearly as a common one', () => {
    const { svg, png } = confusionMatrixPlot(
      [
        [900, 100],
        [5, 5],
      ],
      ['common', 'rare'],
    );
    const image = read(png);
    const [a, b, c, d] = cells(svg).map(({ x, y }) => luminance(image, Math.round(x) + 3, Math.round(y) + 3));
    assert.ok((a as number) < (b as number), '900 of 1000 darker than 100 of 1000');
    assert.equal(c, d, '5 of 10 and 5 of 10 look the same');
    assert.ok((c as number) < (b as number), '5 of 10 darker than 100 of 1000');
    for (const count of ['900', '100', '5']) assert.ok(svg.includes(`>${count}</text>`));
  });

  it('rejects a matrix that does not fit the class names, and negative counts', () => {
    assert.throws(() => confusionMatrixPlot([[1, 2]], ['a', 'b']), ShapeError);
    assert.throws(() => confusionMatrixPlot([], []), ShapeError);
    assert.throws(() => confusionMatrixPlot([[-1]], ['a']), ValueError);
  });
});

describe('writePlots', () => {
  it('writes results.png, results.svg and confusion_matrix.png with no temporary files left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zerodl-plots-'));
    try {
      const runDir = join(dir, 'runs', 'train', 'exp');
      const written = writePlots(runDir, {
        rows: run(
          3,
          (e) => 1 / e,
          (e) => 0.9 + e / 100,
        ),
        confusion: {
          matrix: [
            [3, 1],
            [0, 4],
          ],
          classNames: ['0', '1'],
        },
      });
      assert.deepEqual(
        written,
        ['results.png', 'results.svg', 'confusion_matrix.png'].map((f) => join(runDir, f)),
      );
      assert.deepEqual(readdirSync(runDir).sort(), ['confusion_matrix.png', 'results.png', 'results.svg']);
      assert.equal(read(readFileSync(join(runDir, 'confusion_matrix.png'))).height > 0, true);
      assertWellFormed(readFileSync(join(runDir, 'results.svg'), 'utf8'));

      rmSync(join(runDir, 'confusion_matrix.png'));
      assert.equal(writePlots(runDir, { rows: [] }).length, 0, 'nothing to draw before the first epoch');
      assert.equal(existsSync(join(runDir, 'confusion_matrix.png')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
