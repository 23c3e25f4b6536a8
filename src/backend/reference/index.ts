// The reference backend: plain TypeScript kernels, readable, and the definition of correct results.

import type { Backend } from '../backend.js';
import { conv2d, conv2dInputGrad, conv2dWeightGrad } from './conv2d.js';
import {
  adamUpdate,
  batchNormBackward,
  batchNormForward,
  batchNormGradientSums,
  batchNormStatistics,
  fillChannels,
  leakyRelu,
  leakyReluBackward,
  momentumOuterUpdate,
  momentumUpdate,
  sgdUpdate,
  sumChannels,
  sumRows,
} from './elementwise.js';
import { gemm } from './gemm.js';
import { col2im, im2col } from './im2col.js';
import { maxPool2d, maxPool2dBackward } from './pool.js';

/** The plain-TypeScript backend (always available; the specification for the others). */
export const referenceBackend: Backend = {
  name: 'reference',
  gemm,
  im2col,
  col2im,
  conv2d,
  conv2dWeightGrad,
  conv2dInputGrad,
  maxPool2d,
  maxPool2dBackward,
  leakyRelu,
  leakyReluBackward,
  sumRows,
  fillChannels,
  sumChannels,
  batchNormStatistics,
  batchNormForward,
  batchNormGradientSums,
  batchNormBackward,
  momentumUpdate,
  momentumOuterUpdate,
  adamUpdate,
  sgdUpdate,
};
