// Node-only (the command line).
// `zerodl predict`: classifies image files (or every image in a folder) with a trained model and
// prints the class and the scores per image. An image that cannot be read or decoded is reported with
// its reason and the others are still classified; the exit code is 1 if any failed.

import { loadImageAsInput } from '../data/images.js';
import { loadModelDir } from '../model/model_dir.js';
import { Tensor } from '../tensor/tensor.js';
import { argmax } from '../train/evaluate.js';
import { DataError, ValueError } from '../util/errors.js';
import { imageSources, MAX_PIXELS_OPTION, maxPixelsOption, parseCommand, printJson } from './args.js';

export const PREDICT_HELP = `zerodl predict <image or folder> … --model <dir>: classify images

  --model <dir>                    the model directory (model.json + weights)
  --polarity <auto|none|invert>    make images light-on-dark like MNIST ('auto': by the border)  [auto]
  --json                           one JSON object per image on stdout: file, class, scores
                                   (file, error for an image that could not be read)
  --max-pixels <n>                 refuse larger images (from their header, before decoding)  [100000000]

Folders: their .png, .jpg and .jpeg files, hidden ones (.name) skipped, as training does. An image
that cannot be read is reported on stderr and the rest are classified; the exit code is then 1.
`;

const OPTIONS = {
  model: { type: 'string' },
  polarity: { type: 'string' },
  json: { type: 'boolean' },
  ...MAX_PIXELS_OPTION,
} as const;

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
  const maxPixels = maxPixelsOption(args['max-pixels']);
  const { model, info } = loadModelDir(args.model);
  const { width, height } = info.preprocessing;
  const files = positionals.flatMap(imageSources);
  // Softmax turns a cross-entropy model's outputs into probabilities; an SSE model's outputs are its scores.
  const probabilities = info.architecture.loss === 'cross_entropy';
  let failed = 0;
  for (const file of files) {
    let input: Float32Array;
    try {
      input = loadImageAsInput(file, { width, height, polarity, maxPixels });
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      failed++;
      process.stderr.write(`zerodl predict: ${error.message}\n`); // the message names the file
      if (args.json) printJson({ file, error: error.message });
      continue;
    }
    const x = new Tensor([1, ...info.architecture.inputShape], input);
    // forward, not predict: its output buffer is reused, where predict's copy would take new wasm memory
    // for every image until the command ends
    const y = model.forward(x, 'eval').data;
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
  if (failed > 0) {
    process.stderr.write(`zerodl predict: ${failed} of ${files.length} images could not be classified\n`);
    return 1;
  }
  return 0;
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
