// Node-only (node:fs, Buffer, pngjs).
// Image input: decode PNG (pngjs) and JPEG (jpeg-js), turn a JPEG upright by its EXIF orientation,
// convert to grayscale (ITU-R BT.601 luma), resize to the model's input (area average when shrinking,
// bilinear when enlarging), and match MNIST's polarity (white digit on black) by inverting pictures
// with a light background. A truncated or corrupt file is a DataError naming it.

import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { DataError, ValueError } from '../util/errors.js';
import { readRegularFile } from '../util/regular_file.js';

/** Decoded pixels: `width · height` RGBA quadruples, 0..255, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One channel of `width · height` values in [0, 1], row-major. */
export interface GrayImage {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * How to match MNIST's white-on-black digits: 'auto' inverts when the image border is light (a dark
 * digit on paper), 'invert' always, 'none' never (the input already looks like MNIST).
 */
export type Polarity = 'auto' | 'none' | 'invert';

/** The model's input that `loadImageAsInput` prepares an image for. */
export interface ImageInputOptions {
  width: number;
  height: number;
  /** Classifiers read grey images: 1 (a detector's model.json may say 3; its images go through letterboxImage). */
  channels?: 1 | 3;
  /** Default 'auto'. */
  polarity?: Polarity;
  /** The most pixels an image may have (checked in its header before decoding); default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
}

/**
 * The most pixels an image may have unless raised (the CLI's --max-pixels): 100 million, a 10000×10000
 * picture or a 108-megapixel phone photo's 12000×9000 at a squeeze. Decoding one takes 400 MB of RGBA; a
 * 20000×20000 PNG of a few hundred kB would otherwise take 4 GB and 16 s before any check.
 */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/**
 * Decodes PNG or JPEG bytes (recognised by their signature, not the file name) to RGBA.
 * `source` names the file in errors. An image of more than `maxPixels` pixels is refused from its
 * header, before anything is decoded. A JPEG is returned upright: its EXIF orientation is applied, as
 * browsers do, so a phone photo taken sideways comes out as it is seen. A truncated or corrupt file
 * is a DataError starting with `source`.
 *
 * @example
 * const image = decodeImage(readFileSync('digit.png'), 'digit.png');
 * [image.width, image.height];
 */
export function decodeImage(bytes: Uint8Array, source: string, maxPixels = DEFAULT_MAX_PIXELS): RgbaImage {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isPng =
    buffer.length >= 8 && buffer.readUInt32BE(0) === 0x89504e47 && buffer.readUInt32BE(4) === 0x0d0a1a0a;
  const isJpeg = buffer.length >= 3 && buffer[0] === 0xff && buffer[1] === 0xd8 && buffer[2] === 0xff;
  if (!isPng && !isJpeg) {
    const start = [...buffer.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(
      `${source}: not a PNG or JPEG image (the file starts with bytes ${start || 'nothing'})`,
    );
  }
  // The stored size, before any EXIF rotation: a rotation swaps width and height, not their product
  const size = isPng ? pngSize(buffer) : jpegSize(buffer);
  const format = isPng ? 'PNG' : 'JPEG';
  if (size !== undefined && (size.width === 0 || size.height === 0)) {
    // the pixel limit cannot see an image 0 wide and 4 billion high, which pngjs would walk for minutes
    throw new DataError(
      `${source}: corrupt ${format} image: its header gives a size of ${size.width}×${size.height}; ${REEXPORT}`,
    );
  }
  if (size !== undefined && size.width * size.height > maxPixels) {
    throw new DataError(
      `${source}: ${size.width}×${size.height} is ${(size.width * size.height).toLocaleString('en')} pixels, above the limit of ${maxPixels.toLocaleString('en')} (--max-pixels raises it)`,
    );
  }
  const problem = isPng ? pngDamage(buffer) : jpegTruncation(buffer);
  if (problem !== undefined) {
    throw new DataError(`${source}: ${problem.kind} ${format} image: ${problem.detail}; ${REEXPORT}`);
  }
  let image: RgbaImage;
  try {
    if (isPng) {
      // pngjs expands palette, gray and 16-bit images to 8-bit RGBA
      const png = pngjs.PNG.sync.read(buffer);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
    }
    // jpeg-js's own limits, in case no frame header was found above: the same pixels, and memory for
    // them with room for its buffers
    image = jpeg.decode(buffer, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB: Math.max(512, Math.ceil((maxPixels * 8) / 2 ** 20)),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataError(
      `${source}: truncated or corrupt ${format} image (${isPng ? 'pngjs' : 'jpeg-js'}: ${reason}); ${REEXPORT}`,
    );
  }
  return orientImage(image, jpegOrientation(buffer));
}

// The fix for a damaged file, ending each of its messages
const REEXPORT = 'copy, download or export the image again';

/**
 * How a PNG is cut short or broken, from its chunk structure (length, type, data, CRC; IEND last), or
 * undefined if the chunks are whole. Only the chunk headers are read; pngjs checks the rest.
 */
function pngDamage(buffer: Buffer): { kind: 'truncated' | 'corrupt'; detail: string } | undefined {
  let at = 8;
  let last: string | undefined;
  while (at + 8 <= buffer.length) {
    const typeBytes = buffer.subarray(at + 4, at + 8);
    if (!typeBytes.every((b) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a))) {
      const hex = [...typeBytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      const after = last === undefined ? 'the PNG signature' : `its ${last} chunk`;
      return {
        kind: 'corrupt',
        detail: `after ${after}, byte ${at} starts no chunk (its type would be bytes ${hex}, not 4 letters)`,
      };
    }
    const type = typeBytes.toString('latin1');
    if ((last === undefined) !== (type === 'IHDR')) {
      // one IHDR, first: the pixel limit reads the size there, and a decoder must not find another
      return {
        kind: 'corrupt',
        detail:
          last === undefined ? `its first chunk is ${type}, not IHDR` : `a second IHDR chunk at byte ${at}`,
      };
    }
    const end = at + 12 + buffer.readUInt32BE(at);
    if (end > buffer.length) {
      return {
        kind: 'truncated',
        detail: `the file ends inside its ${type} chunk, ${end - buffer.length} bytes short`,
      };
    }
    if (type === 'IEND') return undefined;
    last = type;
    at = end;
  }
  const after = last === undefined ? 'before its first chunk, IHDR, is whole' : `after its ${last} chunk`;
  return { kind: 'truncated', detail: `the file ends ${after}, with no IEND chunk` };
}

/**
 * Why a JPEG is cut short, or undefined: the segments are walked to the first start of scan, and the
 * end-of-image marker FF D9 must follow it (entropy-coded data never holds FF D9; an EXIF thumbnail's
 * FF D9 comes before the scan). jpeg-js refuses such a file too, but in words like "marker was not
 * found" or a TypeError. A file cut before its scan, or one this walk does not follow, is left to
 * jpeg-js.
 */
function jpegTruncation(buffer: Buffer): { kind: 'truncated'; detail: string } | undefined {
  for (const { marker, at } of jpegSegments(buffer)) {
    if (marker < 0xc0) return undefined; // not a segment here: jpeg-js says what is wrong
    if (marker !== 0xda) continue;
    if (buffer.indexOf(END_OF_IMAGE, at) >= 0) return undefined;
    return {
      kind: 'truncated',
      detail: 'the file ends inside its image data, before the end-of-image marker FF D9',
    };
  }
  return undefined; // cut or garbled before the image data: jpeg-js says where
}

/**
 * The segments at the start of a JPEG, in order: each marker (the byte after FF), where it is, and
 * where its segment ends (at most the file's end). The walk stops after the start of scan (DA), at the
 * end of image (D9, not yielded), or where no marker follows; fill bytes (FF FF) are skipped.
 */
function* jpegSegments(bytes: Uint8Array): Generator<{ marker: number; at: number; end: number }> {
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd9) return;
    const end = Math.min(at + 2 + ((bytes[at + 2] << 8) | bytes[at + 3]), bytes.length);
    yield { marker, at, end };
    if (marker === 0xda) return;
    at = end;
  }
}

const END_OF_IMAGE = Buffer.from([0xff, 0xd9]);

/** EXIF orientation: 1 upright, 2–8 how the stored pixels must be mirrored or turned to stand upright. */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/**
 * The EXIF orientation (tag 0x0112 of IFD0) of a JPEG, from its first APP1 "Exif\0\0" segment before the
 * image data; 1 when there is none or it is malformed (as browsers treat it: a broken EXIF block is
 * ignored, not an error). Nothing outside the segment is read.
 *
 * @example
 * jpegOrientation(readFileSync('phone_photo.jpg')); // 6: stored sideways, turn 90° clockwise
 */
export function jpegOrientation(bytes: Uint8Array): Orientation {
  for (const { marker, at, end } of jpegSegments(bytes)) {
    const isExif = marker === 0xe1 && end - at >= 10 && EXIF_HEADER.every((b, i) => bytes[at + 4 + i] === b);
    if (isExif) return exifOrientation(new DataView(bytes.buffer, bytes.byteOffset + at + 10, end - at - 10));
  }
  return 1;
}

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"

/** Orientation from a TIFF block (byte order, 42, IFD0 offset, IFD0 entries); 1 if malformed. */
function exifOrientation(tiff: DataView): Orientation {
  if (tiff.byteLength < 8) return 1;
  const order = tiff.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return 1; // "II" little-endian, "MM" big-endian
  const little = order === 0x4949;
  if (tiff.getUint16(2, little) !== 42) return 1;
  const ifd = tiff.getUint32(4, little);
  if (ifd + 2 > tiff.byteLength) return 1;
  const count = tiff.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.byteLength) return 1;
    if (tiff.getUint16(entry, little) !== 0x0112) continue;
    // Type SHORT (3), one value, held in the entry's first two value bytes
    const type = tiff.getUint16(entry + 2, little);
    const values = tiff.getUint32(entry + 4, little);
    const value = tiff.getUint16(entry + 8, little);
    return type === 3 && values === 1 && value >= 1 && value <= 8 ? (value as Orientation) : 1;
  }
  return 1;
}

