// What `npm publish` would ship (`npm pack --dry-run --json`, package.json's `files`): the built library,
// its CLI and its WebAssembly kernels, and none of the tests, test helpers or fixtures.
//
// @backend-independent: lists the package's files; no layer, model or kernel

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));

// --ignore-scripts: without it npm pack runs `prepare`, a full rebuild of dist/ under the running tests
const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
  cwd: repo,
  encoding: 'utf8',
  env: { ...process.env, npm_config_update_notifier: 'false' },
});
const packed: string[] =
  pack.status === 0 ? JSON.parse(pack.stdout)[0].files.map((file: { path: string }) => file.path) : [];

describe('the published package (npm pack --dry-run)', () => {
  it('npm pack succeeds', () => {
    assert.equal(pack.status, 0, pack.stderr);
  });

  it('holds the entry point, its types, the CLI and the four .wasm builds', () => {
    const bin = manifest.bin.zerodl.replace(/^\.\//, '');
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      manifest.main.replace(/^\.\//, ''),
      manifest.types.replace(/^\.\//, ''),
      bin,
    ]) {
      assert.ok(packed.includes(file), `${file} is not in the package`);
    }
    const wasm = packed.filter((file) => file.endsWith('.wasm')).sort();
    assert.deepEqual(wasm, [
      'dist/src/backend/wasm/zerodl.wasm',
      'dist/src/backend/wasm/zerodl_relaxed.wasm',
      'dist/src/backend/wasm/zerodl_shared.wasm',
      'dist/src/backend/wasm/zerodl_shared_relaxed.wasm',
    ]);
    assert.ok(
      packed.includes('dist/src/backend/wasm/worker.js'),
      'the thread pool worker is not in the package',
    );
  });

  it('holds no test, test helper or fixture (nor their .d.ts and .map files)', () => {
    const tests = packed.filter((file) => /\.test\./.test(file));
    assert.deepEqual(tests, [], 'test files in the package');
    const testing = packed.filter(
      (file) => /(^|\/)(test|fixtures)\//.test(file) || file.endsWith('.safetensors'),
    );
    assert.deepEqual(testing, [], 'test helpers or fixtures in the package');
    const outside = packed.filter(
      (file) => !file.startsWith('dist/src/') && !['package.json', 'README.md', 'LICENSE'].includes(file),
    );
    assert.deepEqual(outside, [], 'files outside dist/src/ besides package.json, README.md and LICENSE');
  });
});
