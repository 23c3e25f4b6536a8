// MNIST-scenes `clean-96`, the synthetic detection benchmark (spec: the team's reference
// mnist-scenes-and-yolov1.md, sections 3.1–3.3): 96×96 grayscale scenes of 1–6 MNIST digits, each
// resized to s×s (s ∈ [16, 40]) and pasted with max() where its tight box overlaps no other and its
// centre is ≥ 16 px (Chebyshev) from every other centre, so no two objects share a cell of a 6×6 grid.
//
// Randomness is the spec's own 32-bit generator, mulberry32, with u = next() / 2³² and a uniform
// integer in [a, b] = a + ⌊u·(b − a + 1)⌋ (not util/random.ts: the spec pins the generator so that
// other implementations reproduce the scenes byte for byte). Draws, in this order:
//
//   val, test:  a Fisher–Yates permutation of the digit pool (i from n−1 down to 1, j ∈ [0, i])
//   per scene:  n ∈ [1, 6]
//   per object: the digit i (train: pool[⌊u·|pool|⌋]; val, test: the next digit of the permutation),
//               the size s ∈ [16, 40], then up to 100 tries of px, py ∈ [0, 96 − s]
//
// From MNIST as bytes (no file access: see mnist_scenes_file.ts for loading and writing files).

import type { LabeledBox } from '../detection/boxes.js';
import { DataError, ValueError } from '../util/errors.js';

/** The canvas side, in pixels. */
export const SCENE_SIZE = 96;
const DIGIT = 28;
const MIN_DIGITS = 1;
const MAX_DIGITS = 6;
const MIN_SCALE = 16;
const MAX_SCALE = 40;
const POSITION_TRIES = 100;
/** The least Chebyshev distance between two tight-box centres: one cell of a 6×6 grid. */
const MIN_CENTRE_DISTANCE = 16;

/** One MNIST half as bytes: `n` images of 28×28 (n·784 bytes, row-major) and `n` labels 0–9. */
export interface MnistBytes {
  images: Uint8Array;
  labels: Uint8Array;
}

/** The benchmark's splits (spec 3.3). */
export type SceneSplit = 'train' | 'val' | 'test';

interface SplitSpec {
  half: 'train' | 'test';
  /** The digit pool: MNIST indices first, first + 1, …, end − 1 of `half`. */
  first: number;
  end: number | 'all';
  /** Scenes in the split (train: one epoch). */
  scenes: number;
  /** The seed (train: epoch e uses seed + e). */
  seed: number;
  withReplacement: boolean;
}

const SPLITS: Record<SceneSplit, SplitSpec> = {
  train: { half: 'train', first: 0, end: 55_000, scenes: 10_000, seed: 1, withReplacement: true },
  val: { half: 'train', first: 55_000, end: 60_000, scenes: 1_000, seed: 2, withReplacement: false },
  test: { half: 'test', first: 0, end: 'all', scenes: 2_000, seed: 3, withReplacement: false },
};

/** A placed digit: its class and MNIST index, its size and position, and its tight box in pixels. */
export interface SceneObject {
  cls: number;
  /** The index into its MNIST half (train for the train and val splits, t10k for test). */
  mnistIndex: number;
  /** The side of the resized digit, 16–40. */
  s: number;
  /** The top-left corner of the s×s patch on the canvas. */
  px: number;
  py: number;
  /** The tight box, half-open pixel edges [x0, x1) × [y0, y1), with the class. */
  box: LabeledBox;
}

/** One scene: 96×96 pixels (row-major, 0 = background) and the digits placed in it. */
export interface Scene {
  /** `scene_00000`, `scene_00001`, … in the order of generation. */
  id: string;
  pixels: Uint8Array;
  /** Digits drawn for the scene; the ones that found no place in 100 tries are dropped. */
  requestedN: number;
  objects: SceneObject[];
}

/** Which scenes to make: how many (default the split's size) and, for train, the epoch. */
export interface SceneOptions {
  /** Scenes to generate, from the first; default 10,000 (train), 1,000 (val), 2,000 (test). */
  count?: number;
  /** Train only: epoch e draws from seed 1 + e, so each epoch has new scenes. Default 0. */
  epoch?: number;
}

/**
 * The scenes of a split, generated one at a time (a train epoch of 10,000 scenes need not sit in
 * memory). Each yielded scene owns its pixels.
 *
 * @example
 * for (const scene of iterateScenes(mnist, 'train', { epoch: 3, count: 64 })) {
 *   scene.pixels;   // 9216 bytes
 *   scene.objects;  // [{ cls: 7, mnistIndex: 1234, s: 31, px: 40, py: 9, box: { … } }, …]
 * }
 */
