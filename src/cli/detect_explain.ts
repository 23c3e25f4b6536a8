// Node-only (the command line).
// `zerodl detect explain`: the glass box. For one image it draws what a YOLOv1 head sees and says: the
// S×S grid, every predictor's box with its confidence, each cell's most likely class, and — given the
// image's labels — which predictor is responsible for each object, the IoU of every predictor with it,
// and the four loss terms of this image. Everything ultralytics keeps inside.

import { basename, extname, join } from 'node:path';
import { decodeImage } from '../data/images.js';
import { labelBoxes, letterboxImage, parseLabelText, toLetterbox } from '../data/yolo_dataset.js';
import type { LabeledBox } from '../detection/boxes.js';
import { predictorBoxes } from '../detection/decode.js';
import { encodeTargets, gridCell } from '../detection/encode.js';
import type { YoloHead } from '../detection/head.js';
import { type YoloV1ImageExplanation, YoloV1Loss } from '../detection/yolo_v1_loss.js';
import { loadDetectorDir } from '../model/model_dir.js';
import { Canvas, type Color } from '../raster/canvas.js';
import { classColor, drawBoxes, inputCanvas } from '../raster/detections.js';
import { Tensor } from '../tensor/tensor.js';
import { claimRunFolder } from '../train/run_folder.js';
import { writeFileAtomic } from '../util/atomic_file.js';
import { DataError, ValueError } from '../util/errors.js';
import { readRegularFile } from '../util/regular_file.js';
import { MAX_PIXELS_OPTION, maxPixelsOption, parseCommand, printJson } from './args.js';

export const DETECT_EXPLAIN_HELP = `zerodl detect explain --model <dir> --source <image> [--labels <txt>]: look inside

Draws the model input with the S×S grid, every predictor's box (line width by confidence; the label
"b0 0.93" is predictor 0 of its cell and its confidence) and each cell's most likely class and its
probability. With --labels (a YOLO txt: class cx cy w h, normalised to the image) it also draws the
labels in white, marks the responsible predictor of each object, and prints the IoU of every
predictor with the object and the image's four loss terms (coord, obj, noobj, cls).

  --model <dir>       the detector's folder
  --source <image>    one PNG or JPEG image
  --labels <txt>      its labels (default: none; only the predictions are shown)
  --project <dir>     where runs go                                 [runs/detect]
  --name <name>       run name                                      [explain]
  --exist-ok          write into an existing run folder
  --json              print the explanation as one JSON object on stdout
  --max-pixels <n>    refuse larger images                          [100000000]
`;

const OPTIONS = {
  model: { type: 'string' },
  source: { type: 'string' },
  labels: { type: 'string' },
  project: { type: 'string' },
  name: { type: 'string' },
  'exist-ok': { type: 'boolean' },
  json: { type: 'boolean' },
  ...MAX_PIXELS_OPTION,
} as const;

const PREDICTOR_COLORS: readonly Color[] = ['#00e5ff', '#ff40ff', '#ffd000', '#80ff00'];
const GRID_COLOR: Color = '#5a5a5a';

