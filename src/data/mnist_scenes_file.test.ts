// @backend-independent: scenes written as PNG and text and read back as bytes; no tensors.
// Tests of the MNIST-scenes export: the ultralytics layout, 8-bit grayscale PNGs, and a round trip
// through the data set reader that gives back the generator's pixels and boxes.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mnistScenes, sceneManifestLine } from './mnist_scenes.js';
import { loadMnistBytes, writeScenesDataset } from './mnist_scenes_file.js';
import { loadDetectionSplit, readDataYaml } from './yolo_dataset.js';

const temp = mkdtempSync(join(tmpdir(), 'zerodl-scenes-'));
after(() => rmSync(temp, { recursive: true, force: true }));

test('written scenes read back through data.yaml give the same pixels and boxes', () => {
  const mnist = loadMnistBytes();
  const out = join(temp, 'scenes');
  assert.deepEqual(writeScenesDataset(out, ['test'], mnist, 4), [
    { split: 'test', scenes: 4, objects: 12, requested: 12 },
  ]);
  writeScenesDataset(out, ['val'], mnist, 3); // a second call adds a split to data.yaml
  const yaml = readFileSync(join(out, 'data.yaml'), 'utf8');
  assert.match(yaml, /\nval: images\/val\ntest: images\/test\nnames:\n {2}0: '0'\n/);
  assert.doesNotMatch(yaml, /train:/);
  assert.equal(readFileSync(join(out, 'classes.txt'), 'utf8'), '0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
  const png = readFileSync(join(out, 'images/test/scene_00000.png'));
  assert.deepEqual([png[24], png[25]], [8, 0]); // IHDR: bit depth 8, colour type 0 (grayscale)

  const data = readDataYaml(join(out, 'data.yaml'));
  assert.deepEqual(data.names, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  for (const split of ['test', 'val'] as const) {
    const expected = mnistScenes(mnist, split, { count: split === 'test' ? 4 : 3 });
    const { images, bad } = loadDetectionSplit(data, split, { imgsz: 96 });
    assert.deepEqual(bad, []);
    assert.equal(images.length, expected.scenes.length);
    expected.scenes.forEach((scene, k) => {
      assert.equal(images[k].file, join(out, 'images', split, `${scene.id}.png`));
      assert.deepEqual(images[k].input, scene.pixels);
      // the labels' 6 decimals come back to the whole-pixel edges exactly (dataset.ts snaps to 1/256 px)
      assert.deepEqual(
        images[k].boxes,
        scene.objects.map((o) => o.box),
      );
    });
    const manifest = readFileSync(join(out, `${split}_manifest.jsonl`), 'utf8');
    assert.equal(manifest, expected.scenes.map((scene) => `${sceneManifestLine(scene)}\n`).join(''));
  }
});
