// Node-only (PNG through raster/, plot files).
// Training plots: loss and accuracy curves per epoch (results.png / results.svg) and a row-normalised
// confusion-matrix heat map (confusion_matrix.png), laid out once as a Figure and rendered to PNG and SVG.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Color } from '../raster/canvas.js';
import { type Figure, renderPng, renderSvg, type Shape } from '../raster/figure.js';
import { FONT, textWidth } from '../raster/font.js';
import { writeFileAtomic } from '../util/atomic_file.js';
import { ShapeError, ValueError } from '../util/errors.js';

/**
 * The per-epoch numbers the curves need; the trainer's results row (with `lr`, `seconds` …) fits it.
 *
 * @example
 * const row: EpochResult = { epoch: 1, trainLoss: 0.31, valLoss: 0.12, valAccuracy: 0.962 };
 */
export interface EpochResult {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  /** Fraction in [0, 1]. */
  valAccuracy: number;
}

/**
 * One plot in both formats, from the same layout.
 *
 * @example
 * const { svg, png } = resultsPlot(rows);
 */
export interface PlotImage {
  svg: string;
  png: Uint8Array;
}

/**
 * An axis range and the round values to label on it.
 *
 * @example
 * const { min, max, ticks, labels } = niceScale(0.12, 0.93);
 */
export interface NiceScale {
  min: number;
  max: number;
  ticks: number[];
  /** Tick values as printed, e.g. `'0.25'` or `'1e-7'`. */
  labels: string[];
}

const INK: Color = '#222222';
const FRAME: Color = '#444444';
const GRID: Color = '#e6e6e6';
const TRAIN: Color = '#1f77b4';
const VAL: Color = '#ff7f0e';
const ACCURACY: Color = '#2ca02c';
// ColorBrewer "Blues", light to dark: a sequential ramp that stays readable in greyscale print.
const BLUES = [
  '#f7fbff',
  '#deebf7',
  '#c6dbef',
  '#9ecae1',
  '#6baed6',
  '#4292c6',
  '#2171b5',
  '#08519c',
  '#08306b',
];

/**
 * Picks an axis range around [min, max] with a 5% margin and about six ticks at 1, 2 or 5 × 10ᵏ.
 * A constant range is widened (±5%, ±1 around 0, ±0.5 for integers) so scaling never divides by zero;
 * a non-finite range (no data) is drawn as if the data spanned [0, 1]. `limits` keeps the margin inside what the quantity can be
 * (an accuracy axis that ends at 1, not 1.02).
 *
 * @example
 * niceScale(0.12, 0.93).labels;          // ['0.2', '0.4', '0.6', '0.8']
 * niceScale(1, 1, { integer: true }).ticks; // [1]
 */
export function niceScale(
  min: number,
  max: number,
  options: { integer?: boolean; limits?: readonly [number, number] } = {},
): NiceScale {
  const dataMin = Number.isFinite(min) ? min : 0;
  const dataMax = Number.isFinite(max) ? max : 1;
  let lo = dataMin;
  let hi = dataMax;
  if (hi === lo) {
    const pad = options.integer ? 0.5 : lo === 0 ? 1 : Math.abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  } else {
    const margin = (hi - lo) * 0.05;
    lo -= margin;
    hi += margin;
  }
  // Limits trim the margin only; data outside them (a bug upstream) keeps its margin and stays visible.
  if (options.limits && dataMin >= options.limits[0]) lo = Math.max(lo, options.limits[0]);
  if (options.limits && dataMax <= options.limits[1]) hi = Math.min(hi, options.limits[1]);
  // Aim for about six ticks: the 1, 2 or 5 × 10ᵏ step nearest (in ratio) to a sixth of the range.
  const rough = (hi - lo) / 6;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const ratio = (s: number) => Math.abs(Math.log(s / rough));
  let step = [1, 2, 5, 10].map((m) => m * magnitude).reduce((best, s) => (ratio(s) < ratio(best) ? s : best));
  if (options.integer) step = Math.max(1, Math.round(step));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: number[] = [];
  // The 1e-9 slack keeps a tick that lands on the edge despite rounding (0.1 × 3 = 0.30000000000000004).
  for (let k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9); k++)
    ticks.push(Number((k * step).toFixed(decimals)));
  const largest = Math.max(...ticks.map(Math.abs));
  const exponential = decimals > 5 || largest >= 1e6;
  const labels = ticks.map((t) =>
    !exponential ? t.toFixed(decimals) : t === 0 ? '0' : Number(t.toPrecision(3)).toExponential(),
  );
  return { min: lo, max: hi, ticks, labels };
}

