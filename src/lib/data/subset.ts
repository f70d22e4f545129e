/**
 * The compact binary the app loads from public/data/<dataset>-{test,train}.bin: a 32-byte little-endian header,
 * then count×rows×cols×channels image bytes (row-major, channels interleaved, 0–255), then count label bytes.
 *
 * | offset | field                                   |
 * | ------ | --------------------------------------- |
 * | 0      | magic "ADVD" (0x41 0x44 0x56 0x44)      |
 * | 4      | format version (uint32, currently 1)    |
 * | 8      | count                                   |
 * | 12     | rows                                    |
 * | 16     | cols                                    |
 * | 20     | number of classes                       |
 * | 24     | channels (1 or 3; 0 = 1)                |
 * | 28     | reserved (0)                            |
 *
 * Offset 24 was reserved (0) before colour images: files written then read as greyscale, so the version stays 1
 * and the MNIST files keep their bytes. It reads from an ArrayBuffer, so the same code serves a browser fetch and Node's fs.
 */
import { imageSize, validateImageDataset, type ImageDataset } from './dataset';

export const SUBSET_MAGIC = 'ADVD';
export const SUBSET_VERSION = 1;
export const SUBSET_HEADER_BYTES = 32;

export function encodeSubset(d: ImageDataset): Uint8Array {
  validateImageDataset(d, 'encodeSubset');
  const out = new Uint8Array(SUBSET_HEADER_BYTES + d.images.length + d.labels.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = SUBSET_MAGIC.charCodeAt(i);
  view.setUint32(4, SUBSET_VERSION, true);
  view.setUint32(8, d.count, true);
  view.setUint32(12, d.rows, true);
  view.setUint32(16, d.cols, true);
  view.setUint32(20, d.numClasses, true);
  // Greyscale files keep 0 here (the field was reserved), so their bytes do not change.
  view.setUint32(24, d.channels === 1 ? 0 : d.channels, true);
  out.set(d.images, SUBSET_HEADER_BYTES);
  out.set(d.labels, SUBSET_HEADER_BYTES + d.images.length);
  return out;
}

/** Parses and validates a subset file; the arrays returned are views into `buffer`. */
export function decodeSubset(buffer: ArrayBuffer | Uint8Array, name = 'subset file'): ImageDataset {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  if (bytes.byteLength < SUBSET_HEADER_BYTES) {
    throw new Error(`${name}: ${bytes.byteLength} bytes is too short for the ${SUBSET_HEADER_BYTES}-byte header`);
  }
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== SUBSET_MAGIC) throw new Error(`${name}: bad magic ${JSON.stringify(magic)} (expected "${SUBSET_MAGIC}")`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== SUBSET_VERSION) throw new Error(`${name}: unsupported version ${version} (this reader knows ${SUBSET_VERSION})`);
  const count = view.getUint32(8, true);
  const rows = view.getUint32(12, true);
  const cols = view.getUint32(16, true);
  const numClasses = view.getUint32(20, true);
  const channels = view.getUint32(24, true) || 1;
  if (count < 1 || rows < 1 || cols < 1 || numClasses < 2 || numClasses > 256 || (channels !== 1 && channels !== 3)) {
    throw new Error(`${name}: implausible header (count ${count}, ${rows}×${cols}×${channels}, ${numClasses} classes)`);
  }
  const imageBytes = count * imageSize({ rows, cols, channels });
  const expected = SUBSET_HEADER_BYTES + imageBytes + count;
  if (bytes.byteLength !== expected) {
    throw new Error(
      `${name}: size mismatch: the header says ${count} images of ${rows}×${cols}×${channels} (${expected} bytes in all), ` +
        `the file has ${bytes.byteLength}` + (bytes.byteLength < expected ? ' (truncated?)' : ' (trailing bytes)'),
    );
  }
  return validateImageDataset(
    {
      images: bytes.subarray(SUBSET_HEADER_BYTES, SUBSET_HEADER_BYTES + imageBytes),
      labels: bytes.subarray(SUBSET_HEADER_BYTES + imageBytes, expected),
      count,
      rows,
      cols,
      channels,
      numClasses,
    },
    name,
  );
}
