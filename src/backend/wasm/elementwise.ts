// The wasm backend's elementwise kernels: the SIMD versions when every array lives in wasm memory
// (activations and per-channel bias kernels split over the thread pool when large), the reference
// versions otherwise (copying in would cost as much as the work itself).

import {
  checkAffineChannelsArguments,
  checkChannelArguments,
  checkOuterUpdateArguments,
  checkSameLengths,
  checkSumRowsArguments,
} from '../checks.js';
import * as reference from '../reference/elementwise.js';
import type { GemmContext } from './gemm.js';

/** The elementwise kernels the module exports (byte addresses, element counts). */
export interface ElementwiseKernels {
  leakyRelu(x: number, y: number, n: number, alpha: number): void;
  leakyReluBackward(x: number, dy: number, dx: number, n: number, alpha: number): void;
  sumRows(m: number, rows: number, cols: number, out: number): void;
  momentumUpdate(w: number, v: number, g: number, n: number, lr: number, momentum: number): void;
  momentumOuterUpdate(...args: OuterUpdateArguments): void;
  /** momentumOuterUpdate split by rows of w and v; its parallel-for job. */
  setupMomentumOuterUpdate(...args: [...OuterUpdateArguments, chunks: number]): number;
  adamUpdate(
    w: number,
    m: number,
    v: number,
    g: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): void;
  sgdUpdate(w: number, g: number, n: number, lr: number): void;
  /** An optimizer update's parallel-for job (OPTIMIZER_KIND; assembly/parallel.ts). */
  setupOptimizerUpdate(
    optimizer: number,
    w: number,
    state: number,
    g: number,
    second: number,
    n: number,
    lr: number,
    hyper1: number,
    hyper2: number,
    epsilon: number,
    chunks: number,
  ): number;
  /** Rows [first, last) of y [images·channels, pixels] = values[row mod channels]. */
  fillChannels(
    values: number,
    channels: number,
    pixels: number,
    y: number,
    first: number,
    last: number,
  ): void;
  /** out[c] = Σ_{n, p} m[n][c][p] for channels [first, last). */
  sumChannels(
    m: number,
    images: number,
    channels: number,
    pixels: number,
    out: number,
    first: number,
    last: number,
  ): void;
  // Parallel-for jobs (assembly/parallel.ts); each returns the chunk count.
  setupLeakyRelu(
    backward: number,
    x: number,
    yOrDy: number,
    dx: number,
    n: number,
    alpha: number,
    chunks: number,
  ): number;
  setupFillChannels(
    values: number,
    images: number,
    channels: number,
    pixels: number,
    y: number,
    chunks: number,
  ): number;
  setupSumChannels(
    m: number,
    images: number,
    channels: number,
    pixels: number,
    out: number,
    chunks: number,
  ): number;
  /** channelDot for channels [first, last); its parallel-for job. */
  channelDot(...args: [...ChannelDotArguments, first: number, last: number]): void;
  setupChannelDot(...args: [...ChannelDotArguments, chunks: number]): number;
  /** affineChannels for rows [first, last) of out [images·channels, pixels]; its parallel-for job. */
  affineChannels(
    ...args: [...AffineAddresses, channels: number, pixels: number, out: number, first: number, last: number]
  ): void;
  setupAffineChannels(
    ...args: [
      ...AffineAddresses,
      images: number,
      channels: number,
      pixels: number,
      out: number,
      chunks: number,
    ]
  ): number;
}

/** setupOptimizerUpdate's `optimizer` argument. */
const OPTIMIZER_KIND = { momentum: 0, sgd: 1, adam: 2 } as const;

type ChannelDotArguments = [
  a: number,
  aShift: number,
  b: number,
  bShift: number,
  images: number,
  channels: number,
  pixels: number,
  out: number,
];
type AffineAddresses = [a: number, p: number, b: number, q: number, m: number, r: number];
type OuterUpdateArguments = [
  w: number,
  v: number,
  x: number,
  dy: number,
  rows: number,
  cols: number,
  lr: number,
  momentum: number,
];

/**
 * The elementwise half of the wasm Backend, with the same contracts as the reference kernels.
 *
 * @example
 * const kernels = wasmElementwise({ kernels: runtime.kernels, heap, pool });
 * kernels.momentumUpdate(w, v, g, 0.01, 0.9);
 */
