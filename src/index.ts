// The public API of zerodl (Node.js): tensors, backends, layers, losses, optimizers, models, data
// loading and training.

export { type Backend, getBackend, setBackend } from './backend/backend.js';
export { referenceBackend } from './backend/reference/index.js';
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
  loadImageAsInput,
  type Polarity,
  resizeGray,
  toGrayscale,
} from './data/images.js';
export { loadMnist, type MnistOptions, parseMnistClasses } from './data/mnist.js';
export { Activation } from './layers/activation.js';
export { Affine, type AffineOptions } from './layers/affine.js';
export { initStd, initWeights, parseWeightInit, type WeightInit } from './layers/init.js';
export type { Layer, Mode, Param } from './layers/layer.js';
export { LeakyRelu } from './layers/leaky_relu.js';
export { Relu } from './layers/relu.js';
export { Sigmoid } from './layers/sigmoid.js';
export type { Loss } from './losses/loss.js';
export { SoftmaxCrossEntropy } from './losses/softmax_cross_entropy.js';
export { SumSquaredError } from './losses/sum_squared_error.js';
export {
  type Architecture,
  type BuildOptions,
  buildModel,
  createLoss,
  type LayerSpec,
  type LossName,
  mlpArchitecture,
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
export { type NestedNumbers, shapeSize, Tensor } from './tensor/tensor.js';
export { type EpochRow, loadCheckpoint, saveCheckpoint } from './train/checkpoint.js';
export { type Evaluation, evaluate } from './train/evaluate.js';
export { confusionMatrixPlot, resultsPlot, writePlots } from './train/plots.js';
export { ProgressBar } from './train/progress.js';
export { type TrainerOptions, type TrainResult, train } from './train/trainer.js';
export { writeFileAtomic } from './util/atomic_file.js';
export { DataError, NumericError, ShapeError, ValueError } from './util/errors.js';
export { Random } from './util/random.js';
