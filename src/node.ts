// Node-only (node:fs, pngjs, process). The public API of zerodl in Node.js: the core (index.ts) plus
// what needs Node: data files and data sets, model folders and weights files on disk, training runs
// with their plots, checkpoints and progress, images decoded and drawn with pngjs / jpeg-js.
// `import … from 'zerodl'` resolves here under Node (the "node" export condition), and to index.ts
// elsewhere; `zerodl/node` names it explicitly.

export {
  type ImageFile,
  type ImageFolderOptions,
  type LabeledImages,
  listImageFolder,
  loadImageFolder,
} from './data/datasets.js';
export { readIdxImages, readIdxLabels, readIdxPair } from './data/idx_file.js';
export {
  decodeImage,
  type ImageInputOptions,
  jpegOrientation,
  loadImageAsInput,
  type Orientation,
  orientImage,
  type Polarity,
  resizeGray,
  toGrayscale,
} from './data/images.js';
export { loadMnist, type MnistOptions, parseMnistClasses, readMnistFiles } from './data/mnist.js';
export { loadMnistBytes, type ScenesWritten, writeScenesDataset } from './data/mnist_scenes_file.js';
export {
  type BadLabelLine,
  checkDetectionData,
  type DetectionData,
  type DetectionImage,
  type DetectionLoadOptions,
  type DetectionSplit,
  fromLetterbox,
  type Letterbox,
  labelFileFor,
  letterboxFor,
  letterboxImage,
  loadDetectionImage,
  loadDetectionSplit,
  parseLabelText,
  readDataYaml,
  toLetterbox,
  type YoloLabel,
} from './data/yolo_dataset.js';
export * from './index.js';
export { loadDetectorDir, loadModelDir, loadModelInfo, saveModelInfo } from './model/model_dir.js';
export { loadSafetensors, saveSafetensors } from './model/safetensors_file.js';
export {
  Canvas,
  type Color,
  encodePng,
  type LabelOptions,
  labelBoxSize,
  type TextAlign,
  type TextOptions,
} from './raster/canvas.js';
export { CLASS_COLORS, classColor, type DrawOptions, drawBoxes, inputCanvas } from './raster/detections.js';
export { loadCheckpoint, saveCheckpoint } from './train/checkpoint.js';
export {
  type DetectionSamples,
  type DetectionValidation,
  type DetectTrainerOptions,
  detectionFitness,
  trainDetector,
  validateDetector,
} from './train/detect_trainer.js';
export {
  type DetectionSource,
  type DetectionSourceOptions,
  MNIST_SCENES,
  openDetectionData,
} from './train/detection_data.js';
export { detectionConfusionPlot, prCurvePlot } from './train/detection_plots.js';
export {
  type LoopOptions,
  type LoopResult,
  type LossMeter,
  type StepBatch,
  type TrainingTask,
  trainLoop,
  type Validation,
} from './train/loop.js';
export {
  type CurvePanel,
  type CurveRow,
  confusionMatrixPlot,
  curvesPlot,
  resultsPlot,
  writePlots,
} from './train/plots.js';
export { ProgressBar } from './train/progress.js';
export { claimRunFolder, lockRunFolder, type RunFolder } from './train/run_folder.js';
export { type EpochRow, type TrainerOptions, type TrainResult, train } from './train/trainer.js';
export { removeStaleTemporaries, writeFileAtomic } from './util/atomic_file.js';
