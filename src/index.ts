// The public API of zerodl (Node.js): tensors, backends, layers, losses, optimizers, models, data
// loading and training.

import { useDefaultBackend } from './backend/select.js';

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
export {
  type ImageFile,
  type ImageFolderOptions,
  type LabeledImages,
  listImageFolder,
  loadImageFolder,
} from './data/datasets.js';
export { type IdxImages, idxImagesToTensor, readIdxImages, readIdxLabels, readIdxPair } from './data/idx.js';
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
export { loadMnist, type MnistOptions, parseMnistClasses } from './data/mnist.js';
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
  deepCnnArchitecture,
  type LayerSpec,
  type LossName,
  mlpArchitecture,
  simpleCnnArchitecture,
} from './model/architecture.js';
export {
  loadModelDir,
  loadModelInfo,
  type ModelInfo,
  type Preprocessing,
  saveModelInfo,
} from './model/model_dir.js';
export { Sequential, type SequentialOptions } from './model/sequential.js';
export { loadSafetensors, type SafetensorsContents, saveSafetensors } from './model/serialize.js';
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
export { type Float32Allocator, setFloat32Allocator } from './tensor/storage.js';
export { type NestedNumbers, shapeSize, Tensor } from './tensor/tensor.js';
export { type EpochRow, loadCheckpoint, saveCheckpoint } from './train/checkpoint.js';
export { type Evaluation, evaluate } from './train/evaluate.js';
export { confusionMatrixPlot, resultsPlot, writePlots } from './train/plots.js';
export { ProgressBar } from './train/progress.js';
export { claimRunFolder, lockRunFolder, type RunFolder } from './train/run_folder.js';
export { type LrSchedule, learningRate } from './train/schedule.js';
export { type TrainerOptions, type TrainResult, train } from './train/trainer.js';
export { removeStaleTemporaries, writeFileAtomic } from './util/atomic_file.js';
export { DataError, FileError, NumericError, ShapeError, ValueError } from './util/errors.js';
export { FLOAT32_MIN_NORMAL, flushSubnormal } from './util/float32.js';
export { Random } from './util/random.js';

// The WebAssembly SIMD backend where the runtime has it, the reference backend otherwise
// (ZERODL_BACKEND=reference|wasm and ZERODL_THREADS override): importing zerodl is enough.
useDefaultBackend();
