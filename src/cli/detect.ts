// Node-only (the command line).
// `zerodl detect <train|val|predict|explain|scenes|check>`: YOLOv1 object detection with the argument
// names ultralytics users know (`--data`, `--model`, `--imgsz`, `--lr0`, `--conf`, `--iou` …). Runs go
// to runs/detect/<name>/ as ultralytics writes them.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { YoloHead } from '../detection/head.js';
import { parseWeightInit } from '../layers/init.js';
import {
  type Architecture,
  buildModel,
  checkArchitecture,
  yoloV1Architecture,
} from '../model/architecture.js';
import { loadDetectorDir, loadModelInfo } from '../model/model_dir.js';
import { assignWeights, MODEL_FORMAT_VERSION, type ModelInfo, modelState } from '../model/model_info.js';
import { loadSafetensors } from '../model/safetensors_file.js';
import { createOptimizer, OPTIMIZER_NAMES } from '../optimizers/create.js';
import { trainDetector, validateDetector } from '../train/detect_trainer.js';
import { type DetectionSource, openDetectionData } from '../train/detection_data.js';
import { claimRunFolder, lockRunFolder, removeIfNoModel } from '../train/run_folder.js';
import { checkSchedule, type LrSchedule } from '../train/schedule.js';
import { DataError, ValueError } from '../util/errors.js';
import { readRegularFile } from '../util/regular_file.js';
import { numberOption, type OptionValues, parseCommand, printJson } from './args.js';
import {
  DETECT_CHECK_HELP,
  DETECT_SCENES_HELP,
  detectCheckCommand,
  detectScenesCommand,
} from './detect_data.js';
import { DETECT_EXPLAIN_HELP, detectExplainCommand } from './detect_explain.js';
import { DETECT_PREDICT_HELP, detectPredictCommand } from './detect_predict.js';

export const DETECT_HELP = `zerodl detect: YOLOv1 object detection from scratch

Usage:
  zerodl detect train [options]                 train a detector (default: MNIST-scenes, the yolov1-tiny preset)
  zerodl detect val --model <dir> [options]     mAP50, mAP50-95, precision, recall per class
  zerodl detect predict --model <dir> --source <image|folder>   draw the boxes it finds
  zerodl detect explain --model <dir> --source <image> [--labels <txt>]   look inside: grid, predictors, loss terms
  zerodl detect scenes --out <dir>              write MNIST-scenes as an ultralytics data set
  zerodl detect check --data <yaml>             count objects, bad labels, and objects a grid cannot hold
  zerodl detect <command> --help                options of a command

--data is an ultralytics data YAML (path, train, val, test, names) or mnist-scenes (built in).
`;

const DETECT_TRAIN_HELP = `zerodl detect train: train a YOLOv1 detector

  --data <yaml|mnist-scenes>  ultralytics data YAML, or the built-in MNIST-scenes         [mnist-scenes]
  --model <name|file|dir>     a preset (yolov1-tiny), an architecture JSON file, or a
                              trained model folder to start from                          [yolov1-tiny]
  --imgsz <n>                 square input side in pixels                                  [96]
  --grid <S>                  cells per side (presets: imgsz/16)                           [imgsz/16]
  --channels <1|3>            grey or RGB input (images are converted)        [MNIST-scenes 1, YAML data 3]
  --epochs <n>                passes over the training set (MNIST-scenes: 10,000 new scenes each) [40]
  --batch <n>                 mini-batch size                                              [32]
  --optimizer <name>          ${OPTIMIZER_NAMES.join(', ')}  [adam]
  --lr0 <lr>                  initial learning rate                                        [0.008]
  --lrf <fraction>            final learning rate as a fraction of lr0 (linear decay)     [0.01]
  --momentum <m>              momentum for momentum and nesterov                           [0.9]
  --warmup-epochs <e>         linear warm-up from 0 to lr0                                 [1]
  --weight-decay <λ>          L2 weight decay on weights (not biases)                      [0.0005]
  --patience <n>              stop after n epochs without a better fitness (0.1·mAP50 + 0.9·mAP50-95) [off]
  --train-count <n>           MNIST-scenes: scenes per epoch, at most 100,000 (held in memory) [10000]
  --seed <n>                  seeds weights and shuffling                                  [0]
  --strict                    stop at the first bad label line (default: skip and count it)
  --project <dir>             where runs go                                                [runs/detect]
  --name <name>               run name; exp, exp2 … when it exists                         [exp]
  --exist-ok                  reuse an existing run folder (not one in use)
  --resume <run dir>          continue an interrupted run from its weights/last.safetensors
  --json                      print the final result as one JSON object on stdout
`;

