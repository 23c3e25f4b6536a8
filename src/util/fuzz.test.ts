// Fuzz test (issue 12): seeded, time-bounded mutations of every file zerodl reads — safetensors weights
// (bytes and JSON header), model folders (model.json and weights), architecture JSON (--model-config),
// PNG and JPEG images and IDX label and image files. Every case must end in a correct result or a
// DataError, ValueError or ShapeError whose message names the input; never a raw JavaScript error, a
// case slower than MAX_CASE_MS or memory growth beyond MAX_GROWTH_BYTES.
//
// Each group runs in a worker thread with a 1 GB heap: a case that hangs is found by the watchdog
// (the worker is stopped and the case named), one that exhausts the heap ends only its worker.
//
// ZERODL_FUZZ_SECONDS (default 8, shared by all groups) runs longer; ZERODL_FUZZ_SEED picks the seed
// (default 12); ZERODL_FUZZ_CASE=group:n replays one case (=group runs one group); ZERODL_FUZZ_VERBOSE=1
// prints each case before it runs. Each case draws from its own generator,
// seeded from (seed, group, n), so a failure is reproduced by its seed and case number alone.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { parseIdx } from '../data/idx.js';
import { readIdxImages, readIdxLabels } from '../data/idx_file.js';
import { decodeImage } from '../data/images.js';
import { type Architecture, buildModel, mlpArchitecture } from '../model/architecture.js';
import { loadModelDir } from '../model/model_dir.js';
import { type ModelInfo, modelState } from '../model/model_info.js';
import { loadSafetensors } from '../model/safetensors_file.js';
import type { Sequential } from '../model/sequential.js';
import { decodeSafetensors, encodeSafetensors } from '../model/serialize.js';
import type { Tensor } from '../tensor/tensor.js';
import { DataError, ShapeError, ValueError } from './errors.js';
import { Random } from './random.js';

const SECONDS = Number(process.env.ZERODL_FUZZ_SECONDS ?? 8);
const SEED = Number(process.env.ZERODL_FUZZ_SEED ?? 12);
const ONLY = process.env.ZERODL_FUZZ_CASE; // "group:n" replays one case, "group" runs one group
/** Prints each case before running it, to find one that hangs or kills the process. */
const VERBOSE = process.env.ZERODL_FUZZ_VERBOSE === '1';
/** The slowest a single case may be. Valid inputs take well under 10 ms; 2 s means a loop ran away. */
const MAX_CASE_MS = 2000;
/**
 * The most `heapUsed + external` (ArrayBuffers, Buffers) may grow during one case: 64 MB. Every
 * starting input is under 200 kB and the largest thing a case may legitimately build is an image at
 * the 1-megapixel limit passed here (4 MB of RGBA, about 3× that inside jpeg-js while decoding) or the
 * few-kB models below; 64 MB is 5× that, yet far below what a length or size field read as gigabytes
 * allocates. Growth is measured from just before to just after the case without forcing a collection,
 * so it counts what the case allocated and still reached; garbage collected mid-case is missed (a
 * lower bound of the peak, so a failure is real). buildModel on a valid architecture may also allocate
 * its declared parameters: that group adds modelCost to the bounds.
 */
const MAX_GROWTH_BYTES = 64 * 2 ** 20;
const MAX_PIXELS = 1e6;
/** Distinct failures reported at most (one per kind); the rest are counted. */
const MAX_REPORTED = 25;
/** A case still running after this long is a hang: the watchdog stops the worker and names the case. */
const HANG_MS = 15_000;
/** The heap of each group's worker; a case that needs more is reported as running out of memory. */
const WORKER_HEAP_MB = 1024;

// a group's worker installs the backend the test process runs on (ZERODL_BACKEND), before the models
// below are built
if (!isMainThread) await import('../backend/auto.js');

