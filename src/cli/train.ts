// Node-only (the command line).
// `zerodl train`: trains a classifier on MNIST (default: the seed article's setup exactly) or on a
// folder-per-class image set, writes runs/train/<name>/, and ends with the test accuracy.

import { join } from 'node:path';
import { splitTrainValidation } from '../data/batches.js';
import { type LabeledImages, loadImageFolder } from '../data/datasets.js';
import { loadMnist, parseMnistClasses } from '../data/mnist.js';
import { parseWeightInit } from '../layers/init.js';
import {
  type Architecture,
  buildModel,
  deepCnnArchitecture,
  lossName,
  mlpArchitecture,
  simpleCnnArchitecture,
} from '../model/architecture.js';
import { loadModelInfo } from '../model/model_dir.js';
import {
  asModelInput,
  assignWeights,
  MODEL_FORMAT_VERSION,
  type ModelInfo,
  modelState,
  type Preprocessing,
} from '../model/model_info.js';
import { loadSafetensors } from '../model/safetensors_file.js';
import { createOptimizer, OPTIMIZER_NAMES } from '../optimizers/create.js';
import { Tensor } from '../tensor/tensor.js';
import { evaluate } from '../train/evaluate.js';
import { claimRunFolder, lockRunFolder, removeIfNoModel } from '../train/run_folder.js';
import { checkSchedule, type LrSchedule } from '../train/schedule.js';
import { BEST_WEIGHTS, type TrainResult, train } from '../train/trainer.js';
import { DataError, ShapeError, ValueError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { readRegularFile } from '../util/regular_file.js';
import {
  MAX_PIXELS_OPTION,
  maxPixelsOption,
  numberOption,
  type OptionValues,
  parseCommand,
  printJson,
} from './args.js';

export const TRAIN_HELP = `zerodl train: train an image classifier (defaults: the seed article's network on MNIST 0/1/2)

  --data <mnist|folder>   MNIST (built in) or a folder of class folders (root/<class>/*.png)  [mnist]
  --test-data <folder>    test images for a folder data set (same layout)
  --classes <list|all>    MNIST digits to learn, e.g. 0,1,2 or all                      [0,1,2]
  --arch <arch>           layer widths such as 784-500-100-10 (LeakyReLU between), or a
                          preset: simple-cnn, deep-cnn, deep-cnn-bn (with batch norm)     [784-500-100-<classes>]
  --model-config <file>   the architecture as JSON: { inputShape, layers: [...], loss }
  --alpha <a>             LeakyReLU slope                                                [0.1]
  --loss <sse|ce>         sum of squared errors (the seed's) or softmax cross-entropy    [sse; ce for CNN presets]
  --optimizer <name>      ${OPTIMIZER_NAMES.join(', ')}  [momentum]
  --lr <lr>               learning rate                                                  [0.01]
  --momentum <m>          momentum for momentum and nesterov                             [0.9]
  --weight-decay <λ>      L2 weight decay on weights (not biases)                        [0]
  --schedule <kind>       learning rate over the run: constant, step or cosine          [constant]
  --lrf <fraction>        cosine: final learning rate as a fraction of --lr             [0.01]
  --warmup-epochs <e>     linear warm-up from 0 to --lr over e epochs                    [0]
  --step-size <e>         step: multiply the rate by --gamma every e epochs              [epochs/3]
  --gamma <g>             step: the factor                                               [0.1]
  --init <he|xavier|std>  weight init: he, xavier, or a standard deviation such as 0.01   [0.01]
  --epochs <n>            passes over the training set                                   [1]
  --batch <n>             mini-batch size; the sse loss is summed over the batch, so a    [1]
                          larger batch needs a smaller --lr (about 0.01/batch) or --loss ce
  --augment-shift <px>    move each training image by up to ±px whole pixels (CNNs)      [0]
  --augment-degrees <d>   rotate each training image by up to ±d degrees                  [0]
  --augment-scale <s>     scale each training image by a factor in [1 − s, 1 + s]         [0]
  --val <fraction>        share of the training set held out for validation             [0.05]
  --imgsz <n>             image side for folder data sets                                [28]
  --max-pixels <n>        refuse larger images (from their header, before decoding)     [100000000]
  --seed <n>              seeds weights, split and shuffling                             [0]
  --project <dir>         where runs go                                                  [runs/train]
  --name <name>           run name; exp, exp2 … when it exists or another run has it    [exp]
  --exist-ok              reuse an existing run folder (not one in use) instead of numbering
                          a new one; its model stays until this run's first epoch is saved
  --resume <run dir>      continue an interrupted run from its weights/last.safetensors
  --json                  print the final result as one JSON object on stdout
`;

const OPTIONS = {
  ...MAX_PIXELS_OPTION,
  data: { type: 'string' },
  'test-data': { type: 'string' },
  classes: { type: 'string' },
  arch: { type: 'string' },
  'model-config': { type: 'string' },
  alpha: { type: 'string' },
  loss: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  'weight-decay': { type: 'string' },
  schedule: { type: 'string' },
  lrf: { type: 'string' },
  'warmup-epochs': { type: 'string' },
  'step-size': { type: 'string' },
  gamma: { type: 'string' },
  init: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  val: { type: 'string' },
  'augment-shift': { type: 'string' },
  'augment-degrees': { type: 'string' },
  'augment-scale': { type: 'string' },
  imgsz: { type: 'string' },
  seed: { type: 'string' },
  project: { type: 'string' },
  name: { type: 'string' },
  'exist-ok': { type: 'boolean' },
  resume: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type TrainArgs = OptionValues<typeof OPTIONS>;

/** Runs `zerodl train` with the given arguments; returns the process exit code. */
export function trainCommand(argv: string[]): number {
  const parsed = parseCommand('train', argv, OPTIONS);
  if (parsed.values.help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  if (parsed.positionals.length > 0)
    throw new ValueError(`zerodl train: unexpected argument '${parsed.positionals[0]}'`);
  // A resumed run takes its settings from the run's model.json; flags given now (e.g. --epochs) win.
  const resumeDir = parsed.values.resume;
  const args: TrainArgs = resumeDir
    ? { ...(loadModelInfo(resumeDir).training?.args as TrainArgs), ...withoutResume(parsed.values) }
    : parsed.values;

  const seed = numberOption('seed', args.seed, 0, { integer: true, min: 0 });
  const imgsz = numberOption('imgsz', args.imgsz, 28, { integer: true, min: 1 });
  const { trainSet, testSet } = loadData(args, imgsz);
  const classNames = trainSet.classNames;
  const architecture = resolveArchitecture(args, imgsz, classNames.length);
  trainSet.x = asModelInput(trainSet.x, architecture);
  testSet.x = asModelInput(testSet.x, architecture);
  const model = buildModel(architecture, { init: parseWeightInit(args.init ?? '0.01'), seed });
  const optimizer = createOptimizer(args.optimizer ?? 'momentum', {
    lr: numberOption('lr', args.lr, 0.01, { min: 0 }),
    momentum: numberOption('momentum', args.momentum, 0.9, { min: 0 }),
  });
  const valFraction = numberOption('val', args.val, 0.05, { min: 0 });
  const { train: trainIndices, validation: valIndices } = splitTrainValidation(
    trainSet.labels.length,
    valFraction,
    new Random(seed),
  );
  const epochs = numberOption('epochs', args.epochs, 1, { integer: true, min: 1 });
  const batchSize = numberOption('batch', args.batch, 1, { integer: true, min: 1 });
  const settings = {
    epochs,
    batchSize,
    seed,
    weightDecay: numberOption('weight-decay', args['weight-decay'], 0, { min: 0 }),
    augment: {
      shift: numberOption('augment-shift', args['augment-shift'], 0, { integer: true, min: 0 }),
      degrees: numberOption('augment-degrees', args['augment-degrees'], 0, { min: 0, max: 180 }),
      scale: numberOption('augment-scale', args['augment-scale'], 0, { min: 0, max: 0.99 }),
    },
    schedule: {
      kind: (args.schedule ?? 'constant') as LrSchedule['kind'],
      finalFraction: numberOption('lrf', args.lrf, 0.01, { min: 0 }),
      warmupEpochs: numberOption('warmup-epochs', args['warmup-epochs'], 0, { min: 0 }),
      ...(args['step-size']
        ? { stepSize: numberOption('step-size', args['step-size'], 1, { min: 1e-9 }) }
        : {}),
      gamma: numberOption('gamma', args.gamma, 0.1, { min: 0 }),
    },
  };
  checkSchedule({ ...settings.schedule, lr: optimizer.lr, epochs });
  const preprocessing: Preprocessing = { width: imgsz, height: imgsz, channels: 1, polarity: 'auto' };
  const modelInfo: Omit<ModelInfo, 'weights'> = {
    format: 'zerodl-model',
    version: MODEL_FORMAT_VERSION,
    architecture,
    classNames,
    preprocessing,
    training: { args: { ...withoutResume(args), seed: String(seed) }, data: args.data ?? 'mnist' },
  };

  // The run folder is claimed once everything above is checked, so a mistake leaves no folder behind
  const run = resumeDir
    ? lockRunFolder(resumeDir)
    : claimRunFolder(args.project ?? join('runs', 'train'), args.name ?? 'exp', args['exist-ok'] ?? false);
  const runDir = run.dir;
  let result: TrainResult;
  const log = process.stderr;
  try {
    log.write(`zerodl train → ${runDir}\n${model.summary()}\n`);
    log.write(
      `train ${trainIndices.length} images, validation ${valIndices.length}, test ${testSet.labels.length}\n`,
    );
    result = train({
      model,
      optimizer,
      train: subset(trainSet, trainIndices),
      validation: valIndices.length > 0 ? subset(trainSet, valIndices) : undefined,
      ...settings,
      runDir,
      modelInfo,
      resume: resumeDir !== undefined,
    });
  } catch (error) {
    removeIfNoModel(run);
    throw error;
  } finally {
    run.release();
  }
  if (result.stoppedEarly) {
    log.write(
      `training stopped: ${result.stoppedEarly}\n${divergenceHint(architecture, optimizer.lr, batchSize)}\n`,
    );
  }
  if (result.epochs === 0) {
    // Nothing of this run was saved: a folder it made is removed, an earlier run's is left as it was
    removeIfNoModel(run);
    if (args.json)
      printJson({ epochs: 0, seconds: result.seconds, modelDir: null, stoppedEarly: result.stoppedEarly });
    return 1;
  }
  // Score the kept model: the epoch with the best validation accuracy (the last one without validation).
  const bestFile = join(runDir, BEST_WEIGHTS);
  assignWeights(modelState(model), loadSafetensors(bestFile).tensors, bestFile);

  const test = evaluate(model, testSet.x, testSet.labels, classNames.length);
  log.write(
    `test accuracy ${test.accuracy.toFixed(4)}, test loss ${test.loss.toFixed(4)} (${test.samples} images), ${result.seconds.toFixed(1)} s; model in ${runDir}\n`,
  );
  if (args.json) {
    printJson({
      testAccuracy: test.accuracy,
      testLoss: test.loss,
      epochs: result.epochs,
      seconds: result.seconds,
      modelDir: runDir,
      classNames,
      ...(result.stoppedEarly ? { stoppedEarly: result.stoppedEarly } : {}),
    });
  }
  return result.stoppedEarly ? 1 : 0;
}

/** What to change when the loss became NaN or infinite. */
function divergenceHint(architecture: Architecture, lr: number, batchSize: number): string {
  if (architecture.loss === 'sse' && batchSize > 1) {
    return `The sse loss is summed over the batch, so --batch ${batchSize} makes each step ${batchSize} times larger: use --lr ${Number((lr / batchSize).toPrecision(2))} (--lr / --batch) or --loss ce.`;
  }
  return `Try a smaller --lr (now ${lr}).`;
}

function loadData(args: TrainArgs, imgsz: number): { trainSet: LabeledImages; testSet: LabeledImages } {
  const data = args.data ?? 'mnist';
  if (data === 'mnist') {
    if (imgsz !== 28) throw new ValueError('--imgsz: MNIST images are 28×28');
    const classes = parseMnistClasses(args.classes ?? '0,1,2');
    return {
      trainSet: loadMnist({ split: 'train', classes }),
      testSet: loadMnist({ split: 'test', classes }),
    };
  }
  if (args.classes !== undefined)
    throw new ValueError('--classes applies to MNIST; a folder data set takes its classes from its folders');
  const maxPixels = maxPixelsOption(args['max-pixels']);
  const trainSet = loadImageFolder(data, { width: imgsz, height: imgsz, maxPixels });
  const testFolder = args['test-data'];
  const testSet = testFolder
    ? loadImageFolder(testFolder, { width: imgsz, height: imgsz, classNames: trainSet.classNames, maxPixels })
    : { x: new Tensor([0, imgsz * imgsz]), labels: new Int32Array(0), classNames: trainSet.classNames };
  return { trainSet, testSet };
}

/** The architecture from --model-config, a --arch preset, or --arch widths; checked against the data. */
function resolveArchitecture(args: TrainArgs, imgsz: number, classes: number): Architecture {
  const where = args['model-config'] ?? `--arch ${args.arch}`;
  let architecture: Architecture;
  if (args['model-config'] !== undefined) {
    if (args.arch !== undefined) throw new ValueError('give either --arch or --model-config, not both');
    architecture = readArchitecture(args['model-config']);
  } else if (args.arch !== undefined && ARCH_PRESETS[args.arch] !== undefined) {
    if (imgsz !== 28) throw new ValueError(`--arch ${args.arch}: the preset takes 28×28 images`);
    architecture = ARCH_PRESETS[args.arch](classes);
  } else {
    const sizes = (args.arch ?? `${imgsz * imgsz}-500-100-${classes}`).split('-').map(Number);
    architecture = mlpArchitecture(sizes, 'sse', numberOption('alpha', args.alpha, 0.1));
  }
  if (args.loss !== undefined && architecture !== null && typeof architecture === 'object')
    architecture.loss = lossName(args.loss);
  // Checks the whole architecture (a JSON array or a layer without a type is a clear error); a model
  // only looked at draws no weights
  let outputs: number[];
  try {
    outputs = buildModel(architecture, { init: 'zeros' }).outputShape([1, ...architecture.inputShape]);
  } catch (error) {
    if (error instanceof ValueError || error instanceof ShapeError)
      throw new (error.constructor as typeof ValueError)(`${where}: ${error.message}`);
    throw error;
  }
  const pixels = architecture.inputShape.reduce((a, b) => a * b, 1);
  if (pixels !== imgsz * imgsz) {
    throw new ValueError(
      `${where}: the input [${architecture.inputShape.join(', ')}] must hold the ${imgsz}×${imgsz} image's ${imgsz * imgsz} pixels`,
    );
  }
  if (outputs.length !== 2 || outputs[1] !== classes) {
    throw new ValueError(
      `${where}: the output width must be ${classes}, the number of classes (the network gives [${outputs.join(', ')}])`,
    );
  }
  return architecture;
}

const ARCH_PRESETS: Record<string, (classes: number) => Architecture> = {
  'simple-cnn': simpleCnnArchitecture,
  'deep-cnn': (classes) => deepCnnArchitecture(classes),
  'deep-cnn-bn': (classes) => deepCnnArchitecture(classes, { batchNorm: true }),
};

function readArchitecture(file: string): Architecture {
  let text: string;
  try {
    text = readRegularFile(file, 'utf8');
  } catch (error) {
    throw new DataError(`${file}: cannot read the model config: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as Architecture;
  } catch (error) {
    throw new DataError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
}

function subset(set: LabeledImages, indices: number[]): LabeledImages {
  const width = set.x.size / Math.max(1, set.labels.length);
  const x = new Tensor([indices.length, ...set.x.shape.slice(1)]);
  indices.forEach((index, row) => {
    x.data.set(set.x.data.subarray(index * width, (index + 1) * width), row * width);
  });
  return { x, labels: Int32Array.from(indices, (i) => set.labels[i]), classNames: set.classNames };
}

function withoutResume(values: TrainArgs): TrainArgs {
  const { resume: _resume, help: _help, ...rest } = values;
  return rest as TrainArgs;
}