interface Series {
  label: string;
  color: Color;
  values: number[];
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const RESULTS_WIDTH = 1100;
const RESULTS_HEIGHT = 460;
const TEXT = 2; // font scale for labels: 10 × 14-px capitals

/**
 * Draws the training curves: a "loss" panel (train and val loss, with a legend) beside a "val accuracy"
 * panel, epoch on x, round tick values, and a title naming the best epoch. Non-finite values are left out
 * (the line breaks there); a point without neighbours, such as a single epoch, is drawn as a dot.
 *
 * @example
 * const { png, svg } = resultsPlot([
 *   { epoch: 1, trainLoss: 0.31, valLoss: 0.12, valAccuracy: 0.962 },
 *   { epoch: 2, trainLoss: 0.09, valLoss: 0.08, valAccuracy: 0.975 },
 * ]);
 */
export function resultsPlot(rows: readonly EpochResult[]): PlotImage {
  return curvesPlot(rows as unknown as readonly CurveRow[], resultsTitle(rows), [
    {
      title: 'loss',
      series: [
        { label: 'train', key: 'trainLoss', color: TRAIN },
        { label: 'val', key: 'valLoss', color: VAL },
      ],
    },
    {
      title: 'val accuracy',
      series: [{ label: 'val accuracy', key: 'valAccuracy', color: ACCURACY }],
      limits: [0, 1],
    },
  ]);
}

/** A row of numbers per epoch, by key (a results row). */
export interface CurveRow {
  epoch: number;
  [key: string]: number;
}

/**
 * One panel of {@link curvesPlot}: its title, the row keys drawn as curves, and optional y limits
 * (e.g. [0, 1] for a metric, kept when the data stays inside them).
 */
export interface CurvePanel {
  title: string;
  series: readonly { label: string; key: string; color: Color }[];
  limits?: readonly [number, number];
}

/**
 * Draws per-epoch curves in panels, two side by side per row (one row for one or two panels), epoch on
 * x, a legend in each panel with several curves, and `title` on top. A missing or non-finite value
 * breaks its line.
 *
 * @example
 * const { png } = curvesPlot(rows, 'detection training', [
 *   { title: 'mAP', series: [{ label: 'mAP50', key: 'mAP50', color: '#1f77b4' }], limits: [0, 1] },
 * ]);
 */
export function curvesPlot(
  rows: readonly CurveRow[],
  title: string,
  panels: readonly CurvePanel[],
): PlotImage {
  const epochs = rows.map((row) => row.epoch);
  const x = niceScale(Math.min(...epochs), Math.max(...epochs), { integer: true });
  const columns = Math.min(2, panels.length);
  const panelWidth = RESULTS_WIDTH / 2;
  const width = panelWidth * columns;
  const height = RESULTS_HEIGHT * Math.ceil(panels.length / 2);
  const titleScale = textWidth(title, 3) <= width - 40 ? 3 : 2;
  const shapes: Shape[] = [text(title, width / 2, 24, { scale: titleScale, align: 'middle' })];
  panels.forEach((panel, i) => {
    const left = (i % 2) * panelWidth;
    const top = Math.floor(i / 2) * RESULTS_HEIGHT;
    const series = panel.series.map((s) => ({
      label: s.label,
      color: s.color,
      values: rows.map((row) => (typeof row[s.key] === 'number' ? row[s.key] : Number.NaN) as number),
    }));
    const box = { left, top, right: left + panelWidth, bottom: top + RESULTS_HEIGHT };
    drawPanel(shapes, box, panel.title, epochs, x, series, panel.limits);
  });
  return render({ width, height, title, shapes });
}

function resultsTitle(rows: readonly EpochResult[]): string {
  const count = `${rows.length} epoch${rows.length === 1 ? '' : 's'}`;
  let best: EpochResult | undefined;
  for (const row of rows)
    if (Number.isFinite(row.valAccuracy) && (!best || row.valAccuracy > best.valAccuracy)) best = row;
  if (!best) return `training results: ${count}`;
  return `training results: ${count}, best val accuracy ${best.valAccuracy.toFixed(4)} (epoch ${best.epoch})`;
}

function drawPanel(
  shapes: Shape[],
  panel: Box,
  title: string,
  epochs: number[],
  x: NiceScale,
  series: Series[],
  limits?: readonly [number, number],
): void {
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  const y = niceScale(Math.min(...finite), Math.max(...finite), limits ? { limits } : {});
  const labelWidth = Math.max(...y.labels.map((label) => textWidth(label, TEXT)));
  const plot: Box = {
    left: panel.left + 28 + labelWidth,
    top: panel.top + 84,
    right: panel.right - 28,
    bottom: panel.bottom - 66,
  };
  const toX = (value: number) => plot.left + ((value - x.min) / (x.max - x.min)) * (plot.right - plot.left);
  const toY = (value: number) => plot.bottom - ((value - y.min) / (y.max - y.min)) * (plot.bottom - plot.top);
  const width = plot.right - plot.left;
  const height = plot.bottom - plot.top;

  x.ticks.forEach((tick, i) => {
    const px = Math.round(toX(tick));
    shapes.push({ kind: 'rect', x: px, y: plot.top, width: 1, height, fill: GRID });
    shapes.push(text(x.labels[i] as string, px + 0.5, plot.bottom + 18, { align: 'middle' }));
  });
  y.ticks.forEach((tick, i) => {
    const py = Math.round(toY(tick));
    shapes.push({ kind: 'rect', x: plot.left, y: py, width, height: 1, fill: GRID });
    shapes.push(text(y.labels[i] as string, plot.left - 10, py + 0.5, { align: 'end' }));
  });
  shapes.push({ kind: 'rect', x: plot.left, y: plot.top, width, height, stroke: FRAME });
  shapes.push(text(title, (plot.left + plot.right) / 2, plot.top - 22, { align: 'middle' }));
  shapes.push(text('epoch', (plot.left + plot.right) / 2, plot.bottom + 46, { align: 'middle' }));

  const points: (readonly [number, number])[] = [];
  for (const s of series) {
    const curve = s.values.map((v, i) =>
      Number.isFinite(v) ? ([toX(epochs[i] as number), toY(v)] as const) : undefined,
    );
    points.push(...curve.filter((p) => p !== undefined));
    drawCurve(shapes, curve, s.color);
  }
  const shown = series.filter((s) => s.values.some(Number.isFinite));
  if (shown.length > 1) drawLegend(shapes, plot, shown, points);
}

/** Lines through runs of consecutive points; dots on every point when few, and always on lone ones. */
function drawCurve(shapes: Shape[], curve: (readonly [number, number] | undefined)[], color: Color): void {
  const markAll = curve.filter((p) => p !== undefined).length <= 30;
  let run: (readonly [number, number])[] = [];
  for (const point of [...curve, undefined]) {
    if (point) {
      run.push(point);
      continue;
    }
    if (run.length > 1) shapes.push({ kind: 'polyline', points: run, stroke: color, lineWidth: 2 });
    if (run.length === 1 || markAll)
      for (const [px, py] of run) shapes.push({ kind: 'circle', x: px, y: py, radius: 3.5, fill: color });
    run = [];
  }
}

/** A boxed legend in whichever inside corner of the plot covers the fewest data points. */
function drawLegend(
  shapes: Shape[],
  plot: Box,
  series: Series[],
  points: (readonly [number, number])[],
): void {
  const rowHeight = 24;
  const width = 52 + Math.max(...series.map((s) => textWidth(s.label, TEXT))) + 12;
  const height = rowHeight * series.length + 8;
  const inset = 10;
  const corners: Box[] = [
    [plot.right - inset - width, plot.top + inset],
    [plot.left + inset, plot.bottom - inset - height],
    [plot.right - inset - width, plot.bottom - inset - height],
    [plot.left + inset, plot.top + inset],
  ].map(([left, top]) => ({
    left: left as number,
    top: top as number,
    right: (left as number) + width,
    bottom: (top as number) + height,
  }));
  const covered = (box: Box) =>
    points.filter(
      ([px, py]) => px >= box.left - 4 && px <= box.right + 4 && py >= box.top - 4 && py <= box.bottom + 4,
    ).length;
  const box = corners.reduce((best, corner) => (covered(corner) < covered(best) ? corner : best));
  shapes.push({ kind: 'rect', x: box.left, y: box.top, width, height, fill: '#ffffff', stroke: '#bbbbbb' });
  series.forEach((s, i) => {
    const cy = box.top + 4 + rowHeight * (i + 0.5);
    shapes.push({
      kind: 'polyline',
      points: [
        [box.left + 10, cy],
        [box.left + 40, cy],
      ],
      stroke: s.color,
      lineWidth: 2,
    });
    shapes.push({ kind: 'circle', x: box.left + 25, y: cy, radius: 3.5, fill: s.color });
    shapes.push(text(s.label, box.left + 52, cy));
  });
}

/**
 * Draws a confusion matrix as a heat map: row = true class, column = predicted class, the count in each
 * cell, and colour = the cell's fraction of its row, so a rare class's errors show as clearly as a common
 * one's. Cells shrink from 100 px (few classes) to 30 px (20 classes); long column names turn vertical.
 *
 * @example
 * const { png } = confusionMatrixPlot([[50, 2, 0], [1, 47, 3], [0, 0, 49]], ['0', '1', '2']);
 */
export function confusionMatrixPlot(
  matrix: readonly (readonly number[])[],
  classNames: readonly string[],
): PlotImage {
  const n = classNames.length;
  if (n === 0) throw new ShapeError('confusionMatrixPlot: expected at least one class name, got none');
  if (matrix.length !== n || matrix.some((row) => row.length !== n))
    throw new ShapeError(
      `confusionMatrixPlot: expected a ${n}×${n} matrix for ${n} class names, got rows of lengths [${matrix.map((row) => row.length).join(', ')}]`,
    );
  if (matrix.some((row) => row.some((v) => !Number.isFinite(v) || v < 0)))
    throw new ValueError('confusionMatrixPlot: counts must be finite and >= 0');

  const cell = Math.min(100, Math.max(30, Math.floor(600 / n)));
  const counts = matrix.map((row) => row.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(2))));
  const longestCount = Math.max(...counts.flat().map((c) => c.length));
  const countScale =
    [3, 2].find(
      (s) => textWidth('0'.repeat(longestCount), s) <= cell - 10 && FONT.capHeight * s <= cell / 2.5,
    ) ?? 1;
  const nameWidth = Math.max(...classNames.map((name) => textWidth(name, TEXT)));
  const verticalNames = nameWidth > cell - 6;
  const title = 'confusion matrix (colour: share of the true class)';

  // Left to right: margin, the turned "true" label, row names, the grid, a margin that fits "predicted"
  // under a narrow grid; all centred when the title is the widest thing.
  const rightMargin = Math.max(24, (textWidth('predicted', TEXT) - n * cell) / 2 + 24);
  const contentWidth = 20 + 14 + 16 + nameWidth + 12 + n * cell + rightMargin;
  const width = Math.max(contentWidth, textWidth(title, TEXT) + 40);
  const left = Math.floor((width - contentWidth) / 2);
  const grid: Box = { left: left + 20 + 14 + 16 + nameWidth + 12, top: 64, right: 0, bottom: 0 };
  grid.right = grid.left + n * cell;
  grid.bottom = grid.top + n * cell;
  const namesBottom = grid.bottom + 12 + (verticalNames ? nameWidth : FONT.capHeight * TEXT);
  const height = namesBottom + 54;

  const shapes: Shape[] = [text(title, width / 2, 26, { align: 'middle' })];
  matrix.forEach((row, r) => {
    const rowSum = row.reduce((sum, v) => sum + v, 0);
    row.forEach((v, c) => {
      const share = rowSum > 0 ? v / rowSum : 0;
      const x = grid.left + c * cell;
      const y = grid.top + r * cell;
      shapes.push({ kind: 'rect', x, y, width: cell, height: cell, fill: blues(share) });
      const ink: Color = share > 0.5 ? '#ffffff' : v === 0 ? '#aaaaaa' : INK;
      shapes.push(
        text(counts[r]?.[c] as string, x + cell / 2, y + cell / 2, {
          scale: countScale,
          align: 'middle',
          ink,
        }),
      );
    });
  });
  shapes.push({ kind: 'rect', x: grid.left, y: grid.top, width: n * cell, height: n * cell, stroke: FRAME });
  classNames.forEach((name, i) => {
    const centre = grid.left + (i + 0.5) * cell;
    shapes.push(text(name, grid.left - 12, grid.top + (i + 0.5) * cell, { align: 'end' }));
    shapes.push(
      verticalNames
        ? text(name, centre, grid.bottom + 12, { align: 'end', rotate: true })
        : text(name, centre, grid.bottom + 12 + (FONT.capHeight * TEXT) / 2, { align: 'middle' }),
    );
  });
  shapes.push(text('predicted', (grid.left + grid.right) / 2, namesBottom + 26, { align: 'middle' }));
  shapes.push(text('true', left + 27, (grid.top + grid.bottom) / 2, { align: 'middle', rotate: true }));
  return render({ width, height, title, shapes });
}