export function* iterateScenes(
  mnist: { train: MnistBytes; test: MnistBytes },
  split: SceneSplit,
  options: SceneOptions = {},
): Generator<Scene> {
  const spec = SPLITS[split];
  if (spec === undefined) {
    throw new ValueError(`MNIST scenes: split must be 'train', 'val' or 'test', received '${split}'`);
  }
  const count = options.count ?? spec.scenes;
  const epoch = options.epoch ?? 0;
  if (!Number.isInteger(count) || count < 0 || (!spec.withReplacement && count > spec.scenes)) {
    const most = spec.withReplacement ? '' : ` and at most ${spec.scenes} (the ${split} split's fixed size)`;
    throw new ValueError(`MNIST scenes: count must be a whole number >= 0${most}, received ${count}`);
  }
  if (!Number.isInteger(epoch) || epoch < 0 || (split !== 'train' && epoch !== 0)) {
    throw new ValueError(
      `MNIST scenes: epoch must be a whole number >= 0, and 0 for the fixed ${split} split; received ${epoch}`,
    );
  }
  const source = checkMnistHalf(mnist[spec.half], spec.half);
  const end = spec.end === 'all' ? source.labels.length : spec.end;
  if (source.labels.length < end) {
    throw new ValueError(
      `MNIST scenes: the ${split} split draws from MNIST ${spec.half} indices ${spec.first}–${end - 1}, but only ${source.labels.length} images were given`,
    );
  }
  const random = mulberry32(spec.seed + epoch);
  const nextDigit = digitDrawer(random, spec.first, end, spec.withReplacement, split);
  const extents = new DigitExtents(source.images);
  for (let k = 0; k < count; k++) {
    const pixels = new Uint8Array(SCENE_SIZE * SCENE_SIZE);
    const objects: SceneObject[] = [];
    const requestedN = uniformInt(random, MIN_DIGITS, MAX_DIGITS);
    for (let j = 0; j < requestedN; j++) {
      const mnistIndex = nextDigit();
      const s = uniformInt(random, MIN_SCALE, MAX_SCALE);
      const place = placeDigit(random, extents.of(mnistIndex), s, objects);
      if (place === undefined) continue; // no place in 100 tries: dropped, as requestedN records
      const { px, py, x0, y0, x1, y1 } = place;
      const cls = source.labels[mnistIndex];
      drawDigit(
        pixels,
        SCENE_SIZE,
        source.images.subarray(mnistIndex * 784, (mnistIndex + 1) * 784),
        s,
        px,
        py,
      );
      objects.push({ cls, mnistIndex, s, px, py, box: { x0, y0, x1, y1, cls } });
    }
    yield { id: sceneId(k), pixels, requestedN, objects };
  }
}

/**
 * A whole split in memory: every scene's pixels one after another (count × 96 × 96 bytes) and its
 * objects, as the model and the evaluation read them.
 *
 * @example
 * const test = mnistScenes(mnist, 'test');
 * test.pixels.length;        // 2000 · 9216
 * test.scenes[0].objects;    // the first scene's digits and boxes
 */
export function mnistScenes(
  mnist: { train: MnistBytes; test: MnistBytes },
  split: SceneSplit,
  options: SceneOptions = {},
): { pixels: Uint8Array; scenes: Scene[] } {
  const scenes = [...iterateScenes(mnist, split, options)];
  const pixels = new Uint8Array(scenes.length * SCENE_SIZE * SCENE_SIZE);
  scenes.forEach((scene, k) => {
    pixels.set(scene.pixels, k * SCENE_SIZE * SCENE_SIZE);
    scene.pixels = pixels.subarray(k * SCENE_SIZE * SCENE_SIZE, (k + 1) * SCENE_SIZE * SCENE_SIZE);
  });
  return { pixels, scenes };
}

/**
 * The scene's YOLO label text: one line `<class> <cx> <cy> <w> <h>` per object, normalised by 96,
 * six decimals.
 *
 * @example
 * sceneLabelText(scene); // '7 0.526042 0.302083 0.166667 0.208333\n…'
 */