const DETECT_VAL_HELP = `zerodl detect val: score a detector

  --model <dir>               the model folder (model.json + weights)
  --data <yaml|mnist-scenes>  the data set                                       [the one it was trained on]
  --split <val|test>          which split                                        [val]
  --conf <score>              keep detections scoring at least this (score = confidence × class probability) [0.001]
  --iou <t>                   NMS: drop a box overlapping a better one of its class by more than this [0.5]
  --strict                    stop at the first bad label line (default: skip and count it)
  --json                      print the result as one JSON object on stdout

Matching detections to labels for mAP uses its own IoU thresholds (0.5 for mAP50, 0.5:0.95 for
mAP50-95), whatever --iou is: --iou only decides which overlapping detections NMS keeps.
`;

const TRAIN_OPTIONS = {
  data: { type: 'string' },
  model: { type: 'string' },
  imgsz: { type: 'string' },
  grid: { type: 'string' },
  channels: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  optimizer: { type: 'string' },
  lr0: { type: 'string' },
  lrf: { type: 'string' },
  momentum: { type: 'string' },
  'warmup-epochs': { type: 'string' },
  'weight-decay': { type: 'string' },
  patience: { type: 'string' },
  'train-count': { type: 'string' },
  seed: { type: 'string' },
  strict: { type: 'boolean' },
  project: { type: 'string' },
  name: { type: 'string' },
  'exist-ok': { type: 'boolean' },
  resume: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type TrainArgs = OptionValues<typeof TRAIN_OPTIONS>;

const SUBCOMMANDS: Record<string, { run: (argv: string[]) => number; help: string }> = {
  train: { run: detectTrainCommand, help: DETECT_TRAIN_HELP },
  val: { run: detectValCommand, help: DETECT_VAL_HELP },
  predict: { run: detectPredictCommand, help: DETECT_PREDICT_HELP },
  explain: { run: detectExplainCommand, help: DETECT_EXPLAIN_HELP },
  scenes: { run: detectScenesCommand, help: DETECT_SCENES_HELP },
  check: { run: detectCheckCommand, help: DETECT_CHECK_HELP },
};

/** Runs `zerodl detect <subcommand>`; returns the exit code. */
export function detectCommand(argv: string[]): number {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(DETECT_HELP);
    return 0;
  }
  const entry = SUBCOMMANDS[sub];
  if (entry === undefined) throw new ValueError(`zerodl detect: unknown command '${sub}'\n\n${DETECT_HELP}`);
  return entry.run(rest);
}