/** Interpolates the Blues ramp at t ∈ [0, 1]. */
function blues(t: number): Color {
  const position = Math.min(1, Math.max(0, t)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(position));
  const f = position - i;
  const a = Number.parseInt((BLUES[i] as string).slice(1), 16);
  const b = Number.parseInt((BLUES[i + 1] as string).slice(1), 16);
  const channel = (shift: number) => Math.round(((a >> shift) & 0xff) * (1 - f) + ((b >> shift) & 0xff) * f);
  return `#${[16, 8, 0].map((shift) => channel(shift).toString(16).padStart(2, '0')).join('')}`;
}

function text(
  value: string,
  x: number,
  y: number,
  options: { scale?: number; align?: 'start' | 'middle' | 'end'; rotate?: boolean; ink?: Color } = {},
): Shape {
  return {
    kind: 'text',
    text: value,
    x,
    y,
    color: options.ink ?? INK,
    scale: options.scale ?? TEXT,
    align: options.align ?? 'start',
    rotate: options.rotate ?? false,
  };
}

function render(figure: Figure): PlotImage {
  return { svg: renderSvg(figure), png: renderPng(figure) };
}

/**
 * What {@link writePlots} draws; each part is optional so the trainer can refresh curves every epoch.
 *
 * @example
 * const inputs: PlotInputs = { rows, confusion: { matrix, classNames: ['0', '1', '2'] } };
 */