/**
 * The image as it is seen: `orientation`'s mirror or turn applied (EXIF's 1 none, 2 mirror left-right,
 * 3 turn 180°, 4 mirror top-bottom, 5 transpose, 6 turn 90° clockwise, 7 transverse, 8 turn 90°
 * counter-clockwise; 5–8 swap width and height), as PIL's `ImageOps.exif_transpose` does.
 *
 * @example
 * orientImage({ width: 2, height: 1, data }, 6); // 1×2: the left pixel on top
 */
export function orientImage(image: RgbaImage, orientation: Orientation): RgbaImage {
  if (orientation === 1) return image;
  const { width: w, height: h } = image;
  const swap = orientation >= 5;
  const width = swap ? h : w;
  const out = new Uint8Array(image.data.length);
  // Where the stored pixel (x, y) is seen
  const place: Record<Exclude<Orientation, 1>, (x: number, y: number) => [number, number]> = {
    2: (x, y) => [w - 1 - x, y],
    3: (x, y) => [w - 1 - x, h - 1 - y],
    4: (x, y) => [x, h - 1 - y],
    5: (x, y) => [y, x],
    6: (x, y) => [h - 1 - y, x],
    7: (x, y) => [h - 1 - y, w - 1 - x],
    8: (x, y) => [y, w - 1 - x],
  };
  const to = place[orientation];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [seenX, seenY] = to(x, y);
      const from = 4 * (y * w + x);
      out.set(image.data.subarray(from, from + 4), 4 * (seenY * width + seenX));
    }
  }
  return { width, height: swap ? w : h, data: out };
}

