// Weights files in the safetensors format (huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}} padded with spaces to 8-byte alignment,
// then the raw little-endian tensor bytes. Readable by the Python `safetensors` package and others.
// From and to bytes only; files on disk are safetensors_file.ts (Node).

import { shapeSize, Tensor } from '../tensor/tensor.js';
import { DataError, formatShape, ValueError } from '../util/errors.js';

/** Named tensors plus the free-form string metadata safetensors keeps under `__metadata__`. */
export interface SafetensorsContents {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';
// F64 is read (and converted to float32) so numpy-made test fixtures load as they are
const BYTES_PER_VALUE: Record<string, number> = { F32: 4, F64: 8 };

/**
 * Encodes tensors (in the Map's order) as a safetensors file, all as F32.
 *
 * @example
 * const bytes = encodeSafetensors(net.params(), { format: 'zerodl' });
 */
export function encodeSafetensors(
  tensors: Map<string, Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new ValueError(`safetensors metadata '${key}' must be a string, received ${typeof value}`);
      }
    }
    header[METADATA_KEY] = metadata;
  }
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (name === METADATA_KEY)
      throw new ValueError(`safetensors: '${METADATA_KEY}' is reserved, not a tensor name`);
    const end = offset + 4 * tensor.size;
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces (valid JSON whitespace) so the data starts 8-byte aligned
  const headerLength = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const tensor of tensors.values()) {
    for (let i = 0; i < tensor.size; i++, position += 4) view.setFloat32(position, tensor.data[i], true);
  }
  return bytes;
}

/**
 * Decodes a safetensors file, checking the header length against the file size, every tensor's dtype,
 * shape and offsets (inside the data, not overlapping, matching the shape). `source` names the file
 * in errors.
 *
 * @example
 * const { tensors } = decodeSafetensors(readFileSync('weights.safetensors'), 'weights.safetensors');
 * tensors.get('W1')?.shape; // [784, 500]
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsContents {
  if (bytes.length < 8) {
    throw new DataError(
      `${source}: not a safetensors file: ${bytes.length} bytes, shorter than the 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new DataError(
      `${source}: corrupt or truncated safetensors file: header length ${headerLength} exceeds the ${bytes.length - 8} bytes after it`,
    );
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    throw new DataError(`${source}: safetensors header is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(header)) throw new DataError(`${source}: safetensors header is not a JSON object`);
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, Tensor>();
  const ranges: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    const where = `${source}: tensor '${name}'`;
    if (!isRecord(entry)) throw new DataError(`${where}: header entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    const bytesPerValue = typeof dtype === 'string' ? BYTES_PER_VALUE[dtype] : undefined;
    if (bytesPerValue === undefined) {
      throw new DataError(
        `${where}: dtype ${JSON.stringify(dtype)} is not supported (F32, or F64 converted to F32)`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
      throw new DataError(`${where}: shape ${JSON.stringify(shape)} is not a list of whole numbers >= 0`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0)
    ) {
      throw new DataError(`${where}: data_offsets ${JSON.stringify(offsets)} is not a pair [begin, end]`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end || end > dataLength) {
      throw new DataError(
        `${where}: data_offsets [${begin}, ${end}] lie outside the ${dataLength} data bytes (truncated file?)`,
      );
    }
    const expectedBytes = shapeSize(shape) * bytesPerValue;
    if (end - begin !== expectedBytes) {
      throw new DataError(
        `${where}: shape ${formatShape(shape)} of ${dtype} needs ${expectedBytes} bytes, data_offsets hold ${end - begin}`,
      );
    }
    tensors.set(name, readValues(view, dataStart + begin, shape, dtype as string));
    ranges.push({ name, begin, end });
  }
  ranges.sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i].begin < ranges[i - 1].end) {
      throw new DataError(
        `${source}: tensors '${ranges[i - 1].name}' and '${ranges[i].name}' overlap in the data section`,
      );
    }
  }
  return { tensors, metadata: readMetadata(header[METADATA_KEY], source) };
}

/** safetensors' limit on the JSON header (100 MB), as the reference implementation sets it. */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * The data bytes a header's tensors cover (the largest end offset), for readers that check a file's size
 * before reading it; undefined when an entry is malformed, so that decodeSafetensors reports that entry.
 */
export function safetensorsDataBytes(headerBytes: Uint8Array, file: string): number | undefined {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    throw new DataError(`${file}: safetensors header is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(header)) return undefined;
  let end = 0;
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    const offsets = isRecord(entry) ? entry.data_offsets : undefined;
    if (!Array.isArray(offsets) || !Number.isSafeInteger(offsets[1])) return undefined;
    end = Math.max(end, offsets[1]);
  }
  return end;
}

function readValues(view: DataView, start: number, shape: number[], dtype: string): Tensor {
  const tensor = new Tensor(shape);
  // DataView reads little-endian at any alignment; offsets in the file need not be multiples of 4
  if (dtype === 'F64') {
    for (let i = 0; i < tensor.size; i++) tensor.data[i] = view.getFloat64(start + 8 * i, true);
  } else {
    for (let i = 0; i < tensor.size; i++) tensor.data[i] = view.getFloat32(start + 4 * i, true);
  }
  return tensor;
}

function readMetadata(metadata: unknown, source: string): Record<string, string> {
  if (metadata === undefined) return {};
  if (!isRecord(metadata) || !Object.values(metadata).every((value) => typeof value === 'string')) {
    throw new DataError(`${source}: safetensors __metadata__ must map names to strings`);
  }
  return metadata as Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