/** `zerodl detect train`. */
function detectTrainCommand(argv: string[]): number {
  const parsed = parseCommand('detect train', argv, TRAIN_OPTIONS);
  if (parsed.values.help) {
    process.stdout.write(DETECT_TRAIN_HELP);
    return 0;
  }
  if (parsed.positionals.length > 0)
    throw new ValueError(`zerodl detect train: unexpected argument '${parsed.positionals[0]}'`);
  const resumeDir = parsed.values.resume;
  const args: TrainArgs = resumeDir
    ? { ...(loadModelInfo(resumeDir).training?.args as TrainArgs), ...withoutResume(parsed.values) }
    : parsed.values;
  const seed = numberOption('seed', args.seed, 0, { integer: true, min: 0 });
  const imgsz = numberOption('imgsz', args.imgsz, 96, { integer: true, min: 16, max: 4096 });
  const epochs = numberOption('epochs', args.epochs, 40, { integer: true, min: 1 });
  const batchSize = numberOption('batch', args.batch, 32, { integer: true, min: 1 });
  const patience =
    args.patience === undefined
      ? undefined
      : numberOption('patience', args.patience, 0, { integer: true, min: 1 });
  const channels = args.channels === undefined ? undefined : channelsOption(args.channels);
  const data = openDetectionData(args.data ?? 'mnist-scenes', {
    imageSize: imgsz,
    ...(channels ? { channels } : {}),
    strict: args.strict ?? false,
    trainCount: numberOption('train-count', args['train-count'], 10000, {
      integer: true,
      min: 1,
      max: 100_000,
    }),
  });
  const { architecture, start } = resolveDetector(args, imgsz, data);
  const head = architecture.head as YoloHead;
  const model = buildModel(architecture, { init: parseWeightInit('he'), seed });
  if (start) {
    const file = join(start, loadModelInfo(start).weights);
    assignWeights(modelState(model), loadSafetensors(file).tensors, file);
  }
  const optimizer = createOptimizer(args.optimizer ?? 'adam', {
    lr: numberOption('lr0', args.lr0, 0.008, { min: 0 }),
    momentum: numberOption('momentum', args.momentum, 0.9, { min: 0 }),
  });
  const schedule = {
    kind: 'linear' as LrSchedule['kind'],
    finalFraction: numberOption('lrf', args.lrf, 0.01, { min: 0 }),
    warmupEpochs: numberOption('warmup-epochs', args['warmup-epochs'], 1, { min: 0 }),
  };
  checkSchedule({ ...schedule, lr: optimizer.lr, epochs });
  const modelInfo: Omit<ModelInfo, 'weights'> = {
    format: 'zerodl-model',
    version: MODEL_FORMAT_VERSION,
    task: 'detect',
    architecture,
    classNames: [...data.names],
    preprocessing: {
      width: imgsz,
      height: imgsz,
      channels: data.channels,
      polarity: 'none',
      letterbox: true,
    },
    training: { args: { ...withoutResume(args), seed: String(seed) }, data: args.data ?? 'mnist-scenes' },
  };
  const run = resumeDir
    ? lockRunFolder(resumeDir)
    : claimRunFolder(args.project ?? join('runs', 'detect'), args.name ?? 'exp', args['exist-ok'] ?? false);
  const log = process.stderr;
  let result: ReturnType<typeof trainDetector>;
  try {
    log.write(`zerodl detect train → ${run.dir}\n${model.summary()}\n${data.description}\n`);
    result = trainDetector(
      {
        model,
        optimizer,
        epochs,
        seed,
        weightDecay: numberOption('weight-decay', args['weight-decay'], 0.0005, { min: 0 }),
        schedule,
        runDir: run.dir,
        modelInfo,
        resume: resumeDir !== undefined,
        patience,
        head,
        imageSize: imgsz,
        channels: data.channels,
        train: (epoch) => data.split('train', epoch),
        validation: data.split('val'),
        batchSize,
      },
      data.names,
    );
  } catch (error) {
    removeIfNoModel(run);
    throw error;
  } finally {
    run.release();
  }
  if (result.stoppedEarly)
    log.write(`training stopped: ${result.stoppedEarly}\nTry a smaller --lr0 (now ${optimizer.lr}).\n`);
  if (result.epochs === 0) {
    removeIfNoModel(run);
    if (args.json)
      printJson({ epochs: 0, seconds: result.seconds, modelDir: null, stoppedEarly: result.stoppedEarly });
    return 1;
  }
  const last = result.rows[result.rows.length - 1];
  const best = result.rows.find((row) => row.epoch === result.bestEpoch) ?? last;
  log.write(
    `${result.epochs} epochs in ${result.seconds.toFixed(1)} s; best epoch ${result.bestEpoch}: mAP50 ${fixed(best?.mAP50)} mAP50-95 ${fixed(best?.mAP50_95)}; model in ${run.dir}\n`,
  );
  if (args.json) {
    printJson({
      epochs: result.epochs,
      bestEpoch: result.bestEpoch,
      mAP50: best?.mAP50 ?? null,
      mAP50_95: best?.mAP50_95 ?? null,
      precision: best?.precision ?? null,
      recall: best?.recall ?? null,
      seconds: result.seconds,
      modelDir: run.dir,
      ...(result.stoppedEarly ? { stoppedEarly: result.stoppedEarly } : {}),
    });
  }
  return result.stoppedEarly ? 1 : 0;
}

function channelsOption(text: string): 1 | 3 {
  if (text !== '1' && text !== '3')
    throw new ValueError(`--channels must be 1 (grey) or 3 (RGB), got '${text}'`);
  return Number(text) as 1 | 3;
}

function fixed(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(4);
}

/** The detector's architecture from --model (preset, JSON file or trained folder), checked against the data. */
function resolveDetector(
  args: TrainArgs,
  imgsz: number,
  data: DetectionSource,
): { architecture: Architecture; start?: string } {
  const spec = args.model ?? 'yolov1-tiny';
  const classes = data.names.length;
  let architecture: Architecture;
  let start: string | undefined;
  if (spec === 'yolov1-tiny') {
    const grid = numberOption('grid', args.grid, Math.round(imgsz / 16), { integer: true, min: 1 });
    architecture = yoloV1Architecture({ imageSize: imgsz, channels: data.channels, grid, boxes: 2, classes });
  } else if (existsSync(spec) && statSync(spec).isDirectory()) {
    const info = loadModelInfo(spec);
    architecture = info.architecture;
    start = spec;
  } else if (existsSync(spec)) {
    architecture = readJson(spec) as Architecture;
  } else {
    throw new ValueError(
      `--model '${spec}': not a preset (yolov1-tiny), an architecture JSON file or a model folder`,
    );
  }
  checkArchitecture(architecture);
  const head = architecture.head;
  if (architecture.loss !== 'yolov1' || head === undefined)
    throw new ValueError(`--model ${spec}: not a detector (its loss must be "yolov1" with a "head")`);
  if (head.classes !== classes)
    throw new ValueError(
      `--model ${spec}: its head has ${head.classes} classes but the data has ${classes} names`,
    );
  const [c, h, w] = architecture.inputShape;
  if (c !== data.channels)
    throw new ValueError(
      `--model ${spec}: its input has ${c} channels but the data is read with ${data.channels} (--channels)`,
    );
  if (h !== imgsz || w !== imgsz)
    throw new ValueError(`--model ${spec}: its input is ${w}×${h} but --imgsz is ${imgsz}`);
  return { architecture, ...(start ? { start } : {}) };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readRegularFile(file, 'utf8'));
  } catch (error) {
    throw new DataError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
}