/** A PNG's size from its IHDR chunk, which must come first (bytes 16–23); undefined if it does not. */
function pngSize(buffer: Buffer): { width: number; height: number } | undefined {
  if (buffer.length < 24 || buffer.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}

/**
 * A JPEG's size from its first start-of-frame segment (SOF0–SOF15 but DHT, JPG and DAC), walking the
 * segments from the start; undefined if there is none before the data ends or the image data starts.
 */
function jpegSize(buffer: Buffer): { width: number; height: number } | undefined {
  for (const { marker, at, end } of jpegSegments(buffer)) {
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame && end >= at + 9)
      return { height: buffer.readUInt16BE(at + 5), width: buffer.readUInt16BE(at + 7) };
    if (isFrame) return undefined;
  }
  return undefined;
}

/**
 * Grayscale in [0, 1] by ITU-R BT.601 luma, `Y = 0.299 R + 0.587 G + 0.114 B`. Transparent pixels are
 * composited over white, as a drawing on a transparent canvas is seen on screen.
 *
 * @example
 * toGrayscale({ width: 1, height: 1, data: new Uint8Array([255, 0, 0, 255]) }).data; // [0.299]
 */
export function toGrayscale(image: RgbaImage): GrayImage {
  const gray = new Float32Array(image.width * image.height);
  for (let i = 0; i < gray.length; i++) {
    const r = image.data[4 * i];
    const g = image.data[4 * i + 1];
    const b = image.data[4 * i + 2];
    const alpha = image.data[4 * i + 3] / 255;
    const luma = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    gray[i] = alpha * luma + (1 - alpha);
  }
  return { width: image.width, height: image.height, data: gray };
}

/**
 * Resizes to `width × height`, each axis on its own: shrinking averages the source pixels each target
 * pixel covers (area), so thin strokes are not skipped; enlarging interpolates bilinearly.
 *
 * @example
 * resizeGray(photo, 28, 28).data.length; // 784
 */
