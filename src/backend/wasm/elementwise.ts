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
  momentumOuterUpdate(
    w: number,
    v: number,
    x: number,
    dy: number,
    rows: number,
    cols: number,
    lr: number,
    momentum: number,
  ): void;
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
      const addresses = [x.byteOffset, dy.byteOffset, dx.byteOffset] as const;
      const chunks = pool.chunksFor(3 * x.length);
      if (chunks > 1)
        pool.runParallel(kernels, kernels.setupLeakyRelu(1, ...addresses, x.length, alpha, chunks));
      else kernels.leakyReluBackward(...addresses, x.length, alpha);
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
      if (inWasm(w, v, g))
        kernels.momentumUpdate(w.byteOffset, v.byteOffset, g.byteOffset, w.length, lr, momentum);
      else reference.momentumUpdate(w, v, g, lr, momentum);
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
      if (inWasm(w, v, x) && heap.contains(dy)) {
        kernels.momentumOuterUpdate(
          w.byteOffset,
          v.byteOffset,
          x.byteOffset,
          dy.byteOffset,
          x.length,
          dy.length,
          lr,
          momentum,
        );
      } else {
        reference.momentumOuterUpdate(w, v, x, dy, lr, momentum);
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
      if (inWasm(w, m, v) && heap.contains(g)) {
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
      } else {
        reference.adamUpdate(w, m, v, g, lr, beta1, beta2, epsilon);
      }
    },
    sgdUpdate(w: Float32Array, g: Float32Array, lr: number): void {
      checkSameLengths('sgdUpdate', w, g);
      if (inWasm(w, g)) kernels.sgdUpdate(w.byteOffset, g.byteOffset, w.length, lr);
      else reference.sgdUpdate(w, g, lr);
    },
  };
}