export function sceneLabelText(scene: Scene): string {
  let text = '';
  for (const { box } of scene.objects) {
    const cx = (box.x0 + box.x1) / (2 * SCENE_SIZE);
    const cy = (box.y0 + box.y1) / (2 * SCENE_SIZE);
    const w = (box.x1 - box.x0) / SCENE_SIZE;
    const h = (box.y1 - box.y0) / SCENE_SIZE;
    text += `${box.cls} ${cx.toFixed(6)} ${cy.toFixed(6)} ${w.toFixed(6)} ${h.toFixed(6)}\n`;
  }
  return text;
}

/**
 * The scene's manifest line (JSON, no newline): `{id, requested_n, objects: [{cls, mnist_index, s,
 * px, py, box_px: [x0, y0, x1, y1]}]}`, its provenance.
 *
 * @example
 * sceneManifestLine(scene); // '{"id":"scene_00000","requested_n":3,"objects":[{"cls":7,…}]}'
 */
export function sceneManifestLine(scene: Scene): string {
  return JSON.stringify({
    id: scene.id,
    requested_n: scene.requestedN,
    objects: scene.objects.map((o) => ({
      cls: o.cls,
      mnist_index: o.mnistIndex,
      s: o.s,
      px: o.px,
      py: o.py,
      box_px: [o.box.x0, o.box.y0, o.box.x1, o.box.y1],
    })),
  });
}

/**
 * Resizes a 28×28 digit to s×s, bilinear with half-pixel centres as the spec fixes it: the source
 * coordinate of target pixel u is x = (u + 0.5)·28/s − 0.5, clamped to [0, 27]; the two rows around
 * y are blended first, then the two columns around x; the result is rounded half up.
 *
 * @example
 * resizeDigit(mnistImage, 16).length; // 256
 */
export function resizeDigit(digit: Uint8Array, s: number): Uint8Array {
  if (digit.length !== DIGIT * DIGIT) {
    throw new ValueError(`resizeDigit: expected a 28×28 digit (784 bytes), received ${digit.length} bytes`);
  }
  if (!Number.isInteger(s) || s < 1) {
    throw new ValueError(`resizeDigit: s must be a whole number >= 1, received ${s}`);
  }
  const out = new Uint8Array(s * s);
  drawDigit(out, s, digit, s, 0, 0); // max() with an empty patch is the resized digit itself
  return out;
}

/**
 * Draws the digit resized to s×s (as resizeDigit) into `canvas`, `width` pixels wide, with its
 * top-left corner at (px, py), keeping the brighter pixel where it covers strokes already there.
 */
function drawDigit(
  canvas: Uint8Array,
  width: number,
  digit: Uint8Array,
  s: number,
  px: number,
  py: number,
): void {
  const { lower, upper, weight } = sampleTable(s);
  const row = new Float64Array(DIGIT);
  for (let v = 0; v < s; v++) {
    // the source row at y = (v + 0.5)·28/s − 0.5: rows lower[v] and upper[v] blended
    const top = lower[v] * DIGIT;
    const bottom = upper[v] * DIGIT;
    const fy = weight[v];
    for (let c = 0; c < DIGIT; c++) row[c] = digit[top + c] * (1 - fy) + digit[bottom + c] * fy;
    const target = (py + v) * width + px;
    for (let u = 0; u < s; u++) {
      const fx = weight[u];
      const value = Math.floor(row[lower[u]] * (1 - fx) + row[upper[u]] * fx + 0.5);
      if (value > canvas[target + u]) canvas[target + u] = value;
    }
  }
}

/** The source rows (or columns) and weights of each target pixel for size s, computed once per s. */
const sampleTables = new Map<number, { lower: Int32Array; upper: Int32Array; weight: Float64Array }>();

function sampleTable(s: number): { lower: Int32Array; upper: Int32Array; weight: Float64Array } {
  let table = sampleTables.get(s);
  if (table === undefined) {
    table = { lower: new Int32Array(s), upper: new Int32Array(s), weight: new Float64Array(s) };
    for (let u = 0; u < s; u++) {
      const x = Math.min(DIGIT - 1, Math.max(0, ((u + 0.5) * DIGIT) / s - 0.5));
      table.lower[u] = Math.floor(x);
      table.upper[u] = Math.min(table.lower[u] + 1, DIGIT - 1);
      table.weight[u] = x - table.lower[u];
    }
    sampleTables.set(s, table);
  }
  return table;
}

/**
 * Up to 100 positions for an s×s patch; the first whose tight box overlaps no placed box (touching is
 * fine) and whose centre is ≥ 16 px (Chebyshev) from every placed centre. Undefined if none is.
 */
