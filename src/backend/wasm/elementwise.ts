// The wasm backend's elementwise kernels: the SIMD versions when every array lives in wasm memory
// (activations and per-channel bias kernels split over the thread pool when large), the reference
// versions otherwise (copying in would cost as much as the work itself).

import {
  checkBatchNormBackwardArguments,
  checkBatchNormForwardArguments,
  checkBatchNormGradientSumsArguments,
  checkBatchNormStatisticsArguments,
  checkChannelArguments,
  checkOuterUpdateArguments,
  checkSameLengths,
  checkSumRowsArguments,
} from '../checks.js';
import * as reference from '../reference/elementwise.js';
import { callKernel } from './call.js';
import type { KernelHost } from './host.js';

/** setupOptimizerUpdate's `optimizer` argument. */
const OPTIMIZER_KIND = { momentum: 0, sgd: 1, adam: 2 } as const;

/**
 * The elementwise half of the wasm Backend, with the same contracts as the reference kernels.
 *
 * @example
 * const kernels = wasmElementwise({ kernels: runtime.kernels, heap, pool });
 * kernels.momentumUpdate(w, v, g, 0.01, 0.9);
 */
export function wasmElementwise(host: KernelHost) {
  const { kernels, heap } = host;
  const inWasm = (a: Float32Array, b: Float32Array, c?: Float32Array) =>
    heap.contains(a) && heap.contains(b) && (c === undefined || heap.contains(c));
  // An optimizer update over a large parameter (W1: 392k floats, each array read once) is shared with
  // the workers. (Plain arguments, no arrays of them: a training step allocates nothing.)
  const setupUpdate = (
    chunks: number,
    optimizer: keyof typeof OPTIMIZER_KIND,
    w: Float32Array,
    state: Float32Array | undefined,
    g: Float32Array,
    second: Float32Array | undefined,
    lr: number,
    hyper1 = 0,
    hyper2 = 0,
    epsilon = 0,
  ): number =>
    // biome-ignore format: arguments grouped as (kind), (arrays, n), (hyperparameters), (chunks)
    kernels.setupOptimizerUpdate(OPTIMIZER_KIND[optimizer],
      w.byteOffset, state?.byteOffset ?? 0, g.byteOffset, second?.byteOffset ?? 0, w.length,
      lr, hyper1, hyper2, epsilon, chunks);
  return {
    leakyRelu: callKernel(host, 'leakyRelu', {
      check: (x: Float32Array, y: Float32Array, _alpha: number) => checkSameLengths('leakyRelu', x, y),
      inHeap: (x, y) => inWasm(x, y),
      reference: reference.leakyRelu,
      work: (x) => 2 * x.length,
      setup: (chunks, x, y, alpha) =>
        kernels.setupLeakyRelu(0, x.byteOffset, y.byteOffset, 0, x.length, alpha, chunks),
      serial: (x, y, alpha) => kernels.leakyRelu(x.byteOffset, y.byteOffset, x.length, alpha),
    }),
    leakyReluBackward: callKernel(host, 'leakyReluBackward', {
      check: (x: Float32Array, dy: Float32Array, dx: Float32Array, _alpha: number) =>
        checkSameLengths('leakyReluBackward', x, dy, dx),
      inHeap: (x, dy, dx) => inWasm(x, dy, dx),
      reference: reference.leakyReluBackward,
      work: (x) => 3 * x.length,
      setup: (chunks, x, dy, dx, alpha) =>
        kernels.setupLeakyRelu(1, x.byteOffset, dy.byteOffset, dx.byteOffset, x.length, alpha, chunks),
      serial: (x, dy, dx, alpha) =>
        kernels.leakyReluBackward(x.byteOffset, dy.byteOffset, dx.byteOffset, x.length, alpha),
    }),
    fillChannels: callKernel(host, 'fillChannels', {
      check: (values: Float32Array, images: number, channels: number, pixels: number, y: Float32Array) =>
        checkChannelArguments('fillChannels', y, images, channels, pixels, values),
      inHeap: (values, _images, _channels, _pixels, y) => inWasm(values, y),
      reference: reference.fillChannels,
      work: (_values, _images, _channels, _pixels, y) => y.length,
      splittable: (_values, images, channels) => images * channels > 1,
      setup: (chunks, values, images, channels, pixels, y) =>
        kernels.setupFillChannels(values.byteOffset, images, channels, pixels, y.byteOffset, chunks),
      serial: (values, images, channels, pixels, y) =>
        kernels.fillChannels(values.byteOffset, channels, pixels, y.byteOffset, 0, images * channels),
    }),
    sumChannels: callKernel(host, 'sumChannels', {
      check: (m: Float32Array, images: number, channels: number, pixels: number, out: Float32Array) =>
        checkChannelArguments('sumChannels', m, images, channels, pixels, out),
      inHeap: (m, _images, _channels, _pixels, out) => inWasm(m, out),
      reference: reference.sumChannels,
      work: (m) => m.length,
      splittable: (_m, _images, channels) => channels > 1,
      setup: (chunks, m, images, channels, pixels, out) =>
        kernels.setupSumChannels(m.byteOffset, images, channels, pixels, out.byteOffset, chunks),
      serial: (m, images, channels, pixels, out) =>
        kernels.sumChannels(m.byteOffset, images, channels, pixels, out.byteOffset, 0, channels),
    }),
    batchNormStatistics: callKernel(host, 'batchNormStatistics', {
      check: (
        x: Float32Array,
        images: number,
        channels: number,
        pixels: number,
        mean: Float32Array,
        squaredDeviations: Float32Array,
      ) => checkBatchNormStatisticsArguments(x, images, channels, pixels, mean, squaredDeviations),
      inHeap: (x, _images, _channels, _pixels, mean, squaredDeviations) => inWasm(x, mean, squaredDeviations),
      reference: reference.batchNormStatistics,
      work: (x) => 2 * x.length,
      splittable: (_x, _images, channels) => channels > 1,
      // biome-ignore format: arguments grouped as x, (sizes), outputs, chunks
      setup: (chunks, x, images, channels, pixels, mean, squaredDeviations) =>
        kernels.setupBatchNormStatistics(x.byteOffset, images, channels, pixels,
          mean.byteOffset, squaredDeviations.byteOffset, chunks),
      // biome-ignore format: arguments grouped as x, (sizes), outputs, (channels)
      serial: (x, images, channels, pixels, mean, squaredDeviations) =>
        kernels.batchNormStatistics(x.byteOffset, images, channels, pixels,
          mean.byteOffset, squaredDeviations.byteOffset, 0, channels),
    }),
    batchNormForward: callKernel(host, 'batchNormForward', {
      check: (
        x: Float32Array,
        mean: Float32Array,
        scale: Float32Array,
        beta: Float32Array,
        images: number,
        channels: number,
        pixels: number,
        y: Float32Array,
      ) => checkBatchNormForwardArguments(x, mean, scale, beta, images, channels, pixels, y),
      inHeap: (x, mean, scale, beta, _images, _channels, _pixels, y) =>
        inWasm(x, mean, scale) && inWasm(beta, y),
      reference: reference.batchNormForward,
      work: (_x, _mean, _scale, _beta, _images, _channels, _pixels, y) => 2 * y.length,
      splittable: (_x, _mean, _scale, _beta, images, channels) => images * channels > 1,
      // biome-ignore format: arguments grouped as (arrays), (sizes), y, chunks
      setup: (chunks, x, mean, scale, beta, images, channels, pixels, y) =>
        kernels.setupBatchNormForward(x.byteOffset, mean.byteOffset, scale.byteOffset, beta.byteOffset,
          images, channels, pixels, y.byteOffset, chunks),
      // biome-ignore format: arguments grouped as (arrays), (sizes), y, (rows)
      serial: (x, mean, scale, beta, images, channels, pixels, y) =>
        kernels.batchNormForward(x.byteOffset, mean.byteOffset, scale.byteOffset, beta.byteOffset,
          channels, pixels, y.byteOffset, 0, images * channels),
    }),
    batchNormGradientSums: callKernel(host, 'batchNormGradientSums', {
      check: (
        dy: Float32Array,
        x: Float32Array,
        mean: Float32Array,
        images: number,
        channels: number,
        pixels: number,
        dySums: Float32Array,
        dyDeviationSums: Float32Array,
      ) =>
        checkBatchNormGradientSumsArguments(dy, x, mean, images, channels, pixels, dySums, dyDeviationSums),
      inHeap: (dy, x, mean, _images, _channels, _pixels, dySums, dyDeviationSums) =>
        inWasm(dy, x, mean) && inWasm(dySums, dyDeviationSums),
      reference: reference.batchNormGradientSums,
      work: (dy) => 2 * dy.length,
      splittable: (_dy, _x, _mean, _images, channels) => channels > 1,
      // biome-ignore format: arguments grouped as (arrays), (sizes), outputs, chunks
      setup: (chunks, dy, x, mean, images, channels, pixels, dySums, dyDeviationSums) =>
        kernels.setupBatchNormGradientSums(dy.byteOffset, x.byteOffset, mean.byteOffset,
          images, channels, pixels, dySums.byteOffset, dyDeviationSums.byteOffset, chunks),
      // biome-ignore format: arguments grouped as (arrays), (sizes), outputs, (channels)
      serial: (dy, x, mean, images, channels, pixels, dySums, dyDeviationSums) =>
        kernels.batchNormGradientSums(dy.byteOffset, x.byteOffset, mean.byteOffset,
          images, channels, pixels, dySums.byteOffset, dyDeviationSums.byteOffset, 0, channels),
    }),
    batchNormBackward: callKernel(host, 'batchNormBackward', {
      check: (
        dy: Float32Array,
        x: Float32Array,
        mean: Float32Array,
        dyScale: Float32Array,
        deviationScale: Float32Array,
        shift: Float32Array,
        images: number,
        channels: number,
        pixels: number,
        dx: Float32Array,
      ) =>
        checkBatchNormBackwardArguments(
          dy,
          x,
          mean,
          dyScale,
          deviationScale,
          shift,
          images,
          channels,
          pixels,
          dx,
        ),
      inHeap: (dy, x, mean, dyScale, deviationScale, shift, _images, _channels, _pixels, dx) =>
        inWasm(dy, x, mean) && inWasm(dyScale, deviationScale, shift) && heap.contains(dx),
      reference: reference.batchNormBackward,
      work: (_dy, _x, _mean, _dyScale, _deviationScale, _shift, _images, _channels, _pixels, dx) =>
        3 * dx.length,
      splittable: (_dy, _x, _mean, _dyScale, _deviationScale, _shift, images, channels) =>
        images * channels > 1,
      // biome-ignore format: arguments grouped as (arrays), (sizes), dx, chunks
      setup: (chunks, dy, x, mean, dyScale, deviationScale, shift, images, channels, pixels, dx) =>
        kernels.setupBatchNormBackward(dy.byteOffset, x.byteOffset, mean.byteOffset,
          dyScale.byteOffset, deviationScale.byteOffset, shift.byteOffset,
          images, channels, pixels, dx.byteOffset, chunks),
      // biome-ignore format: arguments grouped as (arrays), (sizes), dx, (rows)
      serial: (dy, x, mean, dyScale, deviationScale, shift, images, channels, pixels, dx) =>
        kernels.batchNormBackward(dy.byteOffset, x.byteOffset, mean.byteOffset,
          dyScale.byteOffset, deviationScale.byteOffset, shift.byteOffset,
          channels, pixels, dx.byteOffset, 0, images * channels),
    }),
    sumRows: callKernel(host, 'sumRows', {
      check: (m: Float32Array, rows: number, cols: number, out: Float32Array) =>
        checkSumRowsArguments(m, rows, cols, out),
      inHeap: (m, _rows, _cols, out) => inWasm(m, out),
      reference: reference.sumRows,
      run: (m, rows, cols, out) => kernels.sumRows(m.byteOffset, rows, cols, out.byteOffset),
    }),
    momentumUpdate: callKernel(host, 'momentumUpdate', {
      check: (w: Float32Array, v: Float32Array, g: Float32Array, _lr: number, _momentum: number) =>
        checkSameLengths('momentumUpdate', w, v, g),
      inHeap: (w, v, g) => inWasm(w, v, g),
      reference: reference.momentumUpdate,
      work: (w) => 3 * w.length,
      weight: 'update',
      setup: (chunks, w, v, g, lr, momentum) =>
        setupUpdate(chunks, 'momentum', w, v, g, undefined, lr, momentum),
      serial: (w, v, g, lr, momentum) =>
        kernels.momentumUpdate(w.byteOffset, v.byteOffset, g.byteOffset, w.length, lr, momentum),
    }),
    // W1 of the seed (392k floats, w and v read and written): two cores' caches move it faster than one.
    momentumOuterUpdate: callKernel(host, 'momentumOuterUpdate', {
      check: (
        w: Float32Array,
        v: Float32Array,
        x: Float32Array,
        dy: Float32Array,
        _lr: number,
        _momentum: number,
      ) => checkOuterUpdateArguments(w, v, x, dy),
      inHeap: (w, v, x, dy) => inWasm(w, v, x) && heap.contains(dy),
      reference: reference.momentumOuterUpdate,
      work: (w) => 4 * w.length,
      weight: 'update',
      splittable: (_w, _v, x) => x.length > 1,
      // biome-ignore format: arguments grouped as (arrays), (sizes), (hyperparameters), (chunks)
      setup: (chunks, w, v, x, dy, lr, momentum) =>
        kernels.setupMomentumOuterUpdate(w.byteOffset, v.byteOffset, x.byteOffset, dy.byteOffset,
          x.length, dy.length, lr, momentum, chunks),
      // biome-ignore format: arguments grouped as (arrays), (sizes), (hyperparameters)
      serial: (w, v, x, dy, lr, momentum) =>
        kernels.momentumOuterUpdate(w.byteOffset, v.byteOffset, x.byteOffset, dy.byteOffset,
          x.length, dy.length, lr, momentum),
    }),
    adamUpdate: callKernel(host, 'adamUpdate', {
      check: (
        w: Float32Array,
        m: Float32Array,
        v: Float32Array,
        g: Float32Array,
        _lr: number,
        _beta1: number,
        _beta2: number,
        _epsilon: number,
      ) => {
        checkSameLengths('adamUpdate', w, m, v);
        checkSameLengths('adamUpdate', w, g);
      },
      inHeap: (w, m, v, g) => inWasm(w, m, v) && heap.contains(g),
      reference: reference.adamUpdate,
      work: (w) => 4 * w.length,
      weight: 'update',
      setup: (chunks, w, m, v, g, lr, beta1, beta2, epsilon) =>
        setupUpdate(chunks, 'adam', w, m, g, v, lr, beta1, beta2, epsilon),
      // biome-ignore format: arguments grouped as (arrays), n, (hyperparameters)
      serial: (w, m, v, g, lr, beta1, beta2, epsilon) =>
        kernels.adamUpdate(w.byteOffset, m.byteOffset, v.byteOffset, g.byteOffset, w.length,
          lr, beta1, beta2, epsilon),
    }),
    sgdUpdate: callKernel(host, 'sgdUpdate', {
      check: (w: Float32Array, g: Float32Array, _lr: number) => checkSameLengths('sgdUpdate', w, g),
      inHeap: (w, g) => inWasm(w, g),
      reference: reference.sgdUpdate,
      work: (w) => 2 * w.length,
      weight: 'update',
      setup: (chunks, w, g, lr) => setupUpdate(chunks, 'sgd', w, undefined, g, undefined, lr),
      serial: (w, g, lr) => kernels.sgdUpdate(w.byteOffset, g.byteOffset, w.length, lr),
    }),
  };
}
