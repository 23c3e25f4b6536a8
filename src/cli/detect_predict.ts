// Node-only (the command line).
// `zerodl detect predict`: finds objects in image files (or every image of a folder), draws the boxes
// with their class and score on each image in runs/detect/<name>/, and with --save-txt writes
// labels/<stem>.txt as ultralytics does (`class cx cy w h [conf]`, normalised to the original image).

import { mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { decodeImage } from '../data/images.js';
import { fromLetterbox, letterboxImage } from '../data/yolo_dataset.js';
import type { Detection } from '../detection/boxes.js';
import { decodeDetections } from '../detection/decode.js';
import type { YoloHead } from '../detection/head.js';
import { loadDetectorDir } from '../model/model_dir.js';
import { Canvas } from '../raster/canvas.js';
import { drawBoxes } from '../raster/detections.js';
import { Tensor } from '../tensor/tensor.js';
import { claimRunFolder } from '../train/run_folder.js';
import { writeFileAtomic } from '../util/atomic_file.js';
import { DataError, ValueError } from '../util/errors.js';
import { readRegularFile } from '../util/regular_file.js';
import {
  imageSources,
  MAX_PIXELS_OPTION,
  maxPixelsOption,
  numberOption,
  parseCommand,
  printJson,
} from './args.js';

export const DETECT_PREDICT_HELP = `zerodl detect predict --model <dir> --source <image|folder>: find objects

  --model <dir>         the detector's folder (model.json + weights)
  --source <path>       an image (PNG or JPEG, any size, grey or colour) or a folder of them
  --conf <score>        keep boxes scoring at least this (score = confidence × class probability) [0.25]
  --iou <t>             NMS: drop a box overlapping a better one of its class by more than this  [0.5]
  --max-det <n>         at most this many boxes per image                                        [100]
  --save-txt            also write labels/<stem>.txt: class cx cy w h, normalised to the image
  --save-conf           with --save-txt, add each box's score as a sixth column
  --project <dir>       where runs go                                                            [runs/detect]
  --name <name>         run name; predict, predict2 … when it exists                             [predict]
  --exist-ok            write into an existing run folder
  --json                one JSON object per image on stdout: file, width, height, and each box
                        (class, name, score, x0 y0 x1 y1 in pixels of the original image)
  --max-pixels <n>      refuse larger images (from their header, before decoding)               [100000000]

The images with boxes drawn are PNG files named after the sources. An image that cannot be read is
reported on stderr and the rest are processed; the exit code is then 1.
`;

const OPTIONS = {
  model: { type: 'string' },
  source: { type: 'string' },
  conf: { type: 'string' },
  iou: { type: 'string' },
  'max-det': { type: 'string' },
  'save-txt': { type: 'boolean' },
  'save-conf': { type: 'boolean' },
  project: { type: 'string' },
  name: { type: 'string' },
  'exist-ok': { type: 'boolean' },
  json: { type: 'boolean' },
  ...MAX_PIXELS_OPTION,
} as const;

/** Runs `zerodl detect predict`; returns the exit code. */
export function detectPredictCommand(argv: string[]): number {
  const { values: args, positionals } = parseCommand('detect predict', argv, OPTIONS);
  if (args.help) {
    process.stdout.write(DETECT_PREDICT_HELP);
    return 0;
  }
  const source = args.source ?? positionals[0];
  if (args.model === undefined) throw new ValueError('zerodl detect predict: --model <dir> is required');
  if (source === undefined)
    throw new ValueError('zerodl detect predict: --source <image or folder> is required');
  const conf = numberOption('conf', args.conf, 0.25, { min: 0, max: 1 });
  const iou = numberOption('iou', args.iou, 0.5, { min: 0, max: 1 });
  const maxDet = numberOption('max-det', args['max-det'], 100, { integer: true, min: 1 });
  const maxPixels = maxPixelsOption(args['max-pixels']);
  const { model, info } = loadDetectorDir(args.model);
  const head = info.architecture.head as YoloHead;
  const size = info.preprocessing.width;
  const channels = info.preprocessing.channels;
  const files = imageSources(source);
  const run = claimRunFolder(
    args.project ?? join('runs', 'detect'),
    args.name ?? 'predict',
    args['exist-ok'] ?? false,
  );
  let failed = 0;
  const x = new Tensor([1, channels, size, size]); // one input, refilled for every image
  try {
    if (args['save-txt']) mkdirSync(join(run.dir, 'labels'), { recursive: true });
    for (const file of files) {
      let image: ReturnType<typeof decodeImage>;
      try {
        image = decodeImage(readRegularFile(file), file, maxPixels);
      } catch (error) {
        if (!(error instanceof DataError) && (error as NodeJS.ErrnoException).code === undefined) throw error;
        failed++;
        process.stderr.write(`zerodl detect predict: ${(error as Error).message}\n`);
        continue;
      }
      const boxed = letterboxImage(image, size, channels);
      for (let i = 0; i < boxed.input.length; i++) x.data[i] = (boxed.input[i] as number) / 255;
      // forward, not predict: its output buffer is reused, where predict's copy would take new wasm memory
      // for every image until the command ends
      const found = decodeDetections(model.forward(x, 'eval'), head, size, { conf, iou, maxDet })[0] ?? [];
      const detections: Detection[] = found.map((d) =>
        clipBox(fromLetterbox(d, boxed.letterbox), image.width, image.height),
      );
      const canvas = Canvas.fromRgba(image.width, image.height, image.data);
      const scale = Math.max(1, Math.round(Math.max(image.width, image.height) / 320));
      drawBoxes(canvas, detections, info.classNames, { thickness: scale * 2, textScale: scale });
      const stem = basename(file, extname(file));
      const out = join(run.dir, `${stem}.png`);
      writeFileAtomic(out, canvas.toPng());
      if (args['save-txt']) {
        const lines = detections.map((d) =>
          yoloLine(d, image.width, image.height, args['save-conf'] ?? false),
        );
        writeFileAtomic(join(run.dir, 'labels', `${stem}.txt`), lines.map((l) => `${l}\n`).join(''));
      }
      const summary = countByClass(detections, info.classNames);
      process.stderr.write(`${file}: ${image.width}×${image.height}, ${summary || 'no objects'} → ${out}\n`);
      if (args.json) {
        printJson({
          file,
          width: image.width,
          height: image.height,
          output: out,
          detections: detections.map((d) => ({
            class: d.cls,
            name: info.classNames[d.cls],
            score: round(d.score, 5),
            box: [round(d.x0, 2), round(d.y0, 2), round(d.x1, 2), round(d.y1, 2)],
          })),
        });
      }
    }
  } finally {
    run.release();
  }
  process.stderr.write(`results in ${run.dir}\n`);
  return failed > 0 ? 1 : 0;
}

/** One line of an ultralytics label file: `class cx cy w h [conf]`, normalised, numbers as C's %g. */
export function yoloLine(d: Detection, width: number, height: number, withConf: boolean): string {
  const values = [
    (d.x0 + d.x1) / 2 / width,
    (d.y0 + d.y1) / 2 / height,
    (d.x1 - d.x0) / width,
    (d.y1 - d.y0) / height,
  ];
  if (withConf) values.push(d.score);
  return [String(d.cls), ...values.map(formatG)].join(' ');
}

/** printf's %g: six significant digits, trailing zeros dropped (what ultralytics' label files hold). */
export function formatG(value: number): string {
  if (value === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, power] = value.toExponential(5).split('e');
    const trimmed = (mantissa as string).replace(/\.?0+$/, '');
    const p = Number(power);
    return `${trimmed}e${p < 0 ? '-' : '+'}${String(Math.abs(p)).padStart(2, '0')}`;
  }
  const fixed = value.toFixed(Math.max(0, 5 - exponent));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** The box clipped to the image (a detection may reach into the letterbox's padding). */
function clipBox(d: Detection, width: number, height: number): Detection {
  const clip = (v: number, limit: number) => Math.min(limit, Math.max(0, v));
  return {
    ...d,
    x0: clip(d.x0, width),
    y0: clip(d.y0, height),
    x1: clip(d.x1, width),
    y1: clip(d.y1, height),
  };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function countByClass(detections: readonly Detection[], names: readonly string[]): string {
  const counts = new Map<number, number>();
  for (const d of detections) counts.set(d.cls, (counts.get(d.cls) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a - b)
    .map(([cls, n]) => `${n} ${names[cls] ?? cls}`)
    .join(', ');
}
