// @backend-independent: the scene generator is integer and float64 math on plain arrays, no tensors.
// Tests of the MNIST-scenes generator against the spec (clean-96): the golden bytes of the first test
// scenes, the resize on hand-computed cases, the placement rules on every pair of objects, the split
// pools from the manifests, and the placement statistics of spec 3.4.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, test } from 'node:test';
import {
  iterateScenes,
  type MnistBytes,
  mnistScenes,
  mulberry32,
  resizeDigit,
  type Scene,
  sceneLabelText,
  sceneManifestLine,
} from './mnist_scenes.js';
import { loadMnistBytes } from './mnist_scenes_file.js';

let mnist: { train: MnistBytes; test: MnistBytes };
before(() => {
  mnist = loadMnistBytes();
});

test('the first 10 test scenes match the golden SHA-256 of their pixels and label text', () => {
  // Pinned from this generator, and reproduced byte for byte by an independent numpy port of the spec
  // (mulberry32 in Python, the team's resize_bilinear from make_scenes.py)
  const hash = createHash('sha256');
  for (const scene of iterateScenes(mnist, 'test', { count: 10 })) {
    hash.update(scene.pixels);
    hash.update(sceneLabelText(scene));
  }
  assert.equal(hash.digest('hex'), '44e71f1653841717894e5ca09bc61c759fb797b373c6e0992d917371df50aec7');
});

test('the first test scene: its label text and manifest line', () => {
  const [scene] = iterateScenes(mnist, 'test', { count: 1 });
  assert.equal(
    sceneLabelText(scene),
    [
      '4 0.333333 0.260417 0.166667 0.208333',
      '2 0.796875 0.468750 0.218750 0.270833',
      '6 0.817708 0.177083 0.197917 0.250000',
      '0 0.744792 0.765625 0.197917 0.197917',
      '3 0.921875 0.838542 0.072917 0.135417',
      '1 0.114583 0.093750 0.062500 0.145833',
      '',
    ].join('\n'),
  );
  const line = JSON.parse(sceneManifestLine(scene));
  assert.equal(line.id, 'scene_00000');
  assert.equal(line.requested_n, 6);
  // the first object: box [24, 40) × [15, 35) is (24 + 40) / 192 = 0.333333 and so on, as above
  assert.deepEqual(line.objects[0], {
    cls: 4,
    mnist_index: 2249,
    s: 26,
    px: 19,
    py: 11,
    box_px: [24, 15, 40, 35],
  });
});

test('mulberry32 draws in [0, 1) and the same seed gives the same stream', () => {
  const a = mulberry32(3);
  const b = mulberry32(3);
  for (let i = 0; i < 1000; i++) {
    const u = a();
    assert.equal(u, b());
    assert.ok(u >= 0 && u < 1);
  }
  assert.notEqual(mulberry32(2)(), mulberry32(3)());
});

test('resizeDigit halves by averaging 2×2 blocks and rounds half up', () => {
  // s = 14: x = (u + 0.5)·2 − 0.5 = 2u + 0.5, so each pixel is the mean of the block at (2u, 2v)
  const digit = new Uint8Array(784);
  digit.set([10, 21, 1, 0], 0); // row 0
  digit.set([30, 40, 1, 0], 28); // row 1
  const out = resizeDigit(digit, 14);
  // rows first: (10 + 30)/2 = 20 and (21 + 40)/2 = 30.5, then (20 + 30.5)/2 = 25.25 → 25
  assert.equal(out[0], 25);
  // (1 + 1)/2 = 1 and (0 + 0)/2 = 0, then 0.5 → 1 (half up; half to even would give 0)
  assert.equal(out[1], 1);
  assert.equal(out.length, 196);
  assert.equal(
    out.slice(2).reduce((a, b) => a + b, 0),
    0,
  );
});

test('resizeDigit doubles with half-pixel centres, clamped at the border', () => {
  // s = 56: x = (u + 0.5)/2 − 0.5: u = 0 → −0.25, clamped to 0; u = 1 → 0.25; u = 2 → 0.75
  const digit = new Uint8Array(784);
  digit[0] = 100;
  digit[1] = 200;
  const out = resizeDigit(digit, 56);
  assert.equal(out[0], 100);
  assert.equal(out[1], 125); // 100·0.75 + 200·0.25
  assert.equal(out[2], 175); // 100·0.25 + 200·0.75
  // row 1 (y = 0.25): columns 75 and 150 from the rows, then 75·0.75 + 150·0.25 = 93.75 → 94
  assert.equal(out[56 + 1], 94);
  assert.throws(() => resizeDigit(new Uint8Array(100), 16), /28×28 digit \(784 bytes\), received 100 bytes/);
});

/** Every pair of objects in the scenes: tight boxes do not overlap, centres are ≥ 16 px apart. */
function checkPlacement(scenes: readonly Scene[]): void {
  for (const scene of scenes) {
    for (const o of scene.objects) {
      const { box, s, px, py } = o;
      assert.ok(
        box.x0 >= px && box.y0 >= py && box.x1 <= px + s && box.y1 <= py + s,
        `${scene.id}: box in patch`,
      );
      assert.ok(px >= 0 && py >= 0 && px + s <= 96 && py + s <= 96, `${scene.id}: patch inside the canvas`);
      assert.ok(s >= 16 && s <= 40);
    }
    for (let i = 0; i < scene.objects.length; i++) {
      for (let j = i + 1; j < scene.objects.length; j++) {
        const a = scene.objects[i].box;
        const b = scene.objects[j].box;
        const overlap =
          Math.min(a.x1, b.x1) > Math.max(a.x0, b.x0) && Math.min(a.y1, b.y1) > Math.max(a.y0, b.y0);
        assert.equal(overlap, false, `${scene.id}: objects ${i} and ${j} overlap`);
        const distance = Math.max(
          Math.abs((a.x0 + a.x1) / 2 - (b.x0 + b.x1) / 2),
          Math.abs((a.y0 + a.y1) / 2 - (b.y0 + b.y1) / 2),
        );
        assert.ok(distance >= 16, `${scene.id}: centres of objects ${i} and ${j} are ${distance} px apart`);
      }
    }
  }
}