function withoutResume(values: TrainArgs): TrainArgs {
  const { resume: _resume, help: _help, ...rest } = values;
  return rest as TrainArgs;
}

const VAL_OPTIONS = {
  model: { type: 'string' },
  data: { type: 'string' },
  split: { type: 'string' },
  conf: { type: 'string' },
  iou: { type: 'string' },
  strict: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** `zerodl detect val`. */
function detectValCommand(argv: string[]): number {
  const { values: args, positionals } = parseCommand('detect val', argv, VAL_OPTIONS);
  if (args.help) {
    process.stdout.write(DETECT_VAL_HELP);
    return 0;
  }
  if (positionals.length > 0)
    throw new ValueError(`zerodl detect val: unexpected argument '${positionals[0]}'`);
  if (args.model === undefined) throw new ValueError('zerodl detect val: --model <dir> is required');
  const { model, info } = loadDetectorDir(args.model);
  const split = args.split ?? 'val';
  if (split !== 'val' && split !== 'test')
    throw new ValueError(`--split must be val or test, got '${split}'`);
  const imageSize = info.preprocessing.width;
  const trainedOn = info.training?.data;
  const data = openDetectionData(args.data ?? (typeof trainedOn === 'string' ? trainedOn : 'mnist-scenes'), {
    imageSize,
    channels: info.preprocessing.channels,
    strict: args.strict ?? false,
  });
  if (data.names.length !== info.classNames.length)
    throw new ValueError(
      `--data: ${data.names.length} names, but the model has ${info.classNames.length} classes`,
    );
  const started = performance.now();
  const samples = data.split(split);
  const head = info.architecture.head as YoloHead;
  const validation = validateDetector(model, samples, {
    head,
    imageSize,
    channels: info.architecture.inputShape[0] as number,
    conf: numberOption('conf', args.conf, 0.001, { min: 0, max: 1 }),
    iou: numberOption('iou', args.iou, 0.5, { min: 0, max: 1 }),
  });
  const seconds = (performance.now() - started) / 1000;
  const { metrics } = validation;
  const perClass = Object.fromEntries(
    info.classNames.map((name, c) => {
      const m = metrics.perClass[c];
      return [
        name,
        {
          AP50: m?.AP50 ?? null,
          AP50_95: m?.AP50_95 ?? null,
          precision: m?.precision ?? null,
          recall: m?.recall ?? null,
          instances: m?.truths ?? 0,
        },
      ];
    }),
  );
  const instances = metrics.perClass.reduce((sum, m) => sum + m.truths, 0);
  const rows = info.classNames.map((name, c) => {
    const m = metrics.perClass[c];
    return `${name.padStart(12)} ${String(m?.truths ?? 0).padStart(9)} ${fixed(m?.precision)} ${fixed(m?.recall)} ${fixed(m?.AP50)} ${fixed(m?.AP50_95)}`;
  });
  process.stderr.write(
    [
      `${'class'.padStart(12)} ${'instances'.padStart(9)} ${'P'.padStart(6)} ${'R'.padStart(6)} mAP50  mAP50-95`,
      `${'all'.padStart(12)} ${String(instances).padStart(9)} ${fixed(metrics.precision)} ${fixed(metrics.recall)} ${fixed(metrics.mAP50)} ${fixed(metrics.mAP50_95)}`,
      ...rows,
      `${samples.count} images (${split}), ${seconds.toFixed(1)} s${data.skipped > 0 ? `; ${data.skipped} bad label lines skipped` : ''}`,
      '',
    ].join('\n'),
  );
  if (args.json) {
    printJson({
      mAP50: metrics.mAP50,
      mAP50_95: metrics.mAP50_95,
      precision: metrics.precision,
      recall: metrics.recall,
      perClass,
      images: samples.count,
      instances,
      seconds,
      split,
      skippedLabelLines: data.skipped,
    });
  }
  return 0;
}
