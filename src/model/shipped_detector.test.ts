// The detector shipped in models/mnist_detector loads through its model.json and still finds the digits
// of the MNIST-scenes test split as well as the README says.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getBackend } from '../backend/active.js';
import { validateDetector } from '../train/detect_trainer.js';
import { openDetectionData } from '../train/detection_data.js';
import { loadDetectorDir } from './model_dir.js';

const MODEL_DIR = fileURLToPath(new URL('../../../models/mnist_detector', import.meta.url));

describe('models/mnist_detector', () => {
  // The 2,000 test scenes take about 4 s on wasm and a minute on the plain-TypeScript backend: there, a tenth.
  const whole = getBackend().name === 'wasm';
  it(`loads, and reaches ${whole ? 'mAP50 >= 0.99 and mAP50-95 >= 0.7 on the 2,000' : 'mAP50 >= 0.97 and mAP50-95 >= 0.65 on the first 200'} MNIST-scenes test images (README: 0.9941, 0.7200)`, () => {
    const { model, info } = loadDetectorDir(MODEL_DIR);
    assert.equal(info.task, 'detect');
    assert.deepEqual(info.architecture.head, { grid: 6, boxes: 2, classes: 10 });
    const test = openDetectionData('mnist-scenes', { imageSize: 96 }).split('test');
    const samples = whole ? test : { count: 200, read: test.read };
    const { metrics } = validateDetector(model, samples, {
      head: { grid: 6, boxes: 2, classes: 10 },
      imageSize: 96,
      channels: 1,
    });
    assert.ok(metrics.mAP50 >= (whole ? 0.99 : 0.97), `mAP50 ${metrics.mAP50}`);
    assert.ok(metrics.mAP50_95 >= (whole ? 0.7 : 0.65), `mAP50-95 ${metrics.mAP50_95}`);
  });
});