export function wasmElementwise({ kernels, heap, pool }: GemmContext) {
  const inWasm = (a: Float32Array, b: Float32Array, c?: Float32Array) =>
    heap.contains(a) && heap.contains(b) && (c === undefined || heap.contains(c));
  // An optimizer update over a large parameter (W1: 392k floats, each array read once) is shared with
  // the workers; returns false, doing nothing, when it should run on this thread. (Plain arguments, no
  // arrays of them: a training step allocates nothing.)
  const updateInParallel = (
    optimizer: keyof typeof OPTIMIZER_KIND,
    w: Float32Array,
    state: Float32Array | undefined,
    g: Float32Array,
    second: Float32Array | undefined,
    lr: number,
    hyper1 = 0,
    hyper2 = 0,
    epsilon = 0,
  ): boolean => {
    const touched = 2 + (state === undefined ? 0 : 1) + (second === undefined ? 0 : 1);
    const chunks = pool.chunksFor(touched * w.length, 'update');
    if (chunks <= 1) return false;
    // biome-ignore format: arguments grouped as (kind), (arrays, n), (hyperparameters), (chunks)
    const job = kernels.setupOptimizerUpdate(OPTIMIZER_KIND[optimizer],
      w.byteOffset, state?.byteOffset ?? 0, g.byteOffset, second?.byteOffset ?? 0, w.length,
      lr, hyper1, hyper2, epsilon, chunks);
    pool.runParallel(kernels, job);
    return true;
  };
  return {
    leakyRelu(x: Float32Array, y: Float32Array, alpha: number): void {
      checkSameLengths('leakyRelu', x, y);
      if (!inWasm(x, y)) {
        reference.leakyRelu(x, y, alpha);
        return;
      }
      const chunks = pool.chunksFor(2 * x.length);
      if (chunks > 1)
        pool.runParallel(
          kernels,
          kernels.setupLeakyRelu(0, x.byteOffset, y.byteOffset, 0, x.length, alpha, chunks),
        );
      else kernels.leakyRelu(x.byteOffset, y.byteOffset, x.length, alpha);
    },
    leakyReluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, alpha: number): void {
      checkSameLengths('leakyReluBackward', x, dy, dx);
      if (!inWasm(x, dy, dx)) {
        reference.leakyReluBackward(x, dy, dx, alpha);
        return;
      }
      const chunks = pool.chunksFor(3 * x.length);
      if (chunks > 1)
        pool.runParallel(
          kernels,
          kernels.setupLeakyRelu(1, x.byteOffset, dy.byteOffset, dx.byteOffset, x.length, alpha, chunks),
        );
      else kernels.leakyReluBackward(x.byteOffset, dy.byteOffset, dx.byteOffset, x.length, alpha);
    },
    fillChannels(
      values: Float32Array,
      images: number,
      channels: number,
      pixels: number,
      y: Float32Array,
    ): void {
      checkChannelArguments('fillChannels', y, images, channels, pixels, values);
      if (!inWasm(values, y)) {
        reference.fillChannels(values, images, channels, pixels, y);
        return;
      }
      const sizes = [images, channels, pixels] as const;
      const chunks = images * channels > 1 ? pool.chunksFor(y.length) : 1;
      if (chunks > 1)
        pool.runParallel(
          kernels,
          kernels.setupFillChannels(values.byteOffset, ...sizes, y.byteOffset, chunks),
        );
      else kernels.fillChannels(values.byteOffset, channels, pixels, y.byteOffset, 0, images * channels);
    },
    sumChannels(m: Float32Array, images: number, channels: number, pixels: number, out: Float32Array): void {
      checkChannelArguments('sumChannels', m, images, channels, pixels, out);
      if (!inWasm(m, out)) {
        reference.sumChannels(m, images, channels, pixels, out);
        return;
      }
      const sizes = [images, channels, pixels] as const;
      const chunks = channels > 1 ? pool.chunksFor(m.length) : 1;
      if (chunks > 1)
        pool.runParallel(kernels, kernels.setupSumChannels(m.byteOffset, ...sizes, out.byteOffset, chunks));
      else kernels.sumChannels(m.byteOffset, ...sizes, out.byteOffset, 0, channels);
    },
    channelDot(
      a: Float32Array,
      aShift: Float32Array,
      b: Float32Array,
      bShift: Float32Array,
      images: number,
      channels: number,
      pixels: number,
      out: Float32Array,
    ): void {
      checkChannelArguments('channelDot', a, images, channels, pixels, aShift);
      checkChannelArguments('channelDot', b, images, channels, pixels, bShift);
      checkChannelArguments('channelDot', a, images, channels, pixels, out);
      if (!(inWasm(a, aShift, b) && inWasm(bShift, out))) {
        reference.channelDot(a, aShift, b, bShift, images, channels, pixels, out);
        return;
      }
      const args: ChannelDotArguments = [
        a.byteOffset,
        aShift.byteOffset,
        b.byteOffset,
        bShift.byteOffset,
        images,
        channels,
        pixels,
        out.byteOffset,
      ];
      const chunks = channels > 1 ? pool.chunksFor(2 * a.length) : 1;
      if (chunks > 1) pool.runParallel(kernels, kernels.setupChannelDot(...args, chunks));
      else kernels.channelDot(...args, 0, channels);
    },
    affineChannels(
      a: Float32Array,
      p: Float32Array,
      b: Float32Array,
      q: Float32Array,
      m: Float32Array,
      r: Float32Array,
      images: number,
      channels: number,
      pixels: number,
      out: Float32Array,
    ): void {
      checkAffineChannelsArguments(a, p, b, q, m, r, images, channels, pixels, out);
      if (!(inWasm(a, p, b) && inWasm(q, m, r) && heap.contains(out))) {
        reference.affineChannels(a, p, b, q, m, r, images, channels, pixels, out);
        return;
      }
      const addresses: AffineAddresses = [
        a.byteOffset,
        p.byteOffset,
        b.byteOffset,
        q.byteOffset,
        m.byteOffset,
        r.byteOffset,
      ];
      const rows = images * channels;
      const chunks = rows > 1 ? pool.chunksFor(3 * out.length) : 1;
      if (chunks > 1) {
        const job = kernels.setupAffineChannels(
          ...addresses,
          images,
          channels,
          pixels,
          out.byteOffset,
          chunks,
        );
        pool.runParallel(kernels, job);
      } else {
        kernels.affineChannels(...addresses, channels, pixels, out.byteOffset, 0, rows);
      }
    },
    sumRows(m: Float32Array, rows: number, cols: number, out: Float32Array): void {
      checkSumRowsArguments(m, rows, cols, out);
      if (inWasm(m, out)) kernels.sumRows(m.byteOffset, rows, cols, out.byteOffset);
      else reference.sumRows(m, rows, cols, out);
    },
    momentumUpdate(w: Float32Array, v: Float32Array, g: Float32Array, lr: number, momentum: number): void {
      checkSameLengths('momentumUpdate', w, v, g);
      if (!inWasm(w, v, g)) reference.momentumUpdate(w, v, g, lr, momentum);
      else if (!updateInParallel('momentum', w, v, g, undefined, lr, momentum))
        kernels.momentumUpdate(w.byteOffset, v.byteOffset, g.byteOffset, w.length, lr, momentum);
    },
    momentumOuterUpdate(
      w: Float32Array,
      v: Float32Array,
      x: Float32Array,
      dy: Float32Array,
      lr: number,
      momentum: number,
    ): void {
      checkOuterUpdateArguments(w, v, x, dy);
      if (!(inWasm(w, v, x) && heap.contains(dy))) {
        reference.momentumOuterUpdate(w, v, x, dy, lr, momentum);
        return;
      }
      // W1 of the seed (392k floats, w and v read and written): two cores' caches move it faster than one.
      // (Plain arguments, no arrays of them: a training step allocates nothing.)
      const rows = x.length;
      const cols = dy.length;
      const chunks = rows > 1 ? pool.chunksFor(4 * w.length, 'update') : 1;
      if (chunks > 1) {
        // biome-ignore format: arguments grouped as (arrays), (sizes), (hyperparameters), (chunks)
        const job = kernels.setupMomentumOuterUpdate(w.byteOffset, v.byteOffset, x.byteOffset, dy.byteOffset,
          rows, cols, lr, momentum, chunks);
        pool.runParallel(kernels, job);
      } else {
        // biome-ignore format: arguments grouped as (arrays), (sizes), (hyperparameters)
        kernels.momentumOuterUpdate(w.byteOffset, v.byteOffset, x.byteOffset, dy.byteOffset,
          rows, cols, lr, momentum);
      }
    },
    adamUpdate(
      w: Float32Array,
      m: Float32Array,
      v: Float32Array,
      g: Float32Array,
      lr: number,
      beta1: number,
      beta2: number,
      epsilon: number,
    ): void {
      checkSameLengths('adamUpdate', w, m, v);
      checkSameLengths('adamUpdate', w, g);
      if (!(inWasm(w, m, v) && heap.contains(g))) {
        reference.adamUpdate(w, m, v, g, lr, beta1, beta2, epsilon);
      } else if (!updateInParallel('adam', w, m, g, v, lr, beta1, beta2, epsilon)) {
        kernels.adamUpdate(
          w.byteOffset,
          m.byteOffset,
          v.byteOffset,
          g.byteOffset,
          w.length,
          lr,
          beta1,
          beta2,
          epsilon,
        );
      }
    },
    sgdUpdate(w: Float32Array, g: Float32Array, lr: number): void {
      checkSameLengths('sgdUpdate', w, g);
      if (!inWasm(w, g)) reference.sgdUpdate(w, g, lr);
      else if (!updateInParallel('sgd', w, undefined, g, undefined, lr))
        kernels.sgdUpdate(w.byteOffset, g.byteOffset, w.length, lr);
    },
  };
}
