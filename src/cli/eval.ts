// Node-only (the command line).
// `zerodl eval`: scores a trained classifier on the MNIST test split of its classes (or on a
// folder-per-class test set): accuracy, loss, per-class accuracy and the confusion matrix.

import { loadImageFolder } from '../data/datasets.js';
import { loadMnist, parseMnistClasses } from '../data/mnist.js';
import { loadModelDir } from '../model/model_dir.js';
import { asModelInput } from '../model/model_info.js';
import { evaluate } from '../train/evaluate.js';
import { ValueError } from '../util/errors.js';
import { MAX_PIXELS_OPTION, maxPixelsOption, parseCommand, printJson } from './args.js';

export const EVAL_HELP = `zerodl eval: evaluate a trained classifier

  --model <dir>        the model directory (model.json + weights), e.g. runs/train/exp
  --data <mnist|folder> MNIST's test split of the model's classes, or a folder of class folders  [mnist]
  --json               print the result as one JSON object on stdout
  --max-pixels <n>     refuse larger images (from their header, before decoding)  [100000000]
`;

const OPTIONS = {
  model: { type: 'string' },
  data: { type: 'string' },
  json: { type: 'boolean' },
  ...MAX_PIXELS_OPTION,
} as const;

/** Runs `zerodl eval`; returns the exit code. */
export function evalCommand(argv: string[]): number {
  const { values: args } = parseCommand('eval', argv, OPTIONS);
  if (args.help) {
    process.stdout.write(EVAL_HELP);
    return 0;
  }
  if (args.model === undefined) throw new ValueError('zerodl eval: --model <dir> is required');
  const { model, info } = loadModelDir(args.model);
  const data = args.data ?? 'mnist';
  const { width, height } = info.preprocessing;
  const testSet =
    data === 'mnist'
      ? loadMnist({ split: 'test', classes: parseMnistClasses(info.classNames.join(',')) })
      : loadImageFolder(data, {
          width,
          height,
          polarity: info.preprocessing.polarity,
          classNames: info.classNames,
          maxPixels: maxPixelsOption(args['max-pixels']),
        });
  const result = evaluate(
    model,
    asModelInput(testSet.x, info.architecture),
    testSet.labels,
    info.classNames.length,
  );
  const perClass = result.confusion.map((row, i) => ({
    class: info.classNames[i],
    images: row.reduce((a, b) => a + b, 0),
    accuracy:
      row[i] /
      Math.max(
        1,
        row.reduce((a, b) => a + b, 0),
      ),
  }));
  process.stderr.write(
    `${args.model} on ${data === 'mnist' ? 'the MNIST test split' : data}: ${result.samples} images\n`,
  );
  for (const row of perClass) {
    process.stderr.write(
      `  class ${row.class.padEnd(8)} ${String(row.images).padStart(6)} images  accuracy ${row.accuracy.toFixed(4)}\n`,
    );
  }
  process.stderr.write(`accuracy ${result.accuracy.toFixed(4)}  loss ${result.loss.toFixed(4)}\n`);
  if (args.json) {
    printJson({
      accuracy: result.accuracy,
      loss: result.loss,
      samples: result.samples,
      classNames: info.classNames,
      perClass,
      confusion: result.confusion,
    });
  }
  return 0;
}
