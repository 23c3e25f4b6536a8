// End-to-end tests of the zerodl command on a tiny folder-per-class image set made in a temp folder.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { Random } from '../util/random.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'zerodl-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

function zerodl(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** zerodl in a child process that runs while the test goes on (for runs at the same time). */
function zerodlAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? '');

/** 8×8 PNGs on black: class 'top' has a bright 3×3 square at the top left, 'bottom' at the bottom right. */
function writeDataset(dir: string, perClass: number, seed: number): void {
  const rng = new Random(seed);
  for (const name of ['top', 'bottom']) {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const png = new PNG({ width: 8, height: 8 });
      for (let p = 0; p < 64; p++) {
        const [x, y] = [p % 8, Math.floor(p / 8)];
        const inSquare =
          name === 'top' ? x >= 1 && x <= 3 && y >= 1 && y <= 3 : x >= 4 && x <= 6 && y >= 4 && y <= 6;
        const gray = Math.round(255 * (inSquare ? 0.7 + 0.3 * rng.uniform() : 0.2 * rng.uniform()));
        png.data.set([gray, gray, gray, 255], 4 * p);
      }
      writeFileSync(join(dir, name, `${i}.png`), PNG.sync.write(png));
    }
  }
}

const trainDir = join(root, 'train');
const testDir = join(root, 'test');
const runArgs = [
  '--data',
  trainDir,
  '--test-data',
  testDir,
  '--imgsz',
  '8',
  '--arch',
  '64-16-2',
  '--loss',
  'ce',
];
let modelDir = '';

before(() => {
  writeDataset(trainDir, 24, 1);
  writeDataset(testDir, 6, 2);
  const { code, stdout, stderr } = zerodl(
    'train',
    ...runArgs,
    '--optimizer',
    'adam',
    '--lr',
    '0.01',
    '--epochs',
    '3',
    '--batch',
    '4',
    '--init',
    'he',
    '--json',
  );
  assert.equal(code, 0, stderr);
  modelDir = JSON.parse(stdout.trim().split('\n').at(-1) ?? '').modelDir;
});