function placeDigit(
  random: () => number,
  extent: Int32Array,
  s: number,
  placed: readonly SceneObject[],
): { px: number; py: number; x0: number; y0: number; x1: number; y1: number } | undefined {
  // The source's inclusive non-zero extent c0..c1, r0..r1 mapped to the canvas (spec 3.1)
  const left = Math.floor((extent[0] * s) / DIGIT);
  const top = Math.floor((extent[1] * s) / DIGIT);
  const right = Math.ceil(((extent[2] + 1) * s) / DIGIT);
  const bottom = Math.ceil(((extent[3] + 1) * s) / DIGIT);
  for (let attempt = 0; attempt < POSITION_TRIES; attempt++) {
    const px = uniformInt(random, 0, SCENE_SIZE - s);
    const py = uniformInt(random, 0, SCENE_SIZE - s);
    const x0 = px + left;
    const y0 = py + top;
    const x1 = px + right;
    const y1 = py + bottom;
    let accepted = true;
    for (const { box } of placed) {
      const overlaps =
        Math.min(x1, box.x1) > Math.max(x0, box.x0) && Math.min(y1, box.y1) > Math.max(y0, box.y0);
      const distance = Math.max(
        Math.abs((x0 + x1 - box.x0 - box.x1) / 2),
        Math.abs((y0 + y1 - box.y0 - box.y1) / 2),
      );
      if (overlaps || distance < MIN_CENTRE_DISTANCE) {
        accepted = false;
        break;
      }
    }
    if (accepted) return { px, py, x0, y0, x1, y1 };
  }
  return undefined;
}

/** Each digit's inclusive non-zero extent [c0, r0, c1, r1], found on first use. */
class DigitExtents {
  private readonly cache = new Map<number, Int32Array>();

  constructor(private readonly images: Uint8Array) {}

  of(index: number): Int32Array {
    let extent = this.cache.get(index);
    if (extent === undefined) {
      extent = Int32Array.of(DIGIT, DIGIT, -1, -1);
      const base = index * DIGIT * DIGIT;
      for (let r = 0; r < DIGIT; r++) {
        for (let c = 0; c < DIGIT; c++) {
          if (this.images[base + r * DIGIT + c] === 0) continue;
          extent[0] = Math.min(extent[0], c);
          extent[1] = Math.min(extent[1], r);
          extent[2] = Math.max(extent[2], c);
          extent[3] = Math.max(extent[3], r);
        }
      }
      if (extent[2] < 0) {
        throw new DataError(`MNIST scenes: MNIST image ${index} is blank (every pixel 0), so it has no box`);
      }
      this.cache.set(index, extent);
    }
    return extent;
  }
}

/** The next digit of the pool: drawn with replacement (train), or the next of a seeded permutation. */
function digitDrawer(
  random: () => number,
  first: number,
  end: number,
  withReplacement: boolean,
  split: SceneSplit,
): () => number {
  const size = end - first;
  if (withReplacement) return () => first + uniformInt(random, 0, size - 1);
  const order = new Int32Array(size);
  for (let i = 0; i < size; i++) order[i] = first + i;
  for (let i = size - 1; i > 0; i--) {
    const j = uniformInt(random, 0, i);
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  let next = 0;
  return () => {
    if (next === size) {
      throw new ValueError(
        `MNIST scenes: the ${split} split's ${size} digits are used up (each is used once)`,
      );
    }
    return order[next++];
  };
}

/** a + ⌊u·(b − a + 1)⌋, the spec's uniform integer in [a, b]. */
function uniformInt(random: () => number, a: number, b: number): number {
  return a + Math.floor(random() * (b - a + 1));
}

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): u = next() / 2³² in [0, 1).
 *
 * @example
 * const random = mulberry32(3);
 * random(); // the test split's first draw
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = Math.imul(state ^ (state >>> 15), state | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

function sceneId(k: number): string {
  return `scene_${String(k).padStart(5, '0')}`;
}

function checkMnistHalf(half: MnistBytes | undefined, name: string): MnistBytes {
  if (half === undefined || !(half.images instanceof Uint8Array) || !(half.labels instanceof Uint8Array)) {
    throw new ValueError(`MNIST scenes: mnist.${name} must be { images: Uint8Array, labels: Uint8Array }`);
  }
  if (half.images.length !== half.labels.length * DIGIT * DIGIT) {
    throw new ValueError(
      `MNIST scenes: mnist.${name} has ${half.labels.length} labels, so its images need ${half.labels.length} × 784 = ${half.labels.length * 784} bytes, received ${half.images.length}`,
    );
  }
  return half;
}
