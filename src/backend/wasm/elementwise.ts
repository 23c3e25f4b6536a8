// The wasm backend's elementwise kernels: the SIMD versions when every array lives in wasm memory,
// the reference versions otherwise (copying in would cost as much as the work itself).

import { checkOuterUpdateArguments, checkSameLengths, checkSumRowsArguments } from '../checks.js';
import * as reference from '../reference/elementwise.js';
import type { WasmHeap } from './memory.js';

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
}

/**
 * The elementwise half of the wasm Backend, with the same contracts as the reference kernels.
 *
 * @example
 * const kernels = wasmElementwise(runtime.kernels, heap);
 * kernels.momentumUpdate(w, v, g, 0.01, 0.9);
 */
export function wasmElementwise(kernels: ElementwiseKernels, heap: WasmHeap) {
  const inWasm = (a: Float32Array, b: Float32Array, c?: Float32Array) =>
    heap.contains(a) && heap.contains(b) && (c === undefined || heap.contains(c));
  return {
    leakyRelu(x: Float32Array, y: Float32Array, alpha: number): void {
      checkSameLengths('leakyRelu', x, y);
      if (inWasm(x, y)) kernels.leakyRelu(x.byteOffset, y.byteOffset, x.length, alpha);
      else reference.leakyRelu(x, y, alpha);
    },
    leakyReluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, alpha: number): void {
      checkSameLengths('leakyReluBackward', x, dy, dx);
      if (inWasm(x, dy, dx))
        kernels.leakyReluBackward(x.byteOffset, dy.byteOffset, dx.byteOffset, x.length, alpha);
      else reference.leakyReluBackward(x, dy, dx, alpha);
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
