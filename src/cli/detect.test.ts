// End-to-end tests of `zerodl detect`: a tiny MNIST-scenes data set written by `detect scenes`, a detector
// trained on it for one epoch, then val, predict (images, --save-txt, --json), explain, and bad labels.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { formatG, yoloLine } from './detect_predict.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'zerodl-detect-'));
after(() => rmSync(root, { recursive: true, force: true }));

function zerodl(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? '');

describe('zerodl detect', () => {
  const data = join(root, 'scenes');
  const yaml = join(data, 'data.yaml');
  const model = join(root, 'runs', 'detect', 'tiny');

  before(() => {
    for (const split of ['train', 'val']) {
      const made = zerodl('detect', 'scenes', '--out', data, '--split', split, '--count', '12');
      assert.equal(made.code, 0, made.stderr);
    }
  });

  it('trains a detector and writes the run folder as ultralytics does', () => {
    const run = zerodl('detect', 'train', '--data', yaml, '--channels', '1', '--epochs', '2', '--batch', '4');
    assert.equal(run.code, 0, run.stderr);
    const out = zerodl(
      'detect',
      'train',
      '--data',
      yaml,
      '--channels',
      '1',
      '--epochs',
      '1',
      '--batch',
      '4',
      '--name',
      'tiny',
      '--json',
    );
    assert.equal(out.code, 0, out.stderr);
    const result = lastJson(out.stdout);
    assert.equal(result.epochs, 1);
    assert.equal(result.modelDir, join('runs', 'detect', 'tiny'));
    for (const key of ['mAP50', 'mAP50_95', 'precision', 'recall', 'seconds'])
      assert.equal(typeof result[key], 'number', key);
    for (const file of [
      'results.csv',
      'results.png',
      'PR_curve.png',
      'confusion_matrix.png',
      'val_batch0_pred.png',
      'weights/best.safetensors',
      'weights/last.safetensors',
    ]) {
      assert.ok(existsSync(join(model, file)), file);
    }
    const info = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
    assert.equal(info.task, 'detect');
    assert.deepEqual(info.architecture.head, { grid: 6, boxes: 2, classes: 10 });
    const [header, row] = readFileSync(join(model, 'results.csv'), 'utf8').trim().split('\n');
    assert.equal(
      header,
      'epoch,train/coord_loss,train/obj_loss,train/noobj_loss,train/cls_loss,metrics/precision,metrics/recall,metrics/mAP50,metrics/mAP50-95,val/coord_loss,val/obj_loss,val/noobj_loss,val/cls_loss,lr,seconds',
    );
    assert.equal(row?.split(',').length, 15);
    assert.match(
      out.stderr,
      /coord [\d.]+ obj [\d.]+ noobj [\d.]+ cls [\d.]+/,
      'the progress bar shows each loss term',
    );
  });

  it('val prints mAP50, mAP50-95, precision, recall and per-class figures as JSON', () => {
    const out = zerodl('detect', 'val', '--model', model, '--data', yaml, '--json');
    assert.equal(out.code, 0, out.stderr);
    const result = lastJson(out.stdout);
    for (const key of ['mAP50', 'mAP50_95', 'precision', 'recall', 'seconds'])
      assert.equal(typeof result[key], 'number', key);
    assert.equal(result.images, 12);
    const truths = readFileSync(join(data, 'val_manifest.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .reduce((sum, line) => sum + JSON.parse(line).objects.length, 0);
    assert.equal(result.instances, truths);
    assert.deepEqual(Object.keys(result.perClass), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    for (const entry of Object.values(result.perClass) as Record<string, unknown>[])
      assert.deepEqual(Object.keys(entry), ['AP50', 'AP50_95', 'precision', 'recall', 'instances']);
    assert.match(out.stderr, /all\s+\d+/);
  });

  it('predict draws boxes, writes ultralytics label files and JSON in pixels of the original image', () => {
    // a 192×96 colour copy of a scene: letterboxed to 96 px, boxes come back in the original's pixels
    const source = join(root, 'source');
    mkdirSync(source, { recursive: true });
    copyFileSync(join(data, 'images', 'val', 'scene_00000.png'), join(source, 'a.png'));
    const wide = new PNG({ width: 192, height: 96 });
    wide.data.fill(255);
    writeFileSync(join(source, 'b.png'), PNG.sync.write(wide));
    const out = zerodl(
      'detect',
      'predict',
      '--model',
      model,
      '--source',
      source,
      '--conf',
      '0',
      '--save-txt',
      '--save-conf',
      '--json',
      '--name',
      'p',
    );
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      lines.map((l) => [l.file, l.width, l.height]),
      [
        [join(source, 'a.png'), 96, 96],
        [join(source, 'b.png'), 192, 96],
      ],
    );
    const wideBoxes = lines[1].detections;
    assert.ok(wideBoxes.length > 0 && wideBoxes.length <= 100, 'conf 0 keeps boxes, at most 100');
    for (const d of wideBoxes) {
      assert.ok(
        d.box[0] >= 0 && d.box[2] <= 192 && d.box[1] >= 0 && d.box[3] <= 96,
        'inside the original image',
      );
      assert.equal(d.name, String(d.class));
    }
    const run = join(root, 'runs', 'detect', 'p');
    assert.ok(existsSync(join(run, 'a.png')) && existsSync(join(run, 'b.png')));
    const txt = readFileSync(join(run, 'labels', 'b.txt'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(txt.length, wideBoxes.length);
    for (const line of txt) {
      const fields = line.split(' ');
      assert.equal(fields.length, 6, line);
      assert.match(fields[0] as string, /^\d$/);
      for (const value of fields.slice(1).map(Number)) assert.ok(value >= 0 && value <= 1, line);
    }
  });

  it('explain draws the grid and predictors and reports the loss terms and responsible predictors', () => {
    const labels = join(data, 'labels', 'val', 'scene_00000.txt');
    const objects = readFileSync(labels, 'utf8').trim().split('\n').length;
    const out = zerodl(
      'detect',
      'explain',
      '--model',
      model,
      '--source',
      join(data, 'images', 'val', 'scene_00000.png'),
      '--labels',
      labels,
      '--json',
    );
    assert.equal(out.code, 0, out.stderr);
    const result = lastJson(out.stdout);
    assert.equal(result.predictors.length, 6 * 6 * 2);
    assert.deepEqual(Object.keys(result.terms), ['coord', 'obj', 'noobj', 'cls']);
    assert.equal(result.objects.length, objects);
    for (const object of result.objects) {
      assert.ok(object.responsible === 0 || object.responsible === 1);
      assert.equal(object.ious.length, 2);
    }
    assert.ok(existsSync(join(root, result.output)), result.output);
    assert.match(out.stderr, /loss [\d.]+ = coord [\d.]+ \+ obj [\d.]+ \+ noobj [\d.]+ \+ cls [\d.]+/);
    assert.match(
      out.stderr,
      /object 1 \(\d\) in cell \(\d, \d\): responsible b[01]; IoU b0 [\d.]+, b1 [\d.]+/,
    );
  });

  it('skips and counts a bad label line, or stops at it with --strict, naming the file and line', () => {
    const labels = join(data, 'labels', 'val', 'scene_00001.txt');
    const good = readFileSync(labels, 'utf8');
    writeFileSync(labels, `${good}12 0.5 0.5 0.1 0.1\n`);
    try {
      const skipped = zerodl('detect', 'val', '--model', model, '--data', yaml, '--json');
      assert.equal(skipped.code, 0, skipped.stderr);
      assert.equal(lastJson(skipped.stdout).skippedLabelLines, 1);
      assert.match(skipped.stderr, /1 bad label lines skipped/);
      const strict = zerodl('detect', 'val', '--model', model, '--data', yaml, '--strict');
      assert.equal(strict.code, 1);
      const line = good.trim().split('\n').length + 1;
      assert.match(
        strict.stderr,
        new RegExp(`scene_00001\\.txt:${line}: class 12 is not one of the 10 classes`),
      );
    } finally {
      writeFileSync(labels, good);
    }
  });

  it('refuses a model that is not a detector and a data set whose names do not fit', () => {
    const classifier = zerodl(
      'train',
      '--epochs',
      '1',
      '--arch',
      '784-2',
      '--loss',
      'ce',
      '--classes',
      '0,1',
      '--name',
      'clf',
      '--json',
    );
    assert.equal(classifier.code, 0, classifier.stderr);
    const out = zerodl('detect', 'val', '--model', join('runs', 'train', 'clf'), '--data', yaml);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /not a detector/);
    const three = join(data, 'three.yaml');
    writeFileSync(three, `path: ${data}\nval: images/val\nnames: [a, b, c]\n`);
    const names = zerodl('detect', 'val', '--model', model, '--data', three);
    assert.equal(names.code, 1);
    assert.match(names.stderr, /--data: 3 names, but the model has 10 classes/);
  });
});

describe('ultralytics label lines', () => {
  it('writes numbers as C printf %g does', () => {
    assert.deepEqual([0.5, 0.123456789, 12.5, 100, 100000, 1e-5, 0.000123456, 1234567, 0].map(formatG), [
      '0.5',
      '0.123457',
      '12.5',
      '100',
      '100000',
      '1e-05',
      '0.000123456',
      '1.23457e+06',
      '0',
    ]);
  });

  it('normalises a box to the original image: class cx cy w h [conf]', () => {
    const d = { cls: 3, x0: 10, y0: 20, x1: 30, y1: 60, score: 0.875 };
    assert.equal(yoloLine(d, 200, 100, false), '3 0.1 0.4 0.1 0.4');
    assert.equal(yoloLine(d, 200, 100, true), '3 0.1 0.4 0.1 0.4 0.875');
  });
});
