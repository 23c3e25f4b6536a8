// Node-only (PNG through raster/figure.ts).
// Detection plots: the precision-recall curves at IoU 0.5 (PR_curve.png: one curve per class and their
// mean, with a legend "name AP50" as in ultralytics' plot) and the confusion matrix with its background class.

import { type DetectionMetrics, RECALL_GRID } from '../detection/metrics.js';
import type { Color } from '../raster/canvas.js';
import { type Figure, renderPng, renderSvg, type Shape } from '../raster/figure.js';
import { textWidth } from '../raster/font.js';
import { ShapeError } from '../util/errors.js';
import { confusionMatrixPlot, niceScale, type PlotImage } from './plots.js';

const INK: Color = '#222222';
const FRAME: Color = '#444444';
const GRID: Color = '#e6e6e6';
const MEAN: Color = '#0b3d91';
// Tableau 10 without its blue, which the mean curve uses: ten classes get ten distinct colours.
const PALETTE: Color[] = [
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#aec7e8',
];
const TEXT = 2; // font scale: 10 × 14-px capitals
const PLOT = 560; // the square plot's side in pixels

/**
 * Draws PR_curve.png: precision (y) against recall (x) at IoU 0.5, one thin curve per class (its
 * interpolated precision on the 101 recalls, `metrics.curves[c].interpolated`) and a thick curve for the
 * mean over classes, with a legend "name AP50" beside the plot and "all classes <mAP50> mAP50". A class without
 * truths has no curve; the legend says so.
 *
 * @example
 * const { png } = prCurvePlot(evaluateDetections(images, 10), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
 */
export function prCurvePlot(metrics: DetectionMetrics, names: readonly string[]): PlotImage {
  if (names.length !== metrics.perClass.length)
    throw new ShapeError(
      `prCurvePlot: got ${names.length} class names for metrics of ${metrics.perClass.length} classes`,
    );
  const entries = metrics.perClass.map((c, i) => ({
    label: c.truths > 0 ? `${names[i]} ${c.AP50.toFixed(3)}` : `${names[i]} (no truths)`,
    color: PALETTE[i % PALETTE.length] as Color,
    values: c.truths > 0 ? metrics.curves[i]?.interpolated : undefined,
    lineWidth: 1.5,
  }));
  const mean = {
    label: `all classes ${metrics.mAP50.toFixed(3)} mAP50`,
    color: MEAN,
    values: metrics.classesWithTruths > 0 ? metrics.meanCurve : undefined,
    lineWidth: 4,
  };
  const legend = [...entries, mean];
  const rowHeight = 24;
  const legendWidth = 52 + Math.max(...legend.map((e) => textWidth(e.label, TEXT))) + 12;
  const plot = { left: 90, top: 60, right: 90 + PLOT, bottom: 60 + PLOT };
  const width = plot.right + 30 + legendWidth + 20;
  const height = Math.max(plot.bottom + 70, plot.top + rowHeight * legend.length + 20);
  const title = 'precision-recall curve at IoU 0.5';
  const axis = niceScale(0, 1, { limits: [0, 1] });
  const toX = (recall: number) => plot.left + recall * PLOT;
  const toY = (precision: number) => plot.bottom - precision * PLOT;

  const shapes: Shape[] = [label(title, width / 2, 26, 'middle')];
  axis.ticks.forEach((tick, i) => {
    const x = Math.round(toX(tick));
    const y = Math.round(toY(tick));
    shapes.push({ kind: 'rect', x, y: plot.top, width: 1, height: PLOT, fill: GRID });
    shapes.push({ kind: 'rect', x: plot.left, y, width: PLOT, height: 1, fill: GRID });
    shapes.push(label(axis.labels[i] as string, x + 0.5, plot.bottom + 18, 'middle'));
    shapes.push(label(axis.labels[i] as string, plot.left - 10, y + 0.5, 'end'));
  });
  shapes.push({ kind: 'rect', x: plot.left, y: plot.top, width: PLOT, height: PLOT, stroke: FRAME });
  shapes.push(label('recall', (plot.left + plot.right) / 2, plot.bottom + 46, 'middle'));
  shapes.push(label('precision', 24, (plot.top + plot.bottom) / 2, 'middle', true));

  for (const entry of legend) {
    if (!entry.values) continue;
    const points = RECALL_GRID.map((r, k) => [toX(r), toY(entry.values?.[k] as number)] as const);
    shapes.push({ kind: 'polyline', points, stroke: entry.color, lineWidth: entry.lineWidth });
  }
  const left = plot.right + 30;
  legend.forEach((entry, i) => {
    const y = plot.top + rowHeight * (i + 0.5);
    const line: [number, number][] = [
      [left + 8, y],
      [left + 40, y],
    ];
    if (entry.values)
      shapes.push({ kind: 'polyline', points: line, stroke: entry.color, lineWidth: entry.lineWidth });
    shapes.push(label(entry.label, left + 52, y, 'start'));
  });
  const figure: Figure = { width, height, title, shapes };
  return { svg: renderSvg(figure), png: renderPng(figure) };
}

/**
 * Draws the detection confusion matrix (confusion_matrix.png) with {@link confusionMatrixPlot}: rows =
 * true class, columns = predicted class, each with a last "background" entry, colour = share of the true
 * class. That is `metrics.confusion` transposed (it is stored predicted × true, as ultralytics does).
 *
 * @example
 * const { png } = detectionConfusionPlot(evaluateDetections(images, 3), ['cat', 'dog', 'bird']);
 */
export function detectionConfusionPlot(metrics: DetectionMetrics, names: readonly string[]): PlotImage {
  const { confusion } = metrics;
  if (names.length + 1 !== confusion.length)
    throw new ShapeError(
      `detectionConfusionPlot: got ${names.length} class names for a ${confusion.length}×${confusion.length} matrix (classes + background)`,
    );
  const transposed = confusion.map((_, t) => confusion.map((row) => row[t] as number));
  return confusionMatrixPlot(transposed, [...names, 'background']);
}

function label(text: string, x: number, y: number, align: 'start' | 'middle' | 'end', rotate = false): Shape {
  return { kind: 'text', text, x, y, color: INK, scale: TEXT, align, rotate };
}