/** Runs `zerodl detect explain`; returns the exit code. */
export function detectExplainCommand(argv: string[]): number {
  const { values: args, positionals } = parseCommand('detect explain', argv, OPTIONS);
  if (args.help) {
    process.stdout.write(DETECT_EXPLAIN_HELP);
    return 0;
  }
  const source = args.source ?? positionals[0];
  if (args.model === undefined) throw new ValueError('zerodl detect explain: --model <dir> is required');
  if (source === undefined) throw new ValueError('zerodl detect explain: --source <image> is required');
  const { model, info } = loadDetectorDir(args.model);
  const head = info.architecture.head as YoloHead;
  const size = info.preprocessing.width;
  const channels = info.preprocessing.channels;
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(source);
  } catch (error) {
    throw new DataError(`${source}: cannot read the image: ${(error as Error).message}`);
  }
  const image = decodeImage(bytes, source, maxPixelsOption(args['max-pixels']));
  const { input, letterbox } = letterboxImage(image, size, channels);
  const x = new Tensor([1, channels, size, size]);
  for (let i = 0; i < input.length; i++) x.data[i] = (input[i] as number) / 255;
  const y = model.predict(x);
  const predictors = predictorBoxes(y, head, size, 0);

  let truths: LabeledBox[] | undefined;
  let explanation: YoloV1ImageExplanation | undefined;
  if (args.labels !== undefined) {
    let text: string;
    try {
      text = readRegularFile(args.labels, 'utf8');
    } catch (error) {
      throw new DataError(`${args.labels}: cannot read the labels: ${(error as Error).message}`);
    }
    const { labels } = parseLabelText(text, args.labels, head.classes, true);
    truths = labelBoxes(labels, image.width, image.height).map((box) => toLetterbox(box, letterbox));
    const loss = new YoloV1Loss(head, (model.lossFunction as YoloV1Loss).options);
    loss.forward(y, encodeTargets([truths], head, size).t);
    explanation = loss.explainImage(0);
  }

  // The picture: the input 4–8 times as large, the grid, every predictor, the labels
  const zoom = Math.max(4, Math.round(480 / size));
  const canvas = inputCanvas(x.data, channels, size, size, zoom);
  const cell = (size / head.grid) * zoom;
  for (let k = 1; k < head.grid; k++) {
    canvas.fillRect(Math.round(k * cell), 0, 1, canvas.height, GRID_COLOR);
    canvas.fillRect(0, Math.round(k * cell), canvas.width, 1, GRID_COLOR);
  }
  const responsible = new Set(
    (explanation?.objects ?? []).map((o) => `${o.cell[0]},${o.cell[1]},${o.responsible}`),
  );
  for (const p of predictors) {
    const confidence = Math.min(1, Math.max(0, p.confidence));
    const isResponsible = responsible.has(`${p.cell[0]},${p.cell[1]},${p.predictor}`);
    if (confidence < 0.05 && !isResponsible) continue;
    const color = PREDICTOR_COLORS[p.predictor % PREDICTOR_COLORS.length] as Color;
    const { x0, y0, x1, y1 } = p.box;
    const thickness = isResponsible ? 4 : Math.max(1, Math.round(confidence * 3));
    canvas.strokeRect(x0 * zoom, y0 * zoom, (x1 - x0) * zoom, (y1 - y0) * zoom, color, thickness);
    canvas.labelBox(`b${p.predictor} ${confidence.toFixed(2)}`, x0 * zoom, y1 * zoom, color, {
      scale: 1,
      color: '#000000',
    });
  }
  // each cell: its most likely class and probability, in the cell's top-left corner
  for (let k = 0; k < predictors.length; k += head.boxes) {
    const p = predictors[k];
    if (p === undefined) continue;
    const probabilities = p.classProbabilities;
    const best = probabilities.indexOf(Math.max(...probabilities));
    const [col, row] = p.cell;
    const name = info.classNames[best] ?? String(best);
    canvas.text(
      `${name} ${(probabilities[best] as number).toFixed(2)}`,
      col * cell + 3,
      row * cell + 6,
      classColor(best),
      {
        scale: 1,
      },
    );
  }
  if (truths) drawBoxes(canvas, truths, info.classNames, { zoom, thickness: 1, labels: false });

  const lines = explanationText(predictors.length, head, explanation, truths, info.classNames, size);
  const panel = new Canvas(canvas.width, 16 + 12 * lines.length, '#ffffff');
  lines.forEach((line, i) => {
    panel.text(line, 6, 12 + 12 * i, '#222222', { scale: 1 });
  });
  const picture = new Canvas(canvas.width, canvas.height + panel.height);
  picture.drawImage(canvas, 0, 0);
  picture.drawImage(panel, 0, canvas.height);

  const run = claimRunFolder(
    args.project ?? join('runs', 'detect'),
    args.name ?? 'explain',
    args['exist-ok'] ?? false,
  );
  const out = join(run.dir, `${basename(source, extname(source))}_explain.png`);
  try {
    writeFileAtomic(out, picture.toPng());
  } finally {
    run.release();
  }
  process.stderr.write(`${lines.join('\n')}\n→ ${out}\n`);
  if (args.json) {
    printJson({
      file: source,
      output: out,
      grid: head.grid,
      boxes: head.boxes,
      predictors: predictors.map((p) => ({
        cell: p.cell,
        predictor: p.predictor,
        confidence: p.confidence,
        box: [p.box.x0, p.box.y0, p.box.x1, p.box.y1],
        classProbabilities: p.classProbabilities,
      })),
      ...(explanation ? { terms: explanation.terms, objects: explanation.objects } : {}),
    });
  }
  return 0;
}

/** The text under the picture: the head, and with labels each object's match and the loss terms. */
function explanationText(
  predictorCount: number,
  head: YoloHead,
  explanation: YoloV1ImageExplanation | undefined,
  truths: readonly LabeledBox[] | undefined,
  names: readonly string[],
  imageSize: number,
): string[] {
  const lines = [
    `${head.grid}x${head.grid} grid, ${head.boxes} predictors a cell (${predictorCount} boxes), ${head.classes} classes`,
  ];
  if (!explanation || !truths) {
    lines.push('no labels given (--labels): predictions only');
    return lines;
  }
  const { terms } = explanation;
  const total = terms.coord + terms.obj + terms.noobj + terms.cls;
  lines.push(
    `loss ${total.toFixed(4)} = coord ${terms.coord.toFixed(4)} + obj ${terms.obj.toFixed(4)} + noobj ${terms.noobj.toFixed(4)} + cls ${terms.cls.toFixed(4)}`,
  );
  explanation.objects.forEach((object, k) => {
    // the first label whose centre is in the object's cell: the one encodeTargets kept there
    const truth = truths.find((box) => {
      const [col, row] = gridCell(box, head.grid, imageSize);
      return col === object.cell[0] && row === object.cell[1];
    });
    const name = truth ? (names[truth.cls] ?? String(truth.cls)) : '?';
    const ious = object.ious.map((v, b) => `b${b} ${v.toFixed(2)}`).join(', ');
    lines.push(
      `object ${k + 1} (${name}) in cell (${object.cell[0]}, ${object.cell[1]}): responsible b${object.responsible}; IoU ${ious}`,
    );
  });
  if (explanation.objects.length < truths.length)
    lines.push(
      `${truths.length - explanation.objects.length} object(s) share a cell with another: the head cannot hold them`,
    );
  return lines;
}
