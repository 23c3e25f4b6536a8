// MaxPool2d, AvgPool2d and GlobalAvgPool: gradient checks (stride ≠ kernel, padding, odd sizes),
// literal forward values, MaxPool2d's int32 argmax buffer reused across batch sizes, and shape errors
// naming the layer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLayerGradients } from '../../test/gradcheck.js';
import { getBackend } from '../backend/active.js';
import type { WasmBackend } from '../backend/wasm/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { AvgPool2d } from './avg_pool2d.js';
import { GlobalAvgPool } from './global_avg_pool.js';
import { MaxPool2d } from './max_pool2d.js';

/** Distinct values 0.05 apart in random order, so a ±h probe never changes which element is the maximum. */
function distinctInput(shape: number[], seed: number): Tensor {
  const x = new Tensor(shape);
  const order = new Random(seed).shuffle(Array.from({ length: x.size }, (_, i) => i));
  order.forEach((rank, i) => {
    x.data[i] = (rank - x.size / 2) * 0.05;
  });
  return x;
}

const WINDOWS: [string, number, number, number, number[]][] = [
  ['2×2 stride 2', 2, 2, 0, [2, 3, 6, 6]],
  ['2×2 stride 2 on odd sizes', 2, 2, 0, [2, 2, 5, 7]],
  ['3×3 stride 2 pad 1 (overlapping)', 3, 2, 1, [2, 2, 7, 5]],
  ['3×3 stride 1 pad 1', 3, 1, 1, [2, 1, 4, 5]],
  ['2×2 stride 1', 2, 1, 0, [3, 2, 4, 3]],
];

describe('pooling', () => {
  for (const [name, kernelSize, stride, pad, shape] of WINDOWS) {
    it(`MaxPool2d gradients match central differences: ${name}`, () => {
      checkLayerGradients(new MaxPool2d({ kernelSize, stride, pad }), shape, {
        input: distinctInput(shape, 5),
      });
    });
    it(`AvgPool2d gradients match central differences: ${name}`, () => {
      checkLayerGradients(new AvgPool2d({ kernelSize, stride, pad }), shape, { seed: 6 });
    });
  }

  it('GlobalAvgPool gradients match central differences', () => {
    checkLayerGradients(new GlobalAvgPool(), [3, 4, 5, 3], { seed: 2 });
  });

  it('compute the documented values', () => {
    const x = Tensor.from([
      [
        [
          [1, 2, 5],
          [4, 3, 0],
          [7, 6, 9],
        ],
      ],
    ]);
    assert.deepEqual([...new MaxPool2d({ kernelSize: 2 }).forward(x, 'eval').data], [4]);
    assert.deepEqual([...new MaxPool2d({ kernelSize: 2, stride: 1 }).forward(x, 'eval').data], [4, 5, 7, 9]);
    // padding is never the maximum, even where every pixel is negative
    const negative = Tensor.from([
      [
        [
          [-1, -2],
          [-3, -4],
        ],
      ],
    ]);
    assert.deepEqual(
      [...new MaxPool2d({ kernelSize: 2, pad: 1 }).forward(negative, 'eval').data],
      [-1, -2, -3, -4],
    );
    assert.deepEqual([...new AvgPool2d({ kernelSize: 2 }).forward(x, 'eval').data], [2.5]);
    // padding counts as zeros in the mean (PyTorch's count_include_pad)
    assert.deepEqual(
      [...new AvgPool2d({ kernelSize: 2, pad: 1 }).forward(negative, 'eval').data],
      [-0.25, -0.5, -0.75, -1],
    );
    assert.deepEqual([...new GlobalAvgPool().forward(x, 'eval').data], [37 / 9].map(Math.fround));
  });

  it('send each dy to the maximum, adding where overlapping windows share one', () => {
    const pool = new MaxPool2d({ kernelSize: 2, stride: 1 });
    pool.forward(
      Tensor.from([
        [
          [
            [1, 2, 0],
            [3, 9, 0],
            [0, 0, 0],
          ],
        ],
      ]),
      'train',
    );
    const dx = pool.backward(
      Tensor.from([
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
      ]),
    );
    assert.deepEqual([...dx.data], [0, 0, 0, 0, 10, 0, 0, 0, 0]);
  });

  it('keep MaxPool2d argmax as int32 indices of their own, reused when the batch shrinks and grows back', () => {
    const pool = new MaxPool2d({ kernelSize: 2 });
    // two 2×2 images: maxima 4 (flat index 2) and 8 (flat index 5)
    const two = Tensor.from([
      [
        [
          [1, 2],
          [4, 3],
        ],
      ],
      [
        [
          [5, 8],
          [7, 6],
        ],
      ],
    ]);
    assert.deepEqual([...pool.forward(two, 'train').data], [4, 8]);
    assert.deepEqual([...pool.backward(Tensor.from([[[[1]]], [[[2]]]])).data], [0, 0, 1, 0, 0, 2, 0, 0]);
    // the layer's private buffers, looked at from outside
    const buffers = (layer: MaxPool2d) =>
      layer as unknown as { argmax: Int32Array; argmaxStorage: Int32Array };
    const argmax = (layer: MaxPool2d) => buffers(layer).argmax;
    const storage = (layer: MaxPool2d) => buffers(layer).argmaxStorage;
    assert.ok(argmax(pool) instanceof Int32Array);
    assert.deepEqual([...argmax(pool)], [2, 5]);
    // on the wasm backend with shared memory, in the wasm heap, where its kernels write them
    const backend = getBackend() as Partial<WasmBackend>;
    if (backend.heap !== undefined && backend.runtime?.shared) assert.ok(backend.heap.contains(argmax(pool)));
    const block = storage(pool);
    // the first image alone: a view of the same block, one index
    const one = Tensor.from([
      [
        [
          [1, 2],
          [4, 3],
        ],
      ],
    ]);
    assert.deepEqual([...pool.forward(one, 'train').data], [4]);
    assert.deepEqual([...pool.backward(Tensor.from([[[[3]]]])).data], [0, 0, 3, 0]);
    assert.equal(storage(pool), block);
    assert.equal(argmax(pool).buffer, block.buffer);
    assert.equal(argmax(pool).length, 1);
    // back to two images: the same block again, and the second image's index is right
    pool.forward(two, 'train');
    assert.equal(storage(pool), block);
    assert.deepEqual([...argmax(pool)], [2, 5]);
  });

  it('name the layer and the shapes when the window does not fit', () => {
    assert.throws(() => new MaxPool2d({ kernelSize: 3 }).outputShape([1, 8, 2, 2]), {
      name: 'ShapeError',
      message: 'MaxPool2d(3): a 3×3 window does not fit input [1, 8, 2, 2] with pad 0 (padded 2×2)',
    });
    assert.throws(
      () => new AvgPool2d({ kernelSize: 2 }).outputShape([8, 10]),
      /AvgPool2d\(2\): expected input \[n, c, h, w\], received \[8, 10\]/,
    );
    assert.throws(() => new MaxPool2d({ kernelSize: 2, pad: 2 }), /pad 2 is more than half the 2×2 window/);
    assert.throws(
      () => new GlobalAvgPool().outputShape([4, 3]),
      /GlobalAvgPool: expected input \[n, c, h, w\]/,
    );
  });
});
