/**
 * Reader for the IDX format of the original MNIST files (big-endian): a 4-byte magic number 0x0000TTDD where TT
 * is the element type (0x08 = unsigned byte) and DD the number of dimensions, then DD big-endian uint32 sizes,
 * then the elements. Everything is checked against the byte count, and a bad file gets a message saying what is wrong.
 */
export interface IdxArray {
  /** Sizes of the dimensions, e.g. [60000, 28, 28] for an image file. */
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

function asBytes(buffer: ArrayBuffer | Uint8Array): Uint8Array {
  return buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
}

/** Parses an unsigned-byte IDX file with any number of dimensions. `name` labels error messages. */
export function parseIdx(buffer: ArrayBuffer | Uint8Array, name = 'idx file'): IdxArray {
  const bytes = asBytes(buffer);
  if (bytes.byteLength < 4) throw new Error(`${name}: ${bytes.byteLength} bytes is too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = (magic >>> 8) & 0xff;
  const rank = magic & 0xff;
  if (magic >>> 16 !== 0 || type !== UNSIGNED_BYTE || rank < 1 || rank > 4) {
    throw new Error(
      `${name}: bad magic number 0x${magic.toString(16).padStart(8, '0')} (expected 0x000008NN: unsigned bytes, 1–4 dimensions)`,
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.byteLength < headerBytes) {
    throw new Error(`${name}: truncated header (${bytes.byteLength} bytes, a ${rank}-D header needs ${headerBytes})`);
  }
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.byteLength - headerBytes;
  if (actual !== expected) {
    throw new Error(
      `${name}: size mismatch: the header says ${dims.join('×')} = ${expected} bytes of data, the file has ${actual}` +
        (actual < expected ? ' (truncated file?)' : ' (trailing bytes)'),
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Parses an IDX image file: 3-D, [count, rows, cols]. */
export function parseIdxImages(buffer: ArrayBuffer | Uint8Array, name = 'image file'): IdxArray {
  const idx = parseIdx(buffer, name);
  if (idx.dims.length !== 3) throw new Error(`${name}: expected a 3-D image file, got ${idx.dims.length}-D (${idx.dims.join('×')})`);
  return idx;
}

/** Parses an IDX label file: 1-D, [count]; every label must be below `numClasses`. */
export function parseIdxLabels(buffer: ArrayBuffer | Uint8Array, numClasses = 10, name = 'label file'): IdxArray {
  const idx = parseIdx(buffer, name);
  if (idx.dims.length !== 1) throw new Error(`${name}: expected a 1-D label file, got ${idx.dims.length}-D (${idx.dims.join('×')})`);
  const bad = idx.data.findIndex((v) => v >= numClasses);
  if (bad >= 0) throw new Error(`${name}: label ${idx.data[bad]} at index ${bad} is outside 0–${numClasses - 1}`);
  return idx;
}

/** Writes an unsigned-byte IDX file (used to build test fixtures and to round-trip). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new Error(`encodeIdx: data has ${data.length} bytes, dims ${dims.join('×')} need ${expected}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, (UNSIGNED_BYTE << 8) | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