export function resizeGray(image: GrayImage, width: number, height: number): GrayImage {
  for (const [name, size] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(size) || size < 1) {
      throw new ValueError(`resizeGray: ${name} must be a whole number >= 1, received ${size}`);
    }
  }
  if (image.width < 1 || image.height < 1) {
    throw new ValueError(`resizeGray: the image is empty (${image.width}×${image.height})`);
  }
  const columns = resampleWeights(image.width, width);
  const rows = resampleWeights(image.height, height);
  // Horizontal pass: [image.height, image.width] → [image.height, width]
  const wide = new Float32Array(image.height * width);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (const [source, weight] of columns[x]) sum += weight * image.data[y * image.width + source];
      wide[y * width + x] = sum;
    }
  }
  // Vertical pass: [image.height, width] → [height, width]
  const out = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (const [source, weight] of rows[y]) {
      for (let x = 0; x < width; x++) out[y * width + x] += weight * wide[source * width + x];
    }
  }
  return { width, height, data: out };
}

/**
 * The mean brightness of the outer frame of the image (`thickness` pixels wide): the background
 * of a centred digit.
 *
 * @example
 * borderMean(resizeGray(photo, 28, 28)) > 0.5; // true for a dark digit on white paper
 */
export function borderMean(image: GrayImage, thickness = 1): number {
  let sum = 0;
  let count = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const inFrame =
        x < thickness || y < thickness || x >= image.width - thickness || y >= image.height - thickness;
      if (!inFrame) continue;
      sum += image.data[y * image.width + x];
      count++;
    }
  }
  return sum / count;
}

/**
 * Applies `polarity` in place and returns whether the image was inverted.
 *
 * @example
 * applyPolarity(gray, 'auto'); // true when the border was light
 */
export function applyPolarity(image: GrayImage, polarity: Polarity): boolean {
  let invert: boolean;
  if (polarity === 'invert') invert = true;
  else if (polarity === 'none') invert = false;
  else if (polarity === 'auto') {
    // A frame 1/14 of the side wide: two pixels at MNIST's 28, where the digit never reaches
    const thickness = Math.max(1, Math.floor(Math.min(image.width, image.height) / 14));
    invert = borderMean(image, thickness) > 0.5;
  } else {
    throw new ValueError(`polarity must be 'auto', 'none' or 'invert', received '${polarity}'`);
  }
  if (invert) for (let i = 0; i < image.data.length; i++) image.data[i] = 1 - image.data[i];
  return invert;
}

/**
 * Reads a PNG or JPEG file and prepares it as one model input: grayscale, resized to
 * `width × height`, MNIST polarity, values in [0, 1], row-major.
 *
 * @example
 * const input = loadImageAsInput('my_digit.jpg', { width: 28, height: 28 });
 * net.predict(new Tensor([1, 784], input));
 */
export function loadImageAsInput(file: string, options: ImageInputOptions): Float32Array {
  if (options.channels !== undefined && options.channels !== 1) {
    throw new ValueError(
      `loadImageAsInput: only 1 channel (grayscale) is supported, received ${options.channels}`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(file);
  } catch (error) {
    throw new DataError(`${file}: cannot read image: ${(error as Error).message}`);
  }
  const image = decodeImage(bytes, file, options.maxPixels);
  const gray = resizeGray(toGrayscale(image), options.width, options.height);
  applyPolarity(gray, options.polarity ?? 'auto');
  return gray.data;
}

/** For each target index, the source indices and weights (summing to 1) that make it. */
function resampleWeights(sourceSize: number, targetSize: number): [number, number][][] {
  const scale = sourceSize / targetSize;
  const weights: [number, number][][] = [];
  for (let i = 0; i < targetSize; i++) {
    const taps: [number, number][] = [];
    if (scale > 1) {
      // Area: target pixel i covers source interval [i·scale, (i+1)·scale)
      const begin = i * scale;
      const end = begin + scale;
      for (let s = Math.floor(begin); s < Math.min(Math.ceil(end), sourceSize); s++) {
        const overlap = Math.min(end, s + 1) - Math.max(begin, s);
        if (overlap > 0) taps.push([s, overlap / scale]);
      }
    } else {
      // Bilinear on pixel centres: target centre i + 0.5 sits at source coordinate (i + 0.5)·scale
      const position = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), sourceSize - 1);
      const left = Math.floor(position);
      const right = Math.min(left + 1, sourceSize - 1);
      const fraction = position - left;
      taps.push([left, 1 - fraction]);
      if (fraction > 0) taps.push([right, fraction]);
    }
    weights.push(taps);
  }
  return weights;
}
