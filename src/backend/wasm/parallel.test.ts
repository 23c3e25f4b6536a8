// Parity of the parallel-for kernels (assembly/parallel.ts) with the reference backend, on one thread
// and on two (sizes large enough to be split into chunks): im2col, col2im, max pooling and its
// backward, LeakyReLU and its backward, the per-channel bias fill and sums, batch norm's statistics,
// gradient sums, forward and backward, the optimizer updates (Momentum, SGD, Adam, the batch-1 outer-product
// Momentum: bit for bit, as the reference computes them in float32 too); argument errors. The pool's
// far-cores rule is off, so that two threads really share these jobs wherever the vCPUs sit.
//
// @backend-independent: runs wasm backends it creates itself, never the installed one

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertClose } from '../../../test/close.js';
import { Random } from '../../util/random.js';
import type { Backend } from '../backend.js';
import { referenceBackend } from '../reference/index.js';
import { createWasmBackend, type WasmBackend } from './index.js';

for (const threads of [1, 2]) {
  describe(`parallel-for kernels on ${threads} thread(s) agree with the reference`, () => {
    let wasm: WasmBackend;
    before(async () => {
      wasm = createWasmBackend({ threads });
      wasm.pool.policy.farCores = false;
      // workers start asynchronously: give them time to join, so that chunks really are shared
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    after(() => wasm.close());

    // Random arrays in wasm memory, and copies in ordinary memory for the reference.
    const pair = (size: number, rng: Random, fill = true): [Float32Array, Float32Array] => {
      const ours = wasm.allocate(size);
      if (fill) for (let i = 0; i < size; i++) ours[i] = rng.randn();
      return [ours, Float32Array.from(ours)];
    };

    for (const [channels, height, width, kernelSize, stride, pad] of [
      [16, 48, 48, 3, 1, 1],
      [7, 33, 29, 3, 2, 1],
    ]) {
      it(`im2col and col2im (c ${channels}, ${height}×${width}, k ${kernelSize}, stride ${stride}, pad ${pad})`, () => {
        const rng = new Random(channels);
        const outH = Math.floor((height + 2 * pad - kernelSize) / stride) + 1;
        const outW = Math.floor((width + 2 * pad - kernelSize) / stride) + 1;
        const sizes = [channels, height, width, kernelSize, stride, pad] as const;
        const ld = outH * outW;
        const [image, imageCopy] = pair(channels * height * width + 4, rng);
        const [columns, columnsCopy] = pair(channels * kernelSize * kernelSize * ld, rng, false);
        const run = (backend: Backend, img: Float32Array, cols: Float32Array) => {
          backend.im2col(...sizes, img, 4, cols, 0, ld);
          backend.col2im(...sizes, cols, 0, ld, img, 4);
        };
        run(wasm, image, columns);
        run(referenceBackend, imageCopy, columnsCopy);
        assert.deepEqual(columns, columnsCopy);
        assertClose(image, imageCopy, { rtol: 1e-6, what: 'col2im' });
      });
    }

    for (const [planes, height, width, kernelSize, stride, pad] of [
      [128, 48, 48, 2, 2, 0],
      [37, 25, 23, 3, 2, 1],
    ]) {
      it(`maxPool2d and maxPool2dBackward (${planes}×${height}×${width}, k ${kernelSize}, stride ${stride}, pad ${pad})`, () => {
        const rng = new Random(planes);
        const outH = Math.floor((height + 2 * pad - kernelSize) / stride) + 1;
        const outW = Math.floor((width + 2 * pad - kernelSize) / stride) + 1;
        const sizes = [planes, height, width, kernelSize, stride, pad] as const;
        const [x] = pair(planes * height * width, rng);
        // coarse values, so windows have ties (the first maximum must win in both)
        for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i] * 2);
        const [y, yCopy] = pair(planes * outH * outW, rng, false);
        const argmaxStorage = wasm.allocate(y.length);
        const argmax = new Int32Array(argmaxStorage.buffer, argmaxStorage.byteOffset, y.length);
        const argmaxCopy = new Int32Array(y.length);
        wasm.maxPool2d(...sizes, x, y, argmax);
        referenceBackend.maxPool2d(...sizes, Float32Array.from(x), yCopy, argmaxCopy);
        assert.deepEqual(y, yCopy);
        assert.deepEqual(argmax, argmaxCopy);
        const [dy, dyCopy] = pair(y.length, rng);
        // dx starts as NaN: the kernel must clear it
        const [dx, dxCopy] = pair(x.length, rng);
        dx.fill(Number.NaN);
        wasm.maxPool2dBackward(planes, dy, argmax, dx);
        referenceBackend.maxPool2dBackward(planes, dyCopy, argmaxCopy, dxCopy);
        assertClose(dx, dxCopy, { rtol: 1e-6, what: 'maxPool2dBackward' });
      });
    }

    for (const size of [1, 7, 200_003]) {
      it(`leakyRelu and leakyReluBackward (${size} elements)`, () => {
        const rng = new Random(size);
        const [x, xCopy] = pair(size, rng);
        const [y, yCopy] = pair(size, rng, false);
        const [dy, dyCopy] = pair(size, rng);
        const [dx, dxCopy] = pair(size, rng, false);
        wasm.leakyRelu(x, y, 0.1);
        referenceBackend.leakyRelu(xCopy, yCopy, 0.1);
        wasm.leakyReluBackward(x, dy, dx, 0.1);
        referenceBackend.leakyReluBackward(xCopy, dyCopy, dxCopy, 0.1);
        // alpha·x in float32 (wasm) and float64 (reference) may differ in the last bit
        assertClose(y, yCopy, { rtol: 1e-6, what: 'leakyRelu' });
        assertClose(dx, dxCopy, { rtol: 1e-6, what: 'leakyReluBackward' });
      });
    }

    for (const [images, channels, pixels] of [
      [1, 1, 1],
      [3, 5, 7],
      [8, 32, 2304],
    ]) {
      it(`fillChannels and sumChannels ([${images}, ${channels}, ${pixels}])`, () => {
        const rng = new Random(images * channels);
        const [values, valuesCopy] = pair(channels, rng);
        const [y, yCopy] = pair(images * channels * pixels, rng);
        wasm.fillChannels(values, images, channels, pixels, y);
        referenceBackend.fillChannels(valuesCopy, images, channels, pixels, yCopy);
        assert.deepEqual(y, yCopy);
        const [m, mCopy] = pair(images * channels * pixels, rng);
        const [sums, sumsCopy] = pair(channels, rng, false);
        wasm.sumChannels(m, images, channels, pixels, sums);
        referenceBackend.sumChannels(mCopy, images, channels, pixels, sumsCopy);
        // float32 sums in four lanes against a float64 sum
        assertClose(sums, sumsCopy, { rtol: 1e-4, atol: 1e-3, what: 'sumChannels' });
      });
    }

    for (const [images, channels, pixels] of [
      [2, 1, 1],
      [3, 5, 7],
      [64, 32, 784],
    ]) {
      it(`batchNormStatistics, batchNormForward, batchNormGradientSums, batchNormBackward ([${images}, ${channels}, ${pixels}])`, () => {
        const rng = new Random(images + channels);
        const size = images * channels * pixels;
        const [x, xCopy] = pair(size, rng);
        // an offset mean, as batch norm's inputs may have
        for (let i = 0; i < size; i++) x[i] = xCopy[i] = x[i] + 3;
        const [dy, dyCopy] = pair(size, rng);
        const perChannel = (fill = true) => pair(channels, rng, fill);
        const [[mean, meanCopy], [squares, squaresCopy], [dySums, dySumsCopy], [products, productsCopy]] = [
          perChannel(false),
          perChannel(false),
          perChannel(false),
          perChannel(false),
        ];
        wasm.batchNormStatistics(x, images, channels, pixels, mean, squares);
        referenceBackend.batchNormStatistics(xCopy, images, channels, pixels, meanCopy, squaresCopy);
        // float32 squares summed in float64 against float64 squares
        assertClose(mean, meanCopy, { rtol: 1e-6, what: 'batchNormStatistics mean' });
        assertClose(squares, squaresCopy, { rtol: 1e-5, atol: 1e-3, what: 'batchNormStatistics Σ(x − μ)²' });
        // the rest from the same μ, so that each kernel is compared alone
        meanCopy.set(mean);
        const [
          [scale, scaleCopy],
          [beta, betaCopy],
          [deviationScale, deviationScaleCopy],
          [shift, shiftCopy],
        ] = [perChannel(), perChannel(), perChannel(), perChannel()];
        const [y, yCopy] = pair(size, rng, false);
        wasm.batchNormForward(x, mean, scale, beta, images, channels, pixels, y);
        referenceBackend.batchNormForward(
          xCopy,
          meanCopy,
          scaleCopy,
          betaCopy,
          images,
          channels,
          pixels,
          yCopy,
        );
        assertClose(y, yCopy, { rtol: 1e-5, atol: 1e-6, what: 'batchNormForward' });
        wasm.batchNormGradientSums(dy, x, mean, images, channels, pixels, dySums, products);
        // biome-ignore format: one call
        referenceBackend.batchNormGradientSums(dyCopy, xCopy, meanCopy, images, channels, pixels, dySumsCopy, productsCopy);
        assertClose(dySums, dySumsCopy, { rtol: 1e-4, atol: 1e-3, what: 'batchNormGradientSums Σ dy' });
        assertClose(products, productsCopy, {
          rtol: 1e-5,
          atol: 1e-3,
          what: 'batchNormGradientSums Σ dy·(x − μ)',
        });
        const [dx, dxCopy] = pair(size, rng, false);
        // biome-ignore format: one call
        wasm.batchNormBackward(dy, x, mean, scale, deviationScale, shift, images, channels, pixels, dx);
        // biome-ignore format: one call
        referenceBackend.batchNormBackward(dyCopy, xCopy, meanCopy, scaleCopy, deviationScaleCopy, shiftCopy,
          images, channels, pixels, dxCopy);
        assertClose(dx, dxCopy, { rtol: 1e-5, atol: 1e-6, what: 'batchNormBackward' });
      });
    }

    for (const size of [13, 392_001]) {
      it(`momentumUpdate, sgdUpdate and adamUpdate (${size} elements)`, () => {
        const rng = new Random(size + 1);
        const [w, wCopy] = pair(size, rng);
        const [velocity, velocityCopy] = pair(size, rng);
        const [g, gCopy] = pair(size, rng);
        const [mean, meanCopy] = pair(size, rng);
        const [square, squareCopy] = pair(size, rng);
        // Adam's second moment is a running mean of squares; near zero, its step magnifies rounding
        for (let i = 0; i < size; i++) square[i] = squareCopy[i] = square[i] * square[i] + 0.5;
        wasm.momentumUpdate(w, velocity, g, 0.01, 0.9);
        referenceBackend.momentumUpdate(wCopy, velocityCopy, gCopy, 0.01, 0.9);
        wasm.sgdUpdate(w, g, 0.1);
        referenceBackend.sgdUpdate(wCopy, gCopy, 0.1);
        wasm.adamUpdate(w, mean, square, g, 0.001, 0.9, 0.999, 1e-8);
        referenceBackend.adamUpdate(wCopy, meanCopy, squareCopy, gCopy, 0.001, 0.9, 0.999, 1e-8);
        // the same float32 operations in the same order: the same bits
        assert.deepEqual(velocity, velocityCopy, 'momentumUpdate v');
        assert.deepEqual(mean, meanCopy, 'adamUpdate m');
        assert.deepEqual(square, squareCopy, 'adamUpdate v');
        assert.deepEqual(w, wCopy, 'w after momentum, SGD and Adam');
      });
    }

    for (const [rows, cols] of [
      [3, 5],
      [784, 500],
    ]) {
      it(`momentumOuterUpdate (${rows}×${cols}, rows with x = 0 and zero velocity among them)`, () => {
        const rng = new Random(rows);
        const [w, wCopy] = pair(rows * cols, rng);
        const [velocity, velocityCopy] = pair(rows * cols, rng);
        const [x, xCopy] = pair(rows, rng);
        const [dy, dyCopy] = pair(cols, rng);
        // every third input is 0, and every other one of those rows has a velocity of zeros (skipped)
        for (let i = 0; i < rows; i += 3) {
          x[i] = xCopy[i] = 0;
          if (i % 2 === 0) {
            velocity.fill(0, i * cols, (i + 1) * cols);
            velocityCopy.fill(0, i * cols, (i + 1) * cols);
          }
        }
        for (let step = 0; step < 3; step++) {
          wasm.momentumOuterUpdate(w, velocity, x, dy, 0.01, 0.9);
          referenceBackend.momentumOuterUpdate(wCopy, velocityCopy, xCopy, dyCopy, 0.01, 0.9);
        }
        assert.deepEqual(velocity, velocityCopy, 'momentumOuterUpdate v');
        assert.deepEqual(w, wCopy, 'momentumOuterUpdate w');
      });
    }

    it('checks arguments before touching memory', () => {
      const m = wasm.allocate(12);
      assert.throws(
        () => wasm.sumChannels(m, 2, 3, 3, wasm.allocate(3)),
        /expected a \[2, 3, 3\] tensor \(18 values\) and 3 channel values, received 12 and 3/,
      );
      assert.throws(
        () => wasm.maxPool2dBackward(5, m, new Int32Array(12), wasm.allocate(20)),
        /dy and dx of 5 planes each/,
      );
      const perChannel = wasm.allocate(3);
      assert.throws(
        () => wasm.fillChannels(wasm.allocate(2), 2, 3, 2, m),
        /fillChannels: .*received 12 and 2/,
      );
      assert.throws(
        () => wasm.batchNormGradientSums(m, wasm.allocate(10), perChannel, 2, 3, 2, perChannel, perChannel),
        /batchNormGradientSums: expected a \[2, 3, 2\] tensor \(12 values\) and 3 channel values, received 10 and 3/,
      );
      assert.throws(
        () => wasm.batchNormStatistics(m, 2, 3, 2, perChannel, wasm.allocate(4)),
        /batchNormStatistics: .*received 12 and 4/,
      );
      assert.throws(
        () => wasm.batchNormForward(m, perChannel, perChannel, perChannel, 2, 3, 2, wasm.allocate(11)),
        /batchNormForward: .*received 11 and 3/,
      );
      assert.throws(
        () => wasm.batchNormBackward(m, m, perChannel, perChannel, wasm.allocate(2), perChannel, 2, 3, 2, m),
        /batchNormBackward: .*received 12 and 2/,
      );
    });
  });
}
