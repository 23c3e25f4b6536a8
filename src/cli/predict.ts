// `zerodl predict`: classifies image files (or every image in a folder) with a trained model and
// prints the class and the scores per image.

import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { loadImageAsInput } from '../data/images.js';
import { loadModelDir } from '../model/model_dir.js';
import { Tensor } from '../tensor/tensor.js';
import { argmax } from '../train/evaluate.js';
import { DataError, ValueError } from '../util/errors.js';
import { parseCommand, printJson } from './args.js';

export const PREDICT_HELP = `zerodl predict <image or folder> … --model <dir>: classify images

  --model <dir>                    the model directory (model.json + weights)
  --polarity <auto|none|invert>    make images light-on-dark like MNIST ('auto': by the border)  [auto]
  --json                           one JSON object per image on stdout: file, class, scores
`;

const OPTIONS = {
  model: { type: 'string' },
  polarity: { type: 'string' },
  json: { type: 'boolean' },
} as const;
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** Runs `zerodl predict`; returns the exit code. */
export function predictCommand(argv: string[]): number {
  const { values: args, positionals } = parseCommand('predict', argv, OPTIONS);
  if (args.help) {
    process.stdout.write(PREDICT_HELP);
    return 0;
  }
  if (args.model === undefined) throw new ValueError('zerodl predict: --model <dir> is required');
  if (positionals.length === 0)
    throw new ValueError('zerodl predict: give at least one image file or folder');
  const polarity = (args.polarity ?? 'auto') as 'auto' | 'none' | 'invert';
  const { model, info } = loadModelDir(args.model);
  const { width, height } = info.preprocessing;
  const files = positionals.flatMap(imageFiles);
  // Softmax turns a cross-entropy model's outputs into probabilities; an SSE model's outputs are its scores.
  const probabilities = info.architecture.loss === 'cross_entropy';
  for (const file of files) {
    const x = new Tensor(
      [1, ...info.architecture.inputShape],
      loadImageAsInput(file, { width, height, polarity }),
    );
    const y = model.predict(x).data;
    const scores = probabilities ? softmax(y) : [...y];
    const best = argmax(scores, 0, scores.length);
    const result = {
      file,
      class: info.classNames[best],
      score: scores[best],
      scores: Object.fromEntries(info.classNames.map((name, i) => [name, round(scores[i])])),
    };
    if (args.json) printJson(result);
    else
      process.stdout.write(
        `${file}: ${result.class} (${probabilities ? 'probability' : 'score'} ${scores[best].toFixed(3)})  ${info.classNames.map((n, i) => `${n}:${scores[i].toFixed(3)}`).join(' ')}\n`,
      );
  }
  return 0;
}

/** A file as given, or the images of a folder (sorted). */
function imageFiles(path: string): string[] {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) throw new DataError(`${path}: no such file or folder`);
  if (!stats.isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase()))
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0) throw new DataError(`${path}: no .png, .jpg or .jpeg images in this folder`);
  return files;
}

function softmax(values: ArrayLike<number>): number[] {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]);
  const exps = Array.from(values, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function round(value: number): number {
  return Number(value.toPrecision(6));
}