/** The MNIST indices of a split's manifest, read back from its JSON lines. */
function manifestIndices(scenes: readonly Scene[]): number[] {
  return scenes.flatMap((scene) =>
    JSON.parse(sceneManifestLine(scene)).objects.map((o: { mnist_index: number }) => o.mnist_index),
  );
}

test('test scenes use t10k digits, none twice; val uses train 55,000–59,999, none twice; train < 55,000', () => {
  const testScenes = mnistScenes(mnist, 'test').scenes;
  const valScenes = mnistScenes(mnist, 'val').scenes;
  const trainScenes = [
    ...mnistScenes(mnist, 'train', { count: 500 }).scenes,
    ...mnistScenes(mnist, 'train', { count: 500, epoch: 7 }).scenes,
  ];
  assert.equal(testScenes.length, 2000);
  assert.equal(valScenes.length, 1000);
  const testIndices = manifestIndices(testScenes);
  assert.equal(new Set(testIndices).size, testIndices.length);
  assert.ok(testIndices.every((i) => i >= 0 && i < 10_000));
  const valIndices = manifestIndices(valScenes);
  assert.equal(new Set(valIndices).size, valIndices.length);
  assert.ok(valIndices.every((i) => i >= 55_000 && i < 60_000));
  assert.ok(manifestIndices(trainScenes).every((i) => i >= 0 && i < 55_000));
  checkPlacement(testScenes);
  checkPlacement(valScenes);
  checkPlacement(trainScenes);
  // each object's class is its digit's label, from the half the split draws from
  for (const o of testScenes[0].objects) assert.equal(o.cls, mnist.test.labels[o.mnistIndex]);
  for (const o of valScenes[0].objects) assert.equal(o.cls, mnist.train.labels[o.mnistIndex]);
});

test('train epochs differ; the same epoch is the same scenes', () => {
  const first = mnistScenes(mnist, 'train', { count: 20, epoch: 4 });
  const again = mnistScenes(mnist, 'train', { count: 20, epoch: 4 });
  const other = mnistScenes(mnist, 'train', { count: 20, epoch: 5 });
  assert.deepEqual(again.pixels, first.pixels);
  assert.notDeepEqual(other.pixels, first.pixels);
  assert.equal(first.pixels.length, 20 * 96 * 96);
  assert.deepEqual(first.scenes[3].pixels, first.pixels.subarray(3 * 9216, 4 * 9216));
});

test('about 99.8% of requested digits are placed and 99.2% of scenes complete (spec 3.4)', () => {
  let requested = 0;
  let placed = 0;
  let complete = 0;
  for (const scene of iterateScenes(mnist, 'train', { count: 1000 })) {
    requested += scene.requestedN;
    placed += scene.objects.length;
    if (scene.objects.length === scene.requestedN) complete++;
    assert.ok(scene.requestedN >= 1 && scene.requestedN <= 6);
  }
  // measured 3463 of 3468 (99.86%) and 995 of 1000; 10,000 scenes give 99.78% and 99.26%
  assert.ok(placed / requested > 0.995 && placed / requested < 1, `placed ${placed} of ${requested}`);
  assert.ok(complete / 1000 > 0.98 && complete < 1000, `${complete} of 1000 scenes complete`);
  assert.ok(requested / 1000 > 3.3 && requested / 1000 < 3.7, `mean digits per scene ${requested / 1000}`);
});

test('the pixels are the max of the pasted digits and stay 0 outside them', () => {
  const [scene] = iterateScenes(mnist, 'test', { count: 1 });
  const covered = new Uint8Array(96 * 96);
  const expected = new Uint8Array(96 * 96);
  for (const o of scene.objects) {
    const patch = resizeDigit(mnist.test.images.subarray(o.mnistIndex * 784, (o.mnistIndex + 1) * 784), o.s);
    for (let v = 0; v < o.s; v++) {
      for (let u = 0; u < o.s; u++) {
        const k = (o.py + v) * 96 + o.px + u;
        covered[k] = 1;
        expected[k] = Math.max(expected[k], patch[v * o.s + u]);
      }
    }
  }
  assert.deepEqual(scene.pixels, expected);
  assert.ok(covered.some((c) => c === 0));
});

test('bad options and inputs are errors that say what is allowed', () => {
  assert.throws(
    () => [...iterateScenes(mnist, 'val', { count: 1001 })],
    /at most 1000 \(the val split's fixed size\), received 1001/,
  );
  assert.throws(
    () => [...iterateScenes(mnist, 'test', { epoch: 2 })],
    /0 for the fixed test split; received 2/,
  );
  assert.throws(
    () => [...iterateScenes(mnist, 'dev' as 'val')],
    /split must be 'train', 'val' or 'test', received 'dev'/,
  );
  const small = { train: { images: new Uint8Array(784 * 10), labels: new Uint8Array(10) }, test: mnist.test };
  assert.throws(() => [...iterateScenes(small, 'val')], /indices 55000–59999, but only 10 images were given/);
  const short = { train: mnist.train, test: { images: new Uint8Array(700), labels: new Uint8Array(1) } };
  assert.throws(
    () => [...iterateScenes(short, 'test')],
    /mnist\.test has 1 labels, so its images need 1 × 784 = 784 bytes, received 700/,
  );
});
