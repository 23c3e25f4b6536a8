import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useDefaultBackend } from '../backend/select.js';
import { setFloat32Allocator } from '../tensor/storage.js';
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import {
  type Architecture,
  architectureStateShapes,
  buildModel,
  checkArchitecture,
  createLoss,
  deepCnnArchitecture,
  mlpArchitecture,
  yoloV1Architecture,
} from './architecture.js';
import { modelState } from './model_info.js';
import { threeLayerNet } from './zoo.js';

describe('architectures as data', () => {
  it('mlpArchitecture([784, 500, 100, 3]) builds the seed network with the same weights as threeLayerNet', () => {
    const net = buildModel(mlpArchitecture([784, 500, 100, 3], 'sse'), { seed: 3 });
    assert.equal(net.summary(), threeLayerNet({ seed: 3 }).summary());
    assert.deepEqual(
      [...(net.params().get('W2')?.data ?? [])],
      [...(threeLayerNet({ seed: 3 }).params().get('W2')?.data ?? [])],
    );
  });

  it('infers each layer’s input width from the layer before', () => {
    const net = buildModel({
      inputShape: [6],
      layers: [
        { type: 'affine', outFeatures: 4 },
        { type: 'relu' },
        { type: 'affine', outFeatures: 2 },
        { type: 'sigmoid' },
      ],
      loss: 'cross_entropy',
    });
    assert.deepEqual(net.predict(new Tensor([5, 6])).shape, [5, 2]);
    assert.equal(net.lossFunction.label, 'SoftmaxCrossEntropy');
  });

  it('rejects an unknown layer type or bad options when built, naming the layer index', () => {
    const bad = {
      inputShape: [4],
      layers: [{ type: 'affine', outFeatures: 3 }, { type: 'conv9d' }],
      loss: 'sse',
    } as unknown as Architecture;
    assert.throws(() => buildModel(bad), {
      name: 'ValueError',
      message:
        "layer 2 (conv9d): unknown layer type 'conv9d'; use one of affine, leaky_relu, relu, sigmoid, conv2d, max_pool2d, avg_pool2d, global_avg_pool, flatten, dropout, batch_norm, softmax",
    });
    assert.throws(
      () => buildModel({ inputShape: [4], layers: [{ type: 'affine', outFeatures: 0 }], loss: 'sse' }),
      {
        name: 'ShapeError',
        message: 'layer 1 (affine): outFeatures must be a whole number from 1 to 2^26, got 0',
      },
    );
    assert.throws(() => buildModel({ inputShape: [], layers: [], loss: 'sse' }), /inputShape must be a list/);
    assert.throws(() => createLoss('hinge'), /unknown loss 'hinge': use sse, cross_entropy or yolov1/);
    assert.throws(() => mlpArchitecture([784], 'sse'), /at least two layer widths/);
  });

  // Issue 12: model.json and --model-config are JSON, which can hold anything; buildModel gave raw
  // TypeErrors and RangeErrors on some of it and allocated gigabytes on others.
  const refused: [string, unknown, string | RegExp][] = [
    [
      'a --model-config file holding a list',
      [{ inputShape: [4], layers: [{ type: 'relu' }], loss: 'sse' }],
      'architecture: must be an object { inputShape, layers, loss }, got a list [{"inputShape":[4],"layers":[{"type":"relu"}],"loss":"sse"}]',
    ],
    ['null', null, 'architecture: must be an object { inputShape, layers, loss }, got null'],
    [
      'a layer that is not an object',
      { inputShape: [4], layers: [{ type: 'relu' }, ['affine', 2]], loss: 'sse' },
      'layer 2: must be an object with a "type", got ["affine",2]',
    ],
    [
      'a layer without a type',
      { inputShape: [4], layers: [{ outFeatures: 2 }], loss: 'sse' },
      /^layer 1: "type" must be a layer type \(affine, .*\), got undefined$/,
    ],
    [
      'a layer type that is an Object.prototype name',
      { inputShape: [4], layers: [{ type: 'toString' }], loss: 'sse' },
      /^layer 1 \(toString\): unknown layer type 'toString'/,
    ],
    [
      'a width given as a string',
      { inputShape: [4], layers: [{ type: 'affine', outFeatures: '3' }], loss: 'sse' },
      'layer 1 (affine): outFeatures must be a whole number from 1 to 2^26, got "3"',
    ],
    [
      'a width of 2^53 (was a raw RangeError: Invalid typed array length)',
      { inputShape: [4], layers: [{ type: 'affine', outFeatures: 2 ** 53 }], loss: 'sse' },
      'layer 1 (affine): outFeatures must be a whole number from 1 to 2^26, got 9007199254740992',
    ],
    [
      'a pad that is not a number',
      { inputShape: [1, 4, 4], layers: [{ type: 'max_pool2d', kernelSize: 2, pad: null }], loss: 'sse' },
      'layer 1 (max_pool2d): pad must be a whole number from 0 to 2^26, got null',
    ],
    [
      'an eps of 0',
      { inputShape: [4], layers: [{ type: 'batch_norm', eps: 0 }], loss: 'sse' },
      'layer 1 (batch_norm): eps must be a finite number > 0, got 0',
    ],
    [
      'inputShape with a string',
      { inputShape: ['4'], layers: [{ type: 'relu' }], loss: 'sse' },
      'architecture: inputShape must be a list of whole numbers from 1 to 2^26, got ["4"]',
    ],
    [
      'a loss that is not a string',
      { inputShape: [4], layers: [{ type: 'relu' }], loss: ['sse'] },
      'architecture: loss must be "sse", "cross_entropy" or "yolov1", got ["sse"]',
    ],
    [
      'an unknown loss',
      { inputShape: [4], layers: [{ type: 'relu' }], loss: 'hinge' },
      "architecture: unknown loss 'hinge': use sse, cross_entropy or yolov1",
    ],
    [
      'more than 2^26 parameters (1e4 × 1e4 weights)',
      { inputShape: [10000], layers: [{ type: 'affine', outFeatures: 10000 }], loss: 'sse' },
      'layer 1 (affine): the network would have 100,010,000 values, above the limit of 2^26 (67,108,864, 256 MiB of float32)',
    ],
  ];
  for (const [what, architecture, message] of refused) {
    it(`refuses ${what} with a ValueError or ShapeError naming the layer`, () => {
      assert.throws(
        () => buildModel(architecture as Architecture),
        (error: Error) => {
          assert.ok(
            error instanceof ValueError || error instanceof ShapeError,
            `${error.name}: ${error.message}`,
          );
          if (typeof message === 'string') assert.equal(error.message, message);
          else assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('checks every layer before allocating: a huge valid layer before a misfit allocates nothing', () => {
    // 1e6 filters of 2×3×3 are 19 million weights (152 MB with gradients) that were allocated before
    // the affine layer after them was found not to fit; the fuzz test's 1e7 took 1.4 GB and 8 s
    const architecture = {
      inputShape: [2, 4, 4],
      layers: [
        { type: 'conv2d', filters: 1e6, kernelSize: 3 },
        { type: 'affine', outFeatures: 2 },
      ],
      loss: 'cross_entropy',
    } as Architecture;
    let allocated = 0;
    setFloat32Allocator((size) => {
      allocated += size;
      return new Float32Array(size);
    });
    try {
      assert.throws(() => buildModel(architecture), {
        name: 'ShapeError',
        message:
          'layer 2 (affine): expects a flat input [n, features], received [1, 1000000, 2, 2] (add a flatten layer)',
      });
    } finally {
      useDefaultBackend(); // the backend's own allocator again
    }
    assert.equal(allocated, 0);
  });

  it('architectureStateShapes gives the names and shapes modelState will have, without building', () => {
    for (const architecture of [
      mlpArchitecture([784, 500, 100, 3], 'sse'),
      deepCnnArchitecture(10, { batchNorm: true }),
    ]) {
      const built = [...modelState(buildModel(architecture))].map(([name, tensor]) => [name, tensor.shape]);
      assert.deepEqual([...architectureStateShapes(architecture)], built);
    }
    // checkArchitecture is buildModel's check alone, for a --model-config file read as JSON
    assert.throws(
      () => checkArchitecture([{ inputShape: [4] }]),
      /^ValueError: architecture: must be an object/,
    );
    assert.doesNotThrow(() => checkArchitecture(JSON.parse(JSON.stringify(mlpArchitecture([4, 2], 'sse')))));
  });

  it('a detector: loss yolov1 with a head whose D × S × S the last layer must give', () => {
    const arch = yoloV1Architecture({ imageSize: 96, channels: 1, grid: 6, boxes: 2, classes: 10 });
    const model = buildModel(arch, { init: 'zeros' });
    assert.deepEqual(model.outputShape([3, 1, 96, 96]), [3, 20, 6, 6]);
    assert.equal(model.lossFunction.label, 'YoloV1Loss');
    // 96 → 48 → 24 → 12 → 6 by stride-2 convolutions, a 3×3 after the third and fourth, a 1×1 head
    const convs = arch.layers.filter((l) => l.type === 'conv2d');
    assert.deepEqual(
      convs.map((l) => (l.type === 'conv2d' ? [l.filters, l.kernelSize, l.stride ?? 1] : [])),
      [
        [16, 3, 2],
        [32, 3, 2],
        [64, 3, 2],
        [64, 3, 1],
        [128, 3, 2],
        [128, 3, 1],
        [20, 1, 1],
      ],
    );
    const wrongHead = { ...arch, head: { grid: 6, boxes: 3, classes: 10 } };
    assert.throws(() => checkArchitecture(wrongHead), {
      name: 'ShapeError',
      message:
        'architecture: the head { grid: 6, boxes: 3, classes: 10 } needs an output [n, 25, 6, 6] (B·5 + C = 25 channels) or [n, 900], but the last layer gives [1, 20, 6, 6]',
    });
    assert.throws(
      () => checkArchitecture({ ...arch, head: undefined }),
      /head must be \{ grid, boxes, classes \}/,
    );
    assert.throws(() => checkArchitecture({ ...arch, head: { grid: 0, boxes: 2, classes: 10 } }), ValueError);
    assert.throws(
      () => yoloV1Architecture({ imageSize: 100, channels: 1, grid: 6, boxes: 2, classes: 10 }),
      /must be the grid 6 times a power of two/,
    );
    // a flat head (affine) is the same memory
    const flat: Architecture = {
      inputShape: [1, 8, 8],
      layers: [{ type: 'flatten' }, { type: 'affine', outFeatures: 2 * 2 * 12 }],
      loss: 'yolov1',
      head: { grid: 2, boxes: 2, classes: 2 },
    };
    assert.doesNotThrow(() => checkArchitecture(flat));
  });
});