describe('zerodl CLI', () => {
  it('train --json ends with one JSON object: testAccuracy, testLoss, epochs, seconds, modelDir', () => {
    const { code, stdout, stderr } = zerodl(
      'train',
      ...runArgs,
      '--epochs',
      '1',
      '--batch',
      '8',
      '--json',
      '--name',
      'again',
    );
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
    for (const key of ['testAccuracy', 'testLoss', 'epochs', 'seconds', 'modelDir'])
      assert.ok(key in result, key);
    assert.equal(result.epochs, 1);
    assert.equal(result.modelDir, join('runs', 'train', 'again'));
    assert.match(stderr, /epoch 1\/1 100%/);
  });

  it('numbers run folders like ultralytics: exp, exp2 …', () => {
    assert.equal(modelDir, join('runs', 'train', 'exp'));
    const { stdout } = zerodl('train', ...runArgs, '--epochs', '1', '--json');
    assert.equal(JSON.parse(stdout.trim()).modelDir, join('runs', 'train', 'exp2'));
  });

  it('the trained model classifies the test images (eval --json) and predict prints one JSON line per image', () => {
    const evaluation = zerodl('eval', '--model', modelDir, '--data', testDir, '--json');
    assert.equal(evaluation.code, 0, evaluation.stderr);
    assert.ok(JSON.parse(evaluation.stdout).accuracy >= 0.9, evaluation.stdout);
    const prediction = zerodl('predict', join(testDir, 'top'), '--model', modelDir, '--json');
    assert.equal(prediction.code, 0, prediction.stderr);
    const lines = prediction.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(lines.length, 6);
    for (const line of lines) {
      assert.ok(line.file.endsWith('.png'));
      assert.deepEqual(Object.keys(line.scores), ['bottom', 'top']);
      assert.ok(
        Math.abs(line.scores.top + line.scores.bottom - 1) < 1e-4,
        'probabilities for a cross-entropy model',
      );
    }
    assert.ok(lines.filter((line) => line.class === 'top').length >= 5);
  });

  it('--resume continues a run to more epochs', () => {
    const { code, stdout, stderr } = zerodl('train', '--resume', modelDir, '--epochs', '4', '--json');
    assert.equal(code, 0, stderr);
    assert.equal(JSON.parse(stdout.trim()).epochs, 4);
    assert.equal(
      readFileSync(join(root, modelDir, 'results.csv'), 'utf8')
        .trim()
        .split('\n').length,
      5,
    );
  });

  it('--model-config trains a CNN described as JSON; eval and predict feed it [n, 1, h, w] images', () => {
    const config = join(root, 'tiny_cnn.json');
    writeFileSync(
      config,
      JSON.stringify({
        inputShape: [1, 8, 8],
        layers: [
          { type: 'conv2d', filters: 4, kernelSize: 3, pad: 1 },
          { type: 'relu' },
          { type: 'max_pool2d', kernelSize: 2 },
          { type: 'flatten' },
          { type: 'affine', outFeatures: 2 },
        ],
        loss: 'cross_entropy',
      }),
    );
    const args = ['--data', trainDir, '--test-data', testDir, '--imgsz', '8', '--model-config', config];
    const trained = zerodl(
      'train',
      ...args,
      '--optimizer',
      'adam',
      '--lr',
      '0.01',
      '--epochs',
      '3',
      '--batch',
      '4',
      '--init',
      'he',
      '--json',
      '--name',
      'cnn',
    );
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(trained.stderr, /Conv2d\(1→4, 3×3, stride 1, pad 1\)/);
    const result = JSON.parse(trained.stdout.trim());
    assert.ok(result.testAccuracy >= 0.9, trained.stdout);
    const info = JSON.parse(readFileSync(join(root, result.modelDir, 'model.json'), 'utf8'));
    assert.equal(info.architecture.layers[0].type, 'conv2d');
    const predicted = zerodl(
      'predict',
      join(testDir, 'bottom', '0.png'),
      '--model',
      result.modelDir,
      '--json',
    );
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.equal(JSON.parse(predicted.stdout).class, 'bottom');
  });

  it('--help for the tool and each command', () => {
    assert.match(zerodl('--help').stdout, /zerodl train \[options\]/);
    assert.match(zerodl('train', '--help').stdout, /--optimizer <name>/);
    assert.match(zerodl('predict', '--help').stdout, /--model <dir>/);
  });

  describe('run folders: nothing lost', () => {
    it('two trainings started together with the same --name get a folder each, and both models load', async () => {
      const [small, large] = await Promise.all([
        zerodlAsync('train', ...runArgs, '--arch', '64-8-2', '--epochs', '2', '--name', 'r2', '--json'),
        zerodlAsync('train', ...runArgs, '--arch', '64-16-2', '--epochs', '1', '--name', 'r2', '--json'),
      ]);
      assert.equal(small.code, 0, small.stderr);
      assert.equal(large.code, 0, large.stderr);
      const dirs = [lastJson(small.stdout).modelDir, lastJson(large.stdout).modelDir];
      assert.deepEqual([...dirs].sort(), [join('runs', 'train', 'r2'), join('runs', 'train', 'r22')]);
      for (const [dir, hidden] of [
        [dirs[0], 8],
        [dirs[1], 16],
      ] as const) {
        const evaluation = zerodl('eval', '--model', dir, '--data', testDir, '--json');
        assert.equal(evaluation.code, 0, evaluation.stderr);
        const info = JSON.parse(readFileSync(join(root, dir, 'model.json'), 'utf8'));
        assert.equal(info.architecture.layers[0].outFeatures, hidden);
        assert.ok(!existsSync(join(root, dir, '.lock')), 'the lock is released');
      }
    });

    it('--exist-ok or --resume on a folder another training holds fails, naming the process', () => {
      const held = join(root, 'runs', 'train', 'held');
      mkdirSync(held, { recursive: true });
      writeFileSync(join(held, '.lock'), `${process.pid}\n`); // this test's process is alive
      const reuse = zerodl('train', ...runArgs, '--epochs', '1', '--name', 'held', '--exist-ok');
      assert.equal(reuse.code, 1);
      assert.match(reuse.stderr, new RegExp(`held is in use by another training \\(process ${process.pid}`));
      rmSync(join(held, '.lock'));
    });

    it('a NaN loss in epoch 1: says nothing was saved and what to change, --json still ends the output, no folder left', () => {
      const { code, stdout, stderr } = zerodl(
        'train',
        ...runArgs,
        '--loss',
        'sse',
        '--batch',
        '8',
        '--lr',
        '1e30',
        '--name',
        'diverged',
        '--json',
      );
      assert.equal(code, 1, stderr);
      assert.match(
        stderr,
        /training stopped: epoch 1, step \d+: SumSquaredError: loss is .*No epoch finished, so nothing was saved\./,
      );
      assert.match(
        stderr,
        /the sse loss is summed over the batch, so --batch 8 .*: use --lr 1\.3e\+29 \(--lr \/ --batch\) or --loss ce/i,
      );
      assert.doesNotMatch(stderr, /Kept the checkpoint|ENOENT|at .*\.js:\d+/);
      const result = lastJson(stdout);
      assert.equal(result.epochs, 0);
      assert.equal(result.modelDir, null);
      assert.match(result.stoppedEarly, /nothing was saved/);
      assert.ok(!existsSync(join(root, 'runs', 'train', 'diverged')));
    });

    it('--resume with flags that diverge keeps model.json, so a plain --resume continues as before', () => {
      const trained = zerodl('train', ...runArgs, '--epochs', '1', '--name', 'steady', '--json');
      assert.equal(trained.code, 0, trained.stderr);
      const dir = lastJson(trained.stdout).modelDir;
      const modelJson = readFileSync(join(root, dir, 'model.json'));
      const wild = zerodl('train', '--resume', dir, '--epochs', '2', '--lr', '1e30', '--optimizer', 'sgd');
      assert.equal(wild.code, 1, wild.stderr);
      assert.match(wild.stderr, /Kept the checkpoint of epoch 1/);
      assert.deepEqual(readFileSync(join(root, dir, 'model.json')), modelJson);
      const calm = zerodl('train', '--resume', dir, '--epochs', '2', '--json');
      assert.equal(calm.code, 0, calm.stderr);
      assert.equal(lastJson(calm.stdout).epochs, 2);
      const info = JSON.parse(readFileSync(join(root, dir, 'model.json'), 'utf8'));
      assert.equal(info.training.args.epochs, '2');
      assert.equal(info.training.args.lr, undefined);
    });
  });

  describe('bad input: a clear error and exit code ≠ 0', () => {
    it('an unknown flag or command', () => {
      const flag = zerodl('train', '--epoch', '3');
      assert.equal(flag.code, 1);
      assert.match(flag.stderr, /zerodl train: Unknown option '--epoch'/);
      assert.equal(zerodl('fly').code, 2);
    });

    it('--name is one folder name: a path out of the runs folder is refused, nothing written', () => {
      for (const name of ['../../escaped', 'a/b', '..', '']) {
        const { code, stderr } = zerodl('train', ...runArgs, '--epochs', '1', '--name', name, '--exist-ok');
        assert.equal(code, 1, `--name '${name}'`);
        assert.match(stderr, /--name must be one folder name inside --project \(runs[/\\]train\), without/);
      }
      assert.ok(!existsSync(join(root, 'escaped')) && !existsSync(join(root, 'runs', 'train', 'a')));
    });

    it('runs through its bin as npx does (the build keeps main.js executable)', () => {
      const result = spawnSync(CLI, ['--help'], { cwd: root, encoding: 'utf8' });
      assert.equal(result.error, undefined, `${CLI}: ${result.error?.message}`);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /zerodl train/);
    });

    it('a data folder that does not exist: an error naming it, and no run folder left behind', () => {
      const { code, stderr } = zerodl('train', '--data', join(root, 'missing'), '--name', 'ghost');
      assert.equal(code, 1);
      assert.match(stderr, /missing: cannot read data set folder: no such folder/);
      assert.ok(!existsSync(join(root, 'runs', 'train', 'ghost')));
    });

    it('a model config with an unknown layer or a kernel that does not fit, named by layer index at build time', () => {
      const unknown = join(root, 'unknown_layer.json');
      writeFileSync(
        unknown,
        JSON.stringify({
          inputShape: [1, 8, 8],
          layers: [{ type: 'flatten' }, { type: 'dense' }],
          loss: 'sse',
        }),
      );
      const first = zerodl(
        'train',
        '--data',
        trainDir,
        '--imgsz',
        '8',
        '--model-config',
        unknown,
        '--name',
        'bad1',
      );
      assert.equal(first.code, 1);
      assert.match(first.stderr, /layer 2 \(dense\): unknown layer type 'dense'/);
      const tooBig = join(root, 'too_big.json');
      writeFileSync(
        tooBig,
        JSON.stringify({
          inputShape: [1, 8, 8],
          layers: [{ type: 'conv2d', filters: 2, kernelSize: 9 }],
          loss: 'sse',
        }),
      );
      const second = zerodl(
        'train',
        '--data',
        trainDir,
        '--imgsz',
        '8',
        '--model-config',
        tooBig,
        '--name',
        'bad2',
      );
      assert.equal(second.code, 1);
      assert.match(second.stderr, /layer 1 \(conv2d\): .*9/);
      assert.ok(
        !existsSync(join(root, 'runs', 'train', 'bad1')) && !existsSync(join(root, 'runs', 'train', 'bad2')),
      );
      const array = join(root, 'array.json');
      writeFileSync(array, '[]');
      const third = zerodl(
        'train',
        '--data',
        trainDir,
        '--imgsz',
        '8',
        '--model-config',
        array,
        '--loss',
        'ce',
      );
      assert.equal(third.code, 1);
      assert.match(
        third.stderr,
        /^zerodl: ValueError: .*array\.json: architecture: must be an object { inputShape, layers, loss }, got a list \[\]$/m,
      );
    });

    it('a negative number is a bad value of its option, not an ambiguous flag', () => {
      const { code, stderr } = zerodl('train', ...runArgs, '--epochs', '-1');
      assert.equal(code, 1);
      assert.match(stderr, /--epochs must be a whole number >= 1, got '-1'/);
    });

    it('bad option values', () => {
      assert.match(
        zerodl('train', '--epochs', 'two').stderr,
        /--epochs must be a whole number >= 1, got 'two'/,
      );
      assert.match(zerodl('train', '--optimizer', 'lion').stderr, /unknown optimizer 'lion'/);
      assert.match(
        zerodl('train', '--augment-degrees', '270').stderr,
        /--augment-degrees must be a number >= 0 and <= 180, got '270'/,
      );
      assert.match(
        zerodl('train', '--arch', '784-500-10').stderr,
        /output width must be 3, the number of classes/,
      );
    });

    it('a model directory whose weights do not match model.json', () => {
      const broken = join(root, 'broken');
      mkdirSync(join(broken, 'weights'), { recursive: true });
      const info = JSON.parse(readFileSync(join(root, modelDir, 'model.json'), 'utf8'));
      info.architecture.layers[0].outFeatures = 10;
      writeFileSync(join(broken, 'model.json'), JSON.stringify(info));
      writeFileSync(
        join(broken, 'weights', 'best.safetensors'),
        readFileSync(join(root, modelDir, 'weights', 'best.safetensors')),
      );
      const { code, stderr } = zerodl('eval', '--model', broken, '--data', testDir);
      assert.equal(code, 1);
      assert.match(
        stderr,
        /broken\/weights\/best\.safetensors: weights do not match model\.json: 'W1' has shape \[64, 16\], the architecture needs \[64, 10\]/,
      );
    });

    it('predict on a folder classifies every good image, reports each bad one, and exits 1', () => {
      const folder = join(root, 'mixed');
      mkdirSync(folder);
      for (const name of ['a.png', 'c.png', '.hidden.png'])
        writeFileSync(join(folder, name), readFileSync(join(testDir, 'top', '0.png')));
      writeFileSync(join(folder, 'b_text.png'), 'not a png'); // a text file named .png
      symlinkSync(join(root, 'gone.png'), join(folder, 'b_dangling.png')); // a dangling symlink
      mkdirSync(join(folder, 'b_folder.png')); // a sub-folder named like an image
      const { code, stdout, stderr } = zerodl('predict', folder, '--model', modelDir, '--json');
      assert.equal(code, 1, stderr);
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      assert.deepEqual(
        lines.filter((line) => line.class !== undefined).map((line) => line.file),
        [join(folder, 'a.png'), join(folder, 'c.png')],
        'the good images, the hidden one skipped',
      );
      assert.deepEqual(
        lines.filter((line) => line.error !== undefined).map((line) => line.file),
        ['b_dangling.png', 'b_folder.png', 'b_text.png'].map((name) => join(folder, name)),
      );
      assert.match(stderr, /b_text\.png: not a PNG or JPEG image/);
      assert.match(stderr, /b_dangling\.png: cannot read image: ENOENT/);
      assert.match(stderr, /b_folder\.png: cannot read image: not a regular file \(a folder\)/);
      assert.match(stderr, /3 of 5 images could not be classified/);
    });

    it('--max-pixels: predict reports a larger image and goes on, train refuses a data set holding one', () => {
      const image = join(testDir, 'top', '0.png'); // 8×8 = 64 pixels
      const predicted = zerodl('predict', image, '--model', modelDir, '--max-pixels', '63');
      assert.equal(predicted.code, 1);
      assert.match(
        predicted.stderr,
        /0\.png: 8×8 is 64 pixels, above the limit of 63 \(--max-pixels raises it\)/,
      );
      assert.equal(zerodl('predict', image, '--model', modelDir, '--max-pixels', '64').code, 0);
      const trained = zerodl('train', ...runArgs, '--epochs', '1', '--max-pixels', '63', '--name', 'limited');
      assert.equal(trained.code, 1);
      assert.match(trained.stderr, /8×8 is 64 pixels, above the limit of 63/);
      assert.match(
        zerodl('predict', image, '--model', modelDir, '--max-pixels', '0').stderr,
        /--max-pixels must be/,
      );
    });

    it('a missing model.json, an image that cannot be decoded, a class the model does not know', () => {
      assert.match(
        zerodl('eval', '--model', join(root, 'nowhere')).stderr,
        /nowhere\/model\.json: not found/,
      );
      const junk = join(root, 'junk.png');
      writeFileSync(junk, 'not a png');
      const predict = zerodl('predict', junk, '--model', modelDir);
      assert.equal(predict.code, 1);
      assert.match(predict.stderr, /junk\.png/);
      const extra = join(root, 'extra');
      writeDataset(extra, 1, 3);
      mkdirSync(join(extra, 'zebra'));
      writeFileSync(join(extra, 'zebra', '0.png'), readFileSync(join(testDir, 'top', '0.png')));
      const evaluation = zerodl('eval', '--model', modelDir, '--data', extra);
      assert.equal(evaluation.code, 1);
      assert.match(evaluation.stderr, /zebra/);
      assert.ok(!existsSync(join(root, 'runs', 'predict')));
    });
  });
});
