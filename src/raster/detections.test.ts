// @backend-independent: drawing into byte arrays; no tensor, no kernel

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseColor } from './canvas.js';
import { classColor, drawBoxes, inputCanvas } from './detections.js';

const pixel = (data: Uint8Array, width: number, x: number, y: number) =>
  Array.from(data.subarray((y * width + x) * 4, (y * width + x) * 4 + 3));

describe('detection images', () => {
  it('inputCanvas shows a grey input zoomed, each value a block of zoom × zoom pixels', () => {
    const input = Float32Array.from([0, 0.5, 1, 0.25, 2, -1]); // 2 × 3, clamped to [0, 1]
    const canvas = inputCanvas(input, 1, 2, 3, 2);
    assert.equal(canvas.width, 6);
    assert.equal(canvas.height, 4);
    assert.deepEqual(pixel(canvas.data, 6, 3, 1), [128, 128, 128]);
    assert.deepEqual(pixel(canvas.data, 6, 5, 0), [255, 255, 255]);
    assert.deepEqual(pixel(canvas.data, 6, 2, 3), [255, 255, 255]);
    assert.deepEqual(pixel(canvas.data, 6, 4, 3), [0, 0, 0]);
    assert.throws(() => inputCanvas(input, 2, 1, 3), /1 or 3 channels/);
    assert.throws(() => inputCanvas(input, 1, 3, 3), /expected 1·3·3 = 9 values, got 6/);
  });

  it('drawBoxes outlines each box in its class colour, scaled by zoom, with a label tab', () => {
    const canvas = inputCanvas(new Float32Array(40 * 40), 1, 40, 40, 2);
    drawBoxes(canvas, [{ cls: 3, x0: 10, y0: 20, x1: 30, y1: 35, score: 0.9 }], ['a', 'b', 'c', 'd'], {
      thickness: 2,
      zoom: 2,
    });
    const colour = parseColor(classColor(3));
    assert.deepEqual(pixel(canvas.data, 80, 20, 55), colour, 'left edge at x = 10·2');
    assert.deepEqual(pixel(canvas.data, 80, 59, 55), colour, 'right edge at x = 30·2');
    assert.deepEqual(pixel(canvas.data, 80, 40, 55), [0, 0, 0], 'inside stays as it was');
    assert.deepEqual(pixel(canvas.data, 80, 21, 38), colour, 'the label tab sits above the box');
    assert.notDeepEqual(classColor(0), classColor(1));
    assert.equal(classColor(20), classColor(0));
  });
});