// the workers write their files into the test's temp folder, which the test removes at the end
const root: string = isMainThread ? mkdtempSync(join(tmpdir(), 'zerodl-fuzz-')) : workerData.root;
if (isMainThread) after(() => rmSync(root, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------
// Running cases

/** One fuzz case: what it is (for the failure message), how to run it and how to check a result. */
interface Case {
  description: string;
  /** The file or source string the error message must name (a pattern where no file is passed). */
  source: string | RegExp;
  run(): unknown;
  /** Asserts a returned result is sane. */
  check(result: unknown): void;
  /** Extra memory and time a successful result may take (building a model costs in its size). */
  allowance?(result: unknown): { bytes: number; ms: number };
}

interface Group {
  name: string;
  make(rng: Random, n: number): Case;
}

/** A per-case seed from the run's seed, the group's name and the case number (FNV-1a, then mixed). */
function caseSeed(group: string, n: number): number {
  let h = 0x811c9dc5 ^ SEED;
  for (const c of `${group}:${n}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return (h ^ Math.imul(SEED, 0x9e3779b1)) >>> 0;
}

function memory(): number {
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

const isZerodlError = (error: unknown): error is Error =>
  error instanceof DataError || error instanceof ValueError || error instanceof ShapeError;

/** What a group's worker reports: its failures (one per kind), the total, and a summary line. */
interface FuzzReport {
  failed: number;
  cases: number;
  failures: string[];
  summary: string;
}

/** Runs `group`'s cases for `seconds`, storing the number of the running case in `progress[0]`. */
function fuzz(group: Group, seconds: number, progress: Int32Array): FuzzReport {
  const only = ONLY?.startsWith(`${group.name}:`) ? Number(ONLY.slice(group.name.length + 1)) : undefined;
  if (ONLY !== undefined && only === undefined && ONLY !== group.name) {
    return {
      failed: 0,
      cases: 0,
      failures: [],
      summary: `fuzz ${group.name}: skipped (ZERODL_FUZZ_CASE=${ONLY})`,
    };
  }
  const deadline = performance.now() + seconds * 1000;
  const failures = new Map<string, string>();
  let failed = 0;
  let slowest = { ms: 0, n: -1, description: '' };
  const outcomes = { ok: 0, errors: 0 };
  let n = only ?? 0;
  for (; only === undefined ? performance.now() < deadline || n < 20 : n === only; n++) {
    let fuzzCase: Case;
    try {
      fuzzCase = group.make(new Random(caseSeed(group.name, n)), n);
    } catch (error) {
      // a bug of this test, not of zerodl: reported, and the run goes on
      failed++;
      failures.set(
        `make ${n}`,
        `fuzz ${group.name}, seed ${SEED}, case ${n}: making the case failed: ${error}`,
      );
      continue;
    }
    const where = `fuzz ${group.name}, seed ${SEED}, case ${n} (replay: ZERODL_FUZZ_SEED=${SEED} ZERODL_FUZZ_CASE=${group.name}:${n}): ${fuzzCase.description}`;
    const fail = (kind: string, message: string) => {
      failed++;
      // one report per kind of failure: numbers and quoted names stripped from the message
      const key = `${kind}: ${message
        .replace(/\d+/g, '#')
        .replace(/'[^']*'/g, "'…'")
        .slice(0, 120)}`;
      if (failures.size < MAX_REPORTED && !failures.has(key)) failures.set(key, `${where}\n    → ${message}`);
    };
    if (VERBOSE) console.log(where);
    Atomics.store(progress, 0, n);
    const before = memory();
    const start = performance.now();
    let result: unknown;
    let error: unknown;
    let threw = false;
    try {
      result = fuzzCase.run();
    } catch (caught) {
      threw = true;
      error = caught;
    }
    const ms = performance.now() - start;
    const grown = memory() - before;
    if (ms > slowest.ms) slowest = { ms, n, description: fuzzCase.description };
    if (threw) {
      outcomes.errors++;
      if (!isZerodlError(error)) {
        const raw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        fail('raw error', `threw a raw ${raw}`);
      } else if (
        typeof fuzzCase.source === 'string'
          ? !error.message.includes(fuzzCase.source)
          : !fuzzCase.source.test(error.message)
      ) {
        fail('unnamed source', `${error.name} does not name ${fuzzCase.source}: ${error.message}`);
      }
    } else {
      outcomes.ok++;
      try {
        fuzzCase.check(result);
      } catch (checkError) {
        fail('bad result', `returned an insane result: ${(checkError as Error).message}`);
      }
    }
    const extra = threw ? undefined : fuzzCase.allowance?.(result);
    const allowed = MAX_GROWTH_BYTES + (extra?.bytes ?? 0);
    if (grown > allowed) {
      fail(
        'memory',
        `memory grew ${(grown / 2 ** 20).toFixed(1)} MB, above the ${allowed / 2 ** 20} MB bound`,
      );
    }
    const allowedMs = MAX_CASE_MS + (extra?.ms ?? 0);
    if (ms > allowedMs) fail('slow', `took ${ms.toFixed(0)} ms, above the ${allowedMs.toFixed(0)} ms bound`);
  }
  const cases = n - (only ?? 0);
  const summary =
    `fuzz ${group.name}: seed ${SEED}, ${cases} cases in ${seconds.toFixed(1)} s (${(cases / seconds).toFixed(0)}/s), ` +
    `${outcomes.ok} results, ${outcomes.errors} zerodl errors; slowest case ${slowest.n} ${slowest.ms.toFixed(1)} ms (${slowest.description.slice(0, 300)})`;
  return { failed, cases, failures: [...failures.values()], summary };
}

/**
 * Runs a group in a worker and fails on its failures, on a case that runs longer than HANG_MS (the
 * worker is stopped) or on a worker that dies (out of memory): the case is named by its number, and
 * its description is made again here from the same seed.
 */
async function fuzzInWorker(group: Group, seconds: number): Promise<void> {
  const progress = new Int32Array(new SharedArrayBuffer(4)).fill(-1);
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { group: group.name, seconds, progress, root },
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  const describeCase = (n: number) => {
    const where = `seed ${SEED}, case ${n} (replay: ZERODL_FUZZ_SEED=${SEED} ZERODL_FUZZ_CASE=${group.name}:${n})`;
    return n < 0
      ? 'before the first case'
      : `${where}: ${group.make(new Random(caseSeed(group.name, n)), n).description}`;
  };
  const report = await new Promise<FuzzReport>((resolve, reject) => {
    let last = -1;
    let since = performance.now();
    const watchdog = setInterval(() => {
      const now = Atomics.load(progress, 0);
      if (now !== last) {
        last = now;
        since = performance.now();
      } else if (performance.now() - since > HANG_MS) {
        clearInterval(watchdog);
        void worker.terminate();
        reject(new Error(`fuzz ${group.name}: a case hung (over ${HANG_MS} ms), ${describeCase(now)}`));
      }
    }, 250);
    worker.once('message', (message: FuzzReport) => {
      clearInterval(watchdog);
      resolve(message);
    });
    worker.once('error', (error) => {
      clearInterval(watchdog);
      const n = Atomics.load(progress, 0);
      reject(new Error(`fuzz ${group.name}: the worker died (${error.message}) in ${describeCase(n)}`));
    });
  });
  console.log(report.summary);
  if (report.failed > 0) {
    assert.fail(
      `fuzz ${group.name}: ${report.failed} of ${report.cases} cases failed (seed ${SEED}); one per kind:\n  ${report.failures.join('\n  ')}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Byte mutations

const pick = <T>(rng: Random, items: readonly T[]): T => items[rng.int(items.length)];
const INTERESTING_U32 = [
  0,
  1,
  2,
  3,
  7,
  8,
  255,
  256,
  1000,
  1001,
  4096,
  65535,
  65536,
  1e6,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
];
const INTERESTING_U16 = [0, 1, 2, 255, 256, 999, 1000, 1001, 4096, 32767, 32768, 65535];

/** Applies one random generic byte mutation to `bytes`, appending what it did to `log`. */
function mutateBytes(rng: Random, bytes: Uint8Array, log: string[]): Uint8Array {
  const at = (extra = 0) => rng.int(bytes.length + extra);
  switch (rng.int(9)) {
    case 0: {
      if (bytes.length === 0) return bytes;
      const i = at();
      const value = rng.int(256);
      log.push(`byte@${i}=0x${value.toString(16)}`);
      const copy = bytes.slice();
      copy[i] = value;
      return copy;
    }
    case 1: {
      if (bytes.length === 0) return bytes;
      const i = at();
      const bit = rng.int(8);
      log.push(`bitflip@${i}.${bit}`);
      const copy = bytes.slice();
      copy[i] ^= 1 << bit;
      return copy;
    }
    case 2: {
      const length = at(1);
      log.push(`truncate to ${length}`);
      return bytes.slice(0, length);
    }
    case 3: {
      const i = at(1);
      const inserted = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
      log.push(`insert@${i} [${[...inserted].join(',')}]`);
      return concat(bytes.subarray(0, i), inserted, bytes.subarray(i));
    }
    case 4: {
      // duplicate a chunk somewhere else
      const begin = at();
      const end = Math.min(bytes.length, begin + 1 + rng.int(64));
      const i = at(1);
      log.push(`duplicate ${begin}..${end} at ${i}`);
      return concat(bytes.subarray(0, i), bytes.slice(begin, end), bytes.subarray(i));
    }
    case 5: {
      const begin = at();
      const end = Math.min(bytes.length, begin + 1 + rng.int(64));
      log.push(`delete ${begin}..${end}`);
      return concat(bytes.subarray(0, begin), bytes.subarray(end));
    }
    case 6: {
      if (bytes.length < 4) return bytes;
      const i = rng.int(bytes.length - 3);
      const value = pick(rng, INTERESTING_U32);
      const littleEndian = rng.int(2) === 0;
      log.push(`u32${littleEndian ? 'le' : 'be'}@${i}=${value}`);
      const copy = bytes.slice();
      new DataView(copy.buffer).setUint32(i, value, littleEndian);
      return copy;
    }
    case 7: {
      const count = 1 + rng.int(8);
      const copy = bytes.slice();
      const changes: string[] = [];
      for (let k = 0; k < count && copy.length > 0; k++) {
        const i = rng.int(copy.length);
        copy[i] = rng.int(256);
        changes.push(`${i}=${copy[i]}`);
      }
      log.push(`bytes ${changes.join(',')}`);
      return copy;
    }
    default: {
      const length = at(1);
      log.push(`extend by ${length} random bytes`);
      return concat(
        bytes,
        Uint8Array.from({ length }, () => rng.int(256)),
      );
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function describeBytes(bytes: Uint8Array, log: string[]): string {
  const preview = Buffer.from(bytes.subarray(0, 48)).toString('hex');
  return `[${log.join('; ')}] → ${bytes.length} bytes starting ${preview}${bytes.length > 48 ? '…' : ''}`;
}

// ---------------------------------------------------------------------------------------------------
// JSON mutations

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** A string that stands for raw JSON text (1e999 parses to Infinity, -0, 1e-400 to 0 …). */
const raw = (text: string) => `\u0000raw:${text}\u0000`;
const RAW_PATTERN = /"\\u0000raw:([^\\]*)\\u0000"/g;

const INTERESTING_JSON: Json[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  2,
  3,
  0.5,
  1.5,
  -0.5,
  255,
  65536,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  1e7,
  1e9,
  1e15,
  1e21,
  1e308,
  -1e308,
  raw('1e999'),
  raw('-1e999'),
  raw('-0'),
  raw('1e-400'),
  raw('1E2'),
  '',
  '3',
  '1e9',
  'NaN',
  'Infinity',
  'F32',
  'F64',
  'F16',
  'I32',
  'affine',
  'conv2d',
  'batch_norm',
  'max_pool2d',
  'conv9d',
  'toString',
  '__proto__',
  'constructor',
  [],
  {},
  [1],
  [0],
  [-1],
  [1, 2, 3],
  [1e9, 1e9],
  [2 ** 31, 2 ** 31, 2 ** 31],
  ['1', '2'],
  [null],
  [[[[[]]]]],
  { type: 'affine' },
  { type: 'affine', outFeatures: 2 },
  { type: 'conv2d', filters: 1, kernelSize: 1 },
  { type: 5 },
  { type: null },
  { type: ['relu'] },
  { '': {} },
];

/** A fresh copy of an interesting value: the list's own objects must never end up in a document. */
const interesting = (rng: Random): Json => structuredClone(pick(rng, INTERESTING_JSON));

function paths(value: Json, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) paths(item, [...path, i], out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) paths(item, [...path, key], out);
  }
  return out;
}

function getAt(value: Json, path: Path): Json {
  let node = value;
  for (const key of path) node = (node as Record<string | number, Json>)[key];
  return node;
}

/** Returns `value` with the node at `path` replaced by `replacement` (undefined deletes it). */
function setAt(value: Json, path: Path, replacement: Json | undefined): Json | undefined {
  if (path.length === 0) return replacement;
  const parent = getAt(value, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = path[path.length - 1];
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else (parent as Record<string | number, Json>)[key] = replacement;
  return value;
}

function interestingNumber(rng: Random, old: number): Json {
  switch (rng.int(6)) {
    case 0:
      return old + pick(rng, [-2, -1, 1, 2]);
    case 1:
      return old * pick(rng, [-1, 2, 1000, 1e6, 0.5]);
    case 2:
      return String(old);
    case 3:
      return [old];
    default:
      return interesting(rng);
  }
}

/**
 * Applies 1–3 structural mutations to a copy of `value` and serialises it, sometimes with text-level
 * damage (a duplicated key after a random `{`, truncation, a changed character). `keys` are field names
 * of the format, for inserted and duplicated keys.
 */
function mutateJson(rng: Random, value: Json, keys: readonly string[], log: string[]): string {
  let doc: Json = structuredClone(value);
  const count = 1 + rng.int(3);
  for (let k = 0; k < count; k++) {
    const all = paths(doc);
    const path = pick(rng, all);
    const node = getAt(doc, path);
    const name = `/${path.join('/')}`;
    const op = rng.int(8);
    if (op === 0 && path.length > 0) {
      log.push(`delete ${name}`);
      doc = setAt(doc, path, undefined) as Json;
    } else if (op === 1 && typeof node === 'number') {
      const replacement = interestingNumber(rng, node);
      log.push(`${name}: ${node} → ${JSON.stringify(replacement)}`);
      doc = setAt(doc, path, replacement) as Json;
    } else if (op === 2 && node !== null && typeof node === 'object' && !Array.isArray(node)) {
      const key = rng.int(4) === 0 ? pick(rng, ['__proto__', 'constructor', 'x', '']) : pick(rng, keys);
      const inserted = interesting(rng);
      log.push(`${name}.${key} = ${JSON.stringify(inserted)}`);
      (node as Record<string, Json>)[key] = inserted;
    } else if (op === 3 && Array.isArray(node)) {
      if (node.length > 0 && rng.int(2) === 0) {
        const i = rng.int(node.length);
        log.push(`${name}: duplicate element ${i}`);
        node.splice(rng.int(node.length + 1), 0, structuredClone(node[i]));
      } else {
        const inserted = interesting(rng);
        log.push(`${name}: push ${JSON.stringify(inserted)}`);
        node.push(inserted);
      }
    } else if (op === 4) {
      log.push(`${name} wrapped in an array`);
      doc = setAt(doc, path, [node]) as Json;
    } else if (op === 5 && typeof node === 'string') {
      const replacement = rng.int(2) === 0 ? interesting(rng) : node.toUpperCase();
      log.push(`${name}: ${JSON.stringify(node)} → ${JSON.stringify(replacement)}`);
      doc = setAt(doc, path, replacement) as Json;
    } else {
      const replacement = interesting(rng);
      log.push(`${name} = ${JSON.stringify(replacement)}`);
      doc = setAt(doc, path, replacement) as Json;
    }
  }
  let text = (JSON.stringify(doc) ?? 'undefined').replace(RAW_PATTERN, '$1');
  const textOp = rng.int(10);
  const braces = [...text.matchAll(/\{/g)].map((match) => match.index ?? 0);
  if (textOp === 0 && braces.length > 0) {
    // a duplicate key: JSON.parse keeps the last, other readers the first
    const at = pick(rng, braces) + 1;
    const entry = `${JSON.stringify(pick(rng, keys))}:${JSON.stringify(interesting(rng)).replace(RAW_PATTERN, '$1')}`;
    const separator = text[at] === '}' ? '' : ',';
    log.push(`text: duplicate key ${entry} at ${at}`);
    text = `${text.slice(0, at)}${entry}${separator}${text.slice(at)}`;
  } else if (textOp === 1) {
    const length = rng.int(text.length + 1);
    log.push(`text: truncate to ${length}`);
    text = text.slice(0, length);
  } else if (textOp === 2 && text.length > 0) {
    const at = rng.int(text.length);
    const character = pick(rng, ['"', '{', '}', '[', ']', ',', ':', '0', '-', 'e', '\\', '\u00ff', ' ']);
    log.push(`text: char ${at} → ${JSON.stringify(character)}`);
    text = `${text.slice(0, at)}${character}${text.slice(at + 1)}`;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------
// Result checks

function checkTensor(name: string, tensor: Tensor): void {
  assert.ok(Array.isArray(tensor.shape), `${name}: shape is not a list`);
  for (const dim of tensor.shape)
    assert.ok(Number.isSafeInteger(dim) && dim >= 0, `${name}: dimension ${dim}`);
  const size = tensor.shape.reduce((product, dim) => product * dim, 1);
  assert.equal(tensor.data.length, size, `${name}: ${tensor.data.length} values for shape [${tensor.shape}]`);
}

function checkModel(model: Sequential, inputShape: readonly number[]): void {
  for (const [name, tensor] of modelState(model)) checkTensor(name, tensor);
  const out = model.outputShape([1, ...inputShape]);
  assert.ok(
    out.every((dim) => Number.isSafeInteger(dim) && dim >= 1),
    `output shape [${out}]`,
  );
}

/**
 * What a built model may cost beyond the bounds: 8 bytes per parameter (weights and gradients) and
 * 100 ns per parameter to fill them (initialising takes about 40 ns each). buildModel refuses more
 * than 2^26 parameters, so this is at most 512 MB and 6.7 s.
 */
function modelCost(model: unknown): { bytes: number; ms: number } {
  let count = 0;
  for (const tensor of modelState(model as Sequential).values()) count += tensor.size;
  return { bytes: 8 * count, ms: count * 1e-4 };
}

// ---------------------------------------------------------------------------------------------------
// Valid starting inputs

/** Small architectures of every layer type; their weights are the model's own initial values. */
const ARCHITECTURES: Architecture[] = [
  mlpArchitecture([4, 3, 2], 'cross_entropy'),
  {
    inputShape: [1, 6, 6],
    layers: [
      { type: 'conv2d', filters: 2, kernelSize: 3, pad: 1 },
      { type: 'batch_norm', momentum: 0.1, eps: 1e-5 },
      { type: 'relu' },
      { type: 'max_pool2d', kernelSize: 2 },
      { type: 'avg_pool2d', kernelSize: 3, stride: 1, pad: 1 },
      { type: 'conv2d', filters: 3, kernelSize: 2, stride: 2 },
      { type: 'leaky_relu', alpha: 0.1 },
      { type: 'flatten' },
      { type: 'dropout', rate: 0.5 },
      { type: 'affine', outFeatures: 3 },
      { type: 'sigmoid' },
    ],
    loss: 'sse',
  },
  {
    inputShape: [2, 4, 4],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: 3 },
      { type: 'global_avg_pool' },
      { type: 'affine', outFeatures: 2 },
      { type: 'softmax' },
    ],
    loss: 'cross_entropy',
  },
];

const ARCHITECTURE_KEYS = [
  'inputShape',
  'layers',
  'loss',
  'type',
  'outFeatures',
  'filters',
  'kernelSize',
  'stride',
  'pad',
  'alpha',
  'rate',
  'momentum',
  'eps',
];
const MODEL_KEYS = [
  ...ARCHITECTURE_KEYS,
  'format',
  'version',
  'architecture',
  'classNames',
  'preprocessing',
  'width',
  'height',
  'channels',
  'polarity',
  'weights',
  'training',
];

function modelInfo(architecture: Architecture, classes: number): ModelInfo {
  return {
    format: 'zerodl-model',
    version: 1,
    architecture,
    classNames: Array.from({ length: classes }, (_, i) => `class ${i}`),
    preprocessing: { width: 6, height: 6, channels: 1, polarity: 'auto' },
    weights: 'weights.safetensors',
    training: { epochs: 1 },
  };
}

const MODELS = ARCHITECTURES.map((architecture, i) => {
  const model = buildModel(architecture, { seed: i });
  const classes = model.outputShape([1, ...architecture.inputShape])[1];
  return {
    architecture,
    info: modelInfo(architecture, classes),
    weights: encodeSafetensors(modelState(model), { format: 'zerodl' }),
  };
});

function pngBytes(width: number, height: number, colorType: 0 | 2 | 6): Uint8Array {
  const png = new pngjs.PNG({ width, height });
  for (let i = 0; i < width * height * 4; i++) png.data[i] = (i * 37 + (i >> 4) * 11) & 0xff;
  return new Uint8Array(pngjs.PNG.sync.write(png, { colorType }));
}

function jpegBytes(width: number, height: number): Uint8Array {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = ((i % 4) * 60 + Math.floor(i / 4 / width) * 9) & 0xff;
  return new Uint8Array(jpeg.encode({ width, height, data }, 80).data);
}

const PNGS = [pngBytes(8, 6, 6), pngBytes(5, 7, 0), pngBytes(3, 3, 2)];
const JPEGS = [jpegBytes(16, 12), jpegBytes(9, 5)];

/** An IDX file: magic 0x0000 | 0x08 | ndim, big-endian dims, then the values. */
function idxBytes(dims: number[]): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(bytes.buffer);
  bytes[2] = 0x08;
  bytes[3] = dims.length;
  for (const [d, dim] of dims.entries()) view.setUint32(4 + 4 * d, dim);
  for (let i = 0; i < size; i++) bytes[4 + 4 * dims.length + i] = (i * 7) % 10;
  return bytes;
}

const IDX_LABELS = idxBytes([12]);
const IDX_IMAGES = idxBytes([3, 4, 5]);
/** A gzipped label file whose header says 3 labels but which inflates to 96 MB: a zip bomb (made once). */
let idxBomb: Uint8Array | undefined;
const IDX_BOMB = () => {
  idxBomb ??= gzipSync(concat(idxBytes([3]), new Uint8Array(96 * 2 ** 20)), { level: 9 });
  return idxBomb;
};

// ---------------------------------------------------------------------------------------------------
// PNG and JPEG structure

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Recomputes every chunk's CRC that the chunk lengths let us find, so mutations get past the CRC check. */
function fixPngCrcs(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  let at = 8;
  while (at + 12 <= copy.length) {
    const length = view.getUint32(at);
    if (at + 12 + length > copy.length) break;
    view.setUint32(at + 8 + length, crc32(copy.subarray(at + 4, at + 8 + length)));
    at += 12 + length;
  }
  return copy;
}

/** The chunk starts of a PNG (offset of each length field). */
function pngChunks(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts: number[] = [];
  let at = 8;
  while (at + 12 <= bytes.length) {
    starts.push(at);
    at += 12 + view.getUint32(at);
  }
  return starts;
}

function mutatePng(rng: Random, bytes: Uint8Array, log: string[]): Uint8Array {
  const view = () => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (rng.int(5)) {
    case 0: {
      // IHDR width or height
      if (bytes.length < 24) return mutateBytes(rng, bytes, log);
      bytes = bytes.slice();
      const field = pick(rng, [16, 20]);
      const value = pick(rng, INTERESTING_U32);
      view().setUint32(field, value);
      log.push(`IHDR ${field === 16 ? 'width' : 'height'}=${value}`);
      return bytes;
    }
    case 1: {
      // bit depth, colour type, compression, filter, interlace
      if (bytes.length < 29) return mutateBytes(rng, bytes, log);
      bytes = bytes.slice();
      const field = 24 + rng.int(5);
      bytes[field] = pick(rng, [0, 1, 2, 3, 4, 6, 8, 16, 255]);
      log.push(`IHDR byte ${field}=${bytes[field]}`);
      return bytes;
    }
    case 2: {
      // duplicate or drop a whole chunk
      const starts = pngChunks(bytes);
      if (starts.length === 0) return mutateBytes(rng, bytes, log);
      const i = rng.int(starts.length);
      const begin = starts[i];
      const end = Math.min(bytes.length, begin + 12 + view().getUint32(begin));
      if (rng.int(2) === 0) {
        log.push(`drop chunk ${i}`);
        return concat(bytes.subarray(0, begin), bytes.subarray(end));
      }
      log.push(`duplicate chunk ${i}`);
      return concat(bytes.subarray(0, end), bytes.slice(begin, end), bytes.subarray(end));
    }
    case 3: {
      // a chunk's length field
      const starts = pngChunks(bytes);
      if (starts.length === 0) return mutateBytes(rng, bytes, log);
      const i = rng.int(starts.length);
      bytes = bytes.slice();
      const value = pick(rng, INTERESTING_U32);
      view().setUint32(starts[i], value);
      log.push(`chunk ${i} length=${value}`);
      return bytes;
    }
    default:
      return mutateBytes(rng, bytes, log);
  }
}

/** The offsets of a JPEG's marker segments before the scan data (each at its 0xFF). */
function jpegSegments(bytes: Uint8Array): number[] {
  const starts: number[] = [];
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    starts.push(at);
    if (bytes[at + 1] === 0xda) break;
    at += 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
  }
  return starts;
}

function mutateJpeg(rng: Random, bytes: Uint8Array, log: string[]): Uint8Array {
  const segments = jpegSegments(bytes);
  const sof = segments.find((at) => bytes[at + 1] === 0xc0);
  switch (rng.int(5)) {
    case 0: {
      if (sof === undefined || sof + 9 > bytes.length) return mutateBytes(rng, bytes, log);
      bytes = bytes.slice();
      const field = pick(rng, [5, 7]);
      const value = pick(rng, INTERESTING_U16);
      new DataView(bytes.buffer).setUint16(sof + field, value);
      log.push(`SOF ${field === 5 ? 'height' : 'width'}=${value}`);
      return bytes;
    }
    case 1: {
      // components, sampling factors, quantisation table ids, precision
      if (sof === undefined || sof + 19 > bytes.length) return mutateBytes(rng, bytes, log);
      bytes = bytes.slice();
      const field = pick(rng, [4, 9, 11, 12, 14, 15, 17, 18]);
      bytes[sof + field] = pick(rng, [0, 1, 2, 3, 4, 0x11, 0x22, 0x44, 0xff, 0x0f, 0xf0]);
      log.push(`SOF byte ${field}=${bytes[sof + field]}`);
      return bytes;
    }
    case 2: {
      if (segments.length === 0) return mutateBytes(rng, bytes, log);
      const at = pick(rng, segments);
      bytes = bytes.slice();
      const value = pick(rng, INTERESTING_U16);
      new DataView(bytes.buffer).setUint16(at + 2, value);
      log.push(`segment 0x${bytes[at + 1].toString(16)} at ${at} length=${value}`);
      return bytes;
    }
    case 3: {
      if (segments.length === 0) return mutateBytes(rng, bytes, log);
      const at = pick(rng, segments);
      const end = Math.min(bytes.length, at + 2 + ((bytes[at + 2] << 8) | bytes[at + 3]));
      log.push(`duplicate segment 0x${bytes[at + 1].toString(16)} at ${at}`);
      return concat(bytes.subarray(0, end), bytes.slice(at, end), bytes.subarray(end));
    }
    default:
      return mutateBytes(rng, bytes, log);
  }
}

/** The size a PNG's IHDR or a JPEG's first SOF declares, when it has one. */
function declaredSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] === 0x89) {
    if (bytes.length < 24 || Buffer.from(bytes.subarray(12, 16)).toString('latin1') !== 'IHDR')
      return undefined;
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  for (const at of jpegSegments(bytes)) {
    const marker = bytes[at + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return at + 9 <= bytes.length
        ? { width: view.getUint16(at + 7), height: view.getUint16(at + 5) }
        : undefined;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// The groups

function repeat(rng: Random, log: string[], bytes: Uint8Array, mutate = mutateBytes): Uint8Array {
  const count = 1 + rng.int(rng.int(4) === 0 ? 6 : 2);
  for (let k = 0; k < count; k++) bytes = mutate(rng, bytes, log);
  return bytes;
}

const safetensorsBytes: Group = {
  name: 'safetensors-bytes',
  make(rng, n) {
    const log: string[] = [];
    const model = pick(rng, MODELS);
    let bytes = model.weights;
    if (rng.int(3) === 0) {
      // the 8-byte header length
      const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const value = pick(rng, [
        0n,
        1n,
        2n,
        BigInt(headerLength - 1),
        BigInt(headerLength + 1),
        BigInt(headerLength + 8),
        BigInt(bytes.length - 8),
        BigInt(bytes.length),
        2n ** 32n + BigInt(headerLength),
        2n ** 53n,
        2n ** 63n,
        2n ** 64n - 1n,
      ]);
      bytes = bytes.slice();
      new DataView(bytes.buffer).setBigUint64(0, value, true);
      log.push(`header length=${value}`);
    }
    if (log.length === 0 || rng.int(2) === 0) bytes = repeat(rng, log, bytes);
    return safetensorsCase(rng, n, bytes, describeBytes(bytes, log));
  },
};

function safetensorsCase(rng: Random, n: number, bytes: Uint8Array, description: string): Case {
  const check = (result: unknown) => {
    const { tensors, metadata } = result as ReturnType<typeof decodeSafetensors>;
    for (const [name, tensor] of tensors) checkTensor(name, tensor);
    for (const value of Object.values(metadata)) assert.equal(typeof value, 'string');
  };
  // a quarter of the cases go through the file reader, which checks the header before reading the data
  if (rng.int(4) === 0) {
    const file = join(root, `case-${n}.safetensors`);
    return {
      description: `loadSafetensors ${description}`,
      source: file,
      run() {
        writeFileSync(file, bytes);
        try {
          return loadSafetensors(file);
        } finally {
          rmSync(file, { force: true });
        }
      },
      check,
    };
  }
  return {
    description,
    source: 'fuzz.safetensors',
    run: () => decodeSafetensors(bytes, 'fuzz.safetensors'),
    check,
  };
}

const SAFETENSORS_KEYS = ['dtype', 'shape', 'data_offsets', '__metadata__', 'W1', 'b1', 'W2', 'format'];

const safetensorsHeader: Group = {
  name: 'safetensors-header',
  make(rng, n) {
    const log: string[] = [];
    const model = pick(rng, MODELS);
    const view = new DataView(model.weights.buffer);
    const headerLength = Number(view.getBigUint64(0, true));
    const header = JSON.parse(
      new TextDecoder().decode(model.weights.subarray(8, 8 + headerLength)),
    ) as Record<string, Json>;
    const data = model.weights.subarray(8 + headerLength);
    const names = Object.keys(header).filter((name) => name !== '__metadata__');
    // targeted: overlapping offsets, or offsets moved past the data
    if (rng.int(3) === 0 && names.length >= 2) {
      const a = header[pick(rng, names)] as { data_offsets: number[] };
      const b = header[pick(rng, names)] as { data_offsets: number[] };
      const shift = pick(rng, [-4, -1, 1, 4, data.length, -a.data_offsets[0]]);
      a.data_offsets = rng.int(2) === 0 ? [...b.data_offsets] : a.data_offsets.map((x) => x + shift);
      log.push(`data_offsets → ${JSON.stringify(a.data_offsets)}`);
    }
    let text = JSON.stringify(header);
    if (log.length === 0 || rng.int(2) === 0)
      text = mutateJson(rng, header as Json, [...SAFETENSORS_KEYS, ...names], log);
    const json = new TextEncoder().encode(text);
    const padded = Math.ceil(json.length / 8) * 8;
    const bytes = new Uint8Array(8 + padded + data.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(padded), true);
    bytes.set(json, 8);
    bytes.fill(0x20, 8 + json.length, 8 + padded);
    bytes.set(data, 8 + padded);
    return safetensorsCase(rng, n, bytes, `header ${text.slice(0, 300)} [${log.join('; ')}]`);
  },
};

const modelFolder: Group = {
  name: 'model-folder',
  make(rng, n) {
    const log: string[] = [];
    const model = pick(rng, MODELS);
    const dir = join(root, `model-${n}`);
    let jsonText = `${JSON.stringify(model.info, null, 2)}\n`;
    let weights = model.weights;
    const which = rng.int(10);
    if (which < 7) {
      jsonText = mutateJson(rng, model.info as unknown as Json, MODEL_KEYS, log);
    } else if (which < 8) {
      jsonText = new TextDecoder().decode(repeat(rng, log, new TextEncoder().encode(jsonText)));
    } else {
      weights = repeat(rng, log, weights);
    }
    return {
      description: `model.json ${jsonText.replace(/\s+/g, ' ').slice(0, 400)} [${log.join('; ')}]`,
      source: dir,
      run() {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'model.json'), jsonText);
        writeFileSync(join(dir, 'weights.safetensors'), weights);
        try {
          return loadModelDir(dir);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      check(result) {
        const { model: net, info } = result as ReturnType<typeof loadModelDir>;
        checkModel(net, info.architecture.inputShape);
        assert.ok(info.classNames.every((name) => typeof name === 'string'));
      },
    };
  },
};

const architectureJson: Group = {
  name: 'architecture',
  make(rng) {
    const log: string[] = [];
    const architecture = pick(rng, ARCHITECTURES);
    let value: unknown;
    let text: string;
    if (rng.int(10) === 0) {
      // a --model-config file holding something other than an object
      value = structuredClone(pick(rng, [[architecture], architecture.layers, null, 'affine', 3, []]));
      text = JSON.stringify(value);
    } else {
      text = mutateJson(rng, architecture as unknown as Json, ARCHITECTURE_KEYS, log);
      try {
        value = JSON.parse(text);
      } catch {
        value = JSON.parse(JSON.stringify(architecture)); // text damage: fall back to a valid architecture
      }
    }
    return {
      description: `architecture ${text.slice(0, 400)} [${log.join('; ')}]`,
      // buildModel is given no file name: its messages start with "architecture" or the layer index
      source: /^(architecture|layer \d+)\b/,
      run: () => buildModel(value as Architecture, { seed: 1 }),
      check: (result) => checkModel(result as Sequential, (value as Architecture).inputShape),
      allowance: modelCost,
    };
  },
};

function imageGroup(
  name: string,
  seeds: Uint8Array[],
  mutate: typeof mutateBytes,
  fix?: typeof fixPngCrcs,
): Group {
  return {
    name,
    make(rng) {
      const log: string[] = [];
      let bytes = repeat(rng, log, pick(rng, seeds), mutate);
      if (fix !== undefined && rng.int(4) !== 0) {
        bytes = fix(bytes);
        log.push('CRCs fixed');
      }
      const source = `fuzz.${name}`;
      return {
        description: describeBytes(bytes, log),
        source,
        run: () => decodeImage(bytes, source, MAX_PIXELS),
        check(result) {
          const image = result as ReturnType<typeof decodeImage>;
          assert.ok(Number.isSafeInteger(image.width) && image.width >= 1, `width ${image.width}`);
          assert.ok(Number.isSafeInteger(image.height) && image.height >= 1, `height ${image.height}`);
          assert.ok(
            image.width * image.height <= MAX_PIXELS,
            `${image.width}×${image.height} above the limit`,
          );
          assert.equal(image.data.length, 4 * image.width * image.height, 'RGBA length');
          const declared = declaredSize(bytes);
          if (declared !== undefined) {
            assert.deepEqual(
              [image.width, image.height],
              [declared.width, declared.height],
              'decoded size differs from the header',
            );
          }
        },
      };
    },
  };
}

const idxFiles: Group = {
  name: 'idx',
  make(rng, n) {
    const log: string[] = [];
    const kind = rng.int(10);
    const labels = kind < 5;
    const bomb = kind === 9 && rng.int(2) === 0;
    let bytes = bomb ? IDX_BOMB() : labels ? IDX_LABELS : IDX_IMAGES;
    if (!bomb && rng.int(3) === 0) {
      // a dimension
      bytes = bytes.slice();
      const d = labels ? 0 : rng.int(3);
      const value = pick(rng, INTERESTING_U32);
      new DataView(bytes.buffer).setUint32(4 + 4 * d, value);
      log.push(`dim ${d}=${value}`);
    }
    if (!bomb && (log.length === 0 || rng.int(2) === 0)) bytes = repeat(rng, log, bytes);
    const gzipped = bomb || rng.int(4) === 0;
    if (gzipped && !bomb) {
      bytes = gzipSync(bytes);
      log.push('gzipped');
    }
    if (gzipped && rng.int(3) === 0) bytes = repeat(rng, log, bytes);
    const dims = labels || bomb ? 1 : 3;
    const check = (result: unknown) => {
      const { dims: shape, data } = result as { dims: number[]; data: Uint8Array };
      assert.equal(shape.length, dims);
      assert.equal(
        data.length,
        shape.reduce((a, b) => a * b, 1),
        `dims [${shape}], ${data.length} bytes`,
      );
    };
    const description = `${bomb ? 'zip bomb ' : ''}${labels || bomb ? 'labels' : 'images'} ${describeBytes(bytes, log)}`;
    if (gzipped || rng.int(4) === 0) {
      const file = join(root, `case-${n}.idx${gzipped ? '.gz' : ''}`);
      return {
        description,
        source: file,
        run() {
          writeFileSync(file, bytes);
          try {
            if (dims === 1) {
              const data = readIdxLabels(file);
              return { dims: [data.length], data };
            }
            const images = readIdxImages(file);
            return { dims: [images.count, images.rows, images.cols], data: images.pixels };
          } finally {
            rmSync(file, { force: true });
          }
        },
        check,
      };
    }
    return { description, source: 'fuzz.idx', run: () => parseIdx(bytes, 'fuzz.idx', dims), check };
  },
};

const GROUPS: Group[] = [
  safetensorsBytes,
  safetensorsHeader,
  modelFolder,
  architectureJson,
  imageGroup('png', PNGS, mutatePng, fixPngCrcs),
  imageGroup('jpeg', JPEGS, mutateJpeg),
  idxFiles,
];

if (!isMainThread && workerData?.group !== undefined) {
  // a group's worker (its backend was installed at the top): the cases
  const group = GROUPS.find((candidate) => candidate.name === workerData.group) as Group;
  parentPort?.postMessage(fuzz(group, workerData.seconds, workerData.progress));
} else
  describe(`fuzz (seed ${SEED}, ${SECONDS} s)`, () => {
    it('every starting input is valid', () => {
      for (const model of MODELS) decodeSafetensors(model.weights, 'valid');
      for (const png of PNGS) decodeImage(png, 'valid.png', MAX_PIXELS);
      for (const jpg of JPEGS) decodeImage(jpg, 'valid.jpg', MAX_PIXELS);
      assert.equal(parseIdx(IDX_LABELS, 'valid', 1).data.length, 12);
      assert.equal(parseIdx(IDX_IMAGES, 'valid', 3).data.length, 60);
    });
    for (const group of GROUPS) {
      it(`${group.name}: a correct result or a clear zerodl error, within time and memory`, () =>
        fuzzInWorker(group, SECONDS / GROUPS.length));
    }
  });
