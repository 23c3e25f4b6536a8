// The public API of zerodl's core, for Node.js and the browser alike: tensors, backends, layers, losses,
// optimizers, models, safetensors and IDX from bytes, the YOLOv1 detection math. No module here imports
// a Node built-in, and importing it has no side effects: the first tensor or kernel chooses the backend
// (useDefaultBackend).
// Files, folders, data sets, training runs, plots and images are the Node entry's (node.ts).

export { getBackend, setBackend } from './backend/active.js';
export type { Backend } from './backend/backend.js';
export { referenceBackend } from './backend/reference/index.js';
export { type BackendSettings, useDefaultBackend, useDefaultBackendAsync } from './backend/select.js';
export {
  createWasmBackend,
  type WasmBackend,
  type WasmBackendOptions,
  wasmBackendAvailable,
} from './backend/wasm/index.js';
export { WasmMemoryError } from './backend/wasm/memory.js';
export { RandomAffine, type RandomAffineOptions } from './data/augment.js';
export { type Batch, Batches, shuffledIndices, splitTrainValidation } from './data/batches.js';
export { type IdxArray, type IdxImages, idxImagesToTensor, parseIdx } from './data/idx.js';
export {
  iterateScenes,
  type MnistBytes,
  mnistScenes,
  mulberry32,
  resizeDigit,
  SCENE_SIZE,
  type Scene,
  type SceneObject,
  type SceneOptions,
  type SceneSplit,
  sceneLabelText,
  sceneManifestLine,
} from './data/mnist_scenes.js';
export {
  type CheckImage,
  type DataCheck,
  formatDataCheck,
  type SplitCheck,
  splitCheck,
} from './data/yolo_check.js';
export { area, type Box, boxFromCenter, type Detection, iou, type LabeledBox } from './detection/boxes.js';
export {
  type DecodeOptions,
  decodeDetections,
  type PredictorOutput,
  predictorBoxes,
} from './detection/decode.js';
export { encodeTargets, targetChannels } from './detection/encode.js';
export { headChannels, predictorBox, type YoloHead } from './detection/head.js';
export {
  type ClassMetrics,
  type DetectionMetrics,
  evaluateDetections,
  type ImageBoxes,
  type MetricsOptions,
  type PrCurve,
  RECALL_GRID,
} from './detection/metrics.js';
export { nms } from './detection/nms.js';
export {
  type YoloV1ImageExplanation,
  YoloV1Loss,
  type YoloV1LossOptions,
  type YoloV1LossTerms,
  type YoloV1Match,
} from './detection/yolo_v1_loss.js';
export { Activation } from './layers/activation.js';
export { Affine, type AffineOptions } from './layers/affine.js';
export { AvgPool2d } from './layers/avg_pool2d.js';
export { BatchNorm, type BatchNormOptions } from './layers/batch_norm.js';
export { Conv2d, type Conv2dOptions } from './layers/conv2d.js';
export { Dropout, type DropoutOptions } from './layers/dropout.js';
export { Flatten } from './layers/flatten.js';
export { GlobalAvgPool } from './layers/global_avg_pool.js';
export { initStd, initWeights, parseWeightInit, type WeightInit } from './layers/init.js';
export type { Layer, Mode, NamedTensor, Param } from './layers/layer.js';
export { LeakyRelu } from './layers/leaky_relu.js';
export { MaxPool2d } from './layers/max_pool2d.js';
export { Pool2d, type PoolOptions } from './layers/pool2d.js';
export { Relu } from './layers/relu.js';
export { Sigmoid } from './layers/sigmoid.js';
export { Softmax } from './layers/softmax.js';
export type { Loss } from './losses/loss.js';
export { SoftmaxCrossEntropy } from './losses/softmax_cross_entropy.js';
export { SumSquaredError } from './losses/sum_squared_error.js';
export {
  type Architecture,
  type BuildOptions,
  buildModel,
  createLoss,
  type DetectorOptions,
  deepCnnArchitecture,
  type LayerSpec,
  type LossName,
  mlpArchitecture,
  simpleCnnArchitecture,
  yoloV1Architecture,
} from './model/architecture.js';
export {
  asModelInput,
  assignWeights,
  checkWeights,
  MODEL_FORMAT_VERSION,
  type ModelInfo,
  modelState,
  type Preprocessing,
} from './model/model_info.js';
export { Sequential, type SequentialOptions } from './model/sequential.js';
export { decodeSafetensors, encodeSafetensors, type SafetensorsContents } from './model/serialize.js';
export { type MlpOptions, mlp, threeLayerNet } from './model/zoo.js';
export { AdaGrad } from './optimizers/adagrad.js';
export { Adam } from './optimizers/adam.js';
export { createOptimizer, OPTIMIZER_NAMES, type OptimizerName } from './optimizers/create.js';
export { Momentum } from './optimizers/momentum.js';
export { Nesterov } from './optimizers/nesterov.js';
export { BaseOptimizer, type Grads, type Optimizer, type Params } from './optimizers/optimizer.js';
export { RmsProp } from './optimizers/rmsprop.js';
export { Sgd } from './optimizers/sgd.js';
export { oneHot } from './tensor/one_hot.js';
export {
  type Float32Allocator,
  type Int32Allocator,
  setFloat32Allocator,
  setInt32Allocator,
} from './tensor/storage.js';
export { type NestedNumbers, shapeSize, Tensor } from './tensor/tensor.js';
export {
  checkpointContents,
  type ResultRow,
  restoreCheckpoint,
  type TrainingState,
} from './train/checkpoint_state.js';
export { type Evaluation, evaluate } from './train/evaluate.js';
export { type LrSchedule, learningRate } from './train/schedule.js';
export { DataError, FileError, NumericError, ShapeError, ValueError } from './util/errors.js';
export { FLOAT32_MIN_NORMAL, flushSubnormal } from './util/float32.js';
export { Random } from './util/random.js';
