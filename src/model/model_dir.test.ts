// Loading a model folder: weights that are not finite numbers are refused, naming the tensor; the
// weights file must lie inside the folder and be a regular file whose header matches its size.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Tensor } from '../tensor/tensor.js';
import { mlpArchitecture } from './architecture.js';
import { loadModelDir, saveModelInfo } from './model_dir.js';
import { saveSafetensors } from './safetensors_file.js';

const root = mkdtempSync(join(tmpdir(), 'zerodl-model-dir-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A 4-3-2 network's model folder whose W2 holds `bad` at element 4 (`weights` names the file). */
function modelFolder(name: string, bad: number, weights = 'weights.safetensors'): string {
  const dir = join(root, name);
  const architecture = mlpArchitecture([4, 3, 2], 'cross_entropy');
  saveModelInfo(dir, {
    format: 'zerodl-model',
    version: 1,
    architecture,
    classNames: ['a', 'b'],
    preprocessing: { width: 2, height: 2, channels: 1, polarity: 'none' },
    weights,
  });
  const W2 = new Tensor([3, 2]);
  W2.data[4] = bad;
  const tensors = new Map([
    ['W1', new Tensor([4, 3])],
    ['b1', new Tensor([1, 3])],
    ['W2', W2],
    ['b2', new Tensor([1, 2])],
  ]);
  saveSafetensors(join(dir, 'weights.safetensors'), tensors);
  return dir;
}

describe('loadModelDir', () => {
  it('loads finite weights', () => {
    const { model } = loadModelDir(modelFolder('finite', 0.5));
    assert.equal(model.params().get('W2')?.data[4], 0.5);
  });

  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    it(`refuses weights holding ${bad}, naming the file, the tensor and the element`, () => {
      const dir = modelFolder(`bad_${bad}`, bad);
      assert.throws(() => loadModelDir(dir), {
        name: 'DataError',
        message: `${join(dir, 'weights.safetensors')}: tensor 'W2' holds ${bad} at element 4 of 6: the weights are broken (a diverged run?); use an earlier checkpoint or retrain`,
      });
    });
  }

  it('refuses a model.json of another format version, saying which it reads', () => {
    for (const [version, hint] of [
      [
        2,
        /"version" is 2; this zerodl reads version 1 \(the model was saved by a newer zerodl: upgrade zerodl\)$/,
      ],
      [undefined, /"version" is undefined; this zerodl reads version 1$/],
      ['1', /"version" is "1"; this zerodl reads version 1$/],
    ] as const) {
      const dir = modelFolder(`version_${version}`, 0);
      const file = join(dir, 'model.json');
      const info = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...info, version }));
      assert.throws(
        () => loadModelDir(dir),
        (error: Error) =>
          error.name === 'DataError' && error.message.startsWith(file) && hint.test(error.message),
      );
    }
  });

  it('refuses an architecture with a huge layer by the weights, without initialising it', () => {
    // 4 × 5 M + 5 M × 2 floats (120 MB, under the limit on architectures): once built and drawn
    // before the weights were read
    const dir = modelFolder('huge', 0);
    const file = join(dir, 'model.json');
    const info = JSON.parse(readFileSync(file, 'utf8'));
    info.architecture.layers[0].outFeatures = 5_000_000;
    writeFileSync(file, JSON.stringify(info));
    const rss = process.memoryUsage().rss;
    assert.throws(() => loadModelDir(dir), {
      name: 'DataError',
      message: `${join(dir, 'weights.safetensors')}: weights do not match model.json: 'W1' has shape [4, 3], the architecture needs [4, 5000000]`,
    });
    const grown = process.memoryUsage().rss - rss;
    assert.ok(grown < 100e6, `resident memory grew by ${(grown / 1e6).toFixed(0)} MB`);
    // Beyond the limit (2^26 parameters) the architecture alone is refused
    info.architecture.layers[0].outFeatures = 50_000_000;
    writeFileSync(file, JSON.stringify(info));
    assert.throws(() => loadModelDir(dir), {
      name: 'DataError',
      message: `${file}: layer 1 (affine): the network would have 250,000,000 values, above the limit of 2^26 (67,108,864, 256 MiB of float32)`,
    });
  });
});

describe('loadModelDir: the weights file', () => {
  it('must be named inside the model folder', () => {
    for (const weights of ['../../../../etc/passwd', '/etc/passwd', '.', '']) {
      const dir = modelFolder(`outside_${weights.length}`, 0, weights);
      assert.throws(() => loadModelDir(dir), {
        name: 'DataError',
        message: `${join(dir, 'model.json')}: "weights" must name a file inside the model folder, got ${JSON.stringify(weights)}`,
      });
    }
  });

  it('may not lead outside the folder through a symlink (here to /dev/zero), nor be a FIFO', () => {
    const linked = modelFolder('linked', 0);
    rmSync(join(linked, 'weights.safetensors'));
    symlinkSync('/dev/zero', join(linked, 'weights.safetensors'));
    assert.throws(
      () => loadModelDir(linked),
      /weights\.safetensors: the weights file leads outside the model folder/,
    );
    const fifo = modelFolder('fifo', 0);
    rmSync(join(fifo, 'weights.safetensors'));
    assert.equal(spawnSync('mkfifo', [join(fifo, 'weights.safetensors')]).status, 0, 'mkfifo');
    assert.throws(
      () => loadModelDir(fifo),
      /weights\.safetensors: cannot read weights file: not a regular file/,
    );
  });

  it('is refused from its header when that does not match the file size, without reading the rest', () => {
    // a sparse 2.2 GB file whose first 8 bytes claim a header longer than the file: read whole, it would
    // have failed as larger than Node's 2 GiB buffer limit instead of from its header
    const big = modelFolder('big', 0);
    const file = join(big, 'weights.safetensors');
    const fd = openSync(file, 'w');
    writeSync(fd, Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), 0, 8, 0); // 2⁵⁶ bytes of header
    writeSync(fd, Buffer.from([0]), 0, 1, 2_200_000_000);
    closeSync(fd);
    assert.throws(
      () => loadModelDir(big),
      /corrupt or truncated safetensors file: header length 72057594037927936 exceeds the 2199999993 bytes after it/,
    );
    // a good header followed by more bytes than its tensors cover
    const padded = modelFolder('padded', 0);
    const weights = join(padded, 'weights.safetensors');
    writeFileSync(weights, Buffer.concat([readFileSync(weights), Buffer.alloc(100)]));
    assert.throws(
      () => loadModelDir(padded),
      /corrupt safetensors file: its header describes \d+ bytes, the file has \d+/,
    );
  });
});