export interface PlotInputs {
  rows?: readonly EpochResult[];
  confusion?: { matrix: readonly (readonly number[])[]; classNames: readonly string[] };
}

/**
 * Writes `results.png` and `results.svg` (when `rows` is given and not empty) and `confusion_matrix.png`
 * (when `confusion` is given) into `dir`, each atomically, so a viewer or a crash never sees half a file.
 * Returns the paths written.
 *
 * @example
 * writePlots('runs/train/exp', { rows, confusion: { matrix, classNames: ['0', '1', '2'] } });
 * // ['runs/train/exp/results.png', 'runs/train/exp/results.svg', 'runs/train/exp/confusion_matrix.png']
 */
export function writePlots(dir: string, inputs: PlotInputs): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, Uint8Array | string][] = [];
  if (inputs.rows && inputs.rows.length > 0) {
    const results = resultsPlot(inputs.rows);
    files.push(['results.png', results.png], ['results.svg', results.svg]);
  }
  if (inputs.confusion) {
    const { matrix, classNames } = inputs.confusion;
    files.push(['confusion_matrix.png', confusionMatrixPlot(matrix, classNames).png]);
  }
  return files.map(([name, data]) => {
    const path = join(dir, name);
    writeFileAtomic(path, data);
    return path;
  });
}
