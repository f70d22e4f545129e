/**
 * Uploaded pictures, checked from their bytes before the browser decodes them: the real type comes from the magic
 * bytes (the file name and the MIME type a browser reports can lie), SVG is refused (it is a document that can
 * carry script, and it has no fixed pixel size), the size and the dimensions in the header are checked against
 * LIMITS, and a file cut short is reported as such. After decoding, checkDecodedImage looks at the pixels.
 * No tfjs, no DOM: runs in the UI, the worker and Node alike.
 */
import { LIMITS } from './limits';
import { formatBytes, formatCount } from '../util/format-count';
import { ValidationError } from './numeric';

export type ImageType = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';

export interface ImageInfo {
  type: ImageType;
  width: number;
  height: number;
}

const FIELD = 'Picture';

function refuse(message: string): never {
  throw new ValidationError(FIELD, message);
}

function startsWith(b: Uint8Array, sig: number[], at = 0): boolean {
  return b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);
}

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
const i32le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

/** The type the bytes say, or null. */
export function sniffImageType(b: Uint8Array): ImageType | null {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38])) return 'gif';
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  if (startsWith(b, [0x42, 0x4d])) return 'bmp';
  return null;
}

/** True for bytes that look like an SVG or other markup document (possibly after a BOM and white space). */
function looksLikeMarkup(b: Uint8Array): boolean {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 512)).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  return head.startsWith('<') && /<(svg|\?xml|!doctype|html|script)/.test(head);
}

const TRUNCATED = (name: string) => `“${name}” is cut short (the file ends before the picture does); save or download it again.`;

/** Width and height from the header; throws when the header itself is incomplete. */
function dimensions(type: ImageType, b: Uint8Array, name: string): { width: number; height: number } {
  switch (type) {
    case 'png': {
      if (b.length < 33 || !startsWith(b, [0x49, 0x48, 0x44, 0x52], 12)) refuse(TRUNCATED(name));
      // A PNG ends with the IEND chunk; without it the image data is incomplete.
      if (!startsWith(b, [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82], b.length - 8)) refuse(TRUNCATED(name));
      return { width: u32be(b, 16), height: u32be(b, 20) };
    }
    case 'gif':
      if (b.length < 14) refuse(TRUNCATED(name));
      if (b[b.length - 1] !== 0x3b) refuse(TRUNCATED(name));
      return { width: u16le(b, 6), height: u16le(b, 8) };
    case 'bmp': {
      if (b.length < 26) refuse(TRUNCATED(name));
      const declared = b[2] | (b[3] << 8) | (b[4] << 16) | (b[5] << 24);
      if (declared > b.length) refuse(TRUNCATED(name));
      return { width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) };
    }
    case 'webp': {
      if (b.length < 30) refuse(TRUNCATED(name));
      const riffSize = (b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24)) >>> 0;
      if (riffSize + 8 > b.length) refuse(TRUNCATED(name));
      const chunk = String.fromCharCode(b[12], b[13], b[14], b[15]);
      if (chunk === 'VP8X') return { width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)) };
      if (chunk === 'VP8L') {
        const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
        return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
      }
      if (chunk === 'VP8 ') return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
      return refuse(`“${name}” is a WebP file of a kind this app cannot read; save it as PNG or JPEG.`);
    }
    case 'jpeg': {
      // The frame header (SOF0–SOF15 except DHT/JPG/DAC) holds the size; walk the segments to it.
      if (b[b.length - 2] !== 0xff || b[b.length - 1] !== 0xd9) refuse(TRUNCATED(name));
      let i = 2;
      while (i + 9 < b.length) {
        if (b[i] !== 0xff) refuse(`“${name}” is a damaged JPEG file; save it again as PNG or JPEG.`);
        const marker = b[i + 1];
        if (marker === 0xff) {
          i++;
          continue;
        }
        const len = u16be(b, i + 2);
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
          return { width: u16be(b, i + 7), height: u16be(b, i + 5) };
        if (len < 2) refuse(`“${name}” is a damaged JPEG file; save it again as PNG or JPEG.`);
        i += 2 + len;
      }
      return refuse(TRUNCATED(name));
    }
  }
}

/** Checks width × height against LIMITS (also for pictures drawn or decoded by other means). */
export function checkImageDimensions(width: number, height: number, name = 'The picture'): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    refuse(`${name} has no pixels (${formatCount(width)} × ${formatCount(height)}); choose a picture with something in it.`);
  const side = LIMITS.imageSide.max;
  if (width > side || height > side)
    refuse(`${name} is ${formatCount(width)} × ${formatCount(height)} pixels; at most ${formatCount(side)} pixels a side are accepted, because ${LIMITS.imageSide.reason}. Make it smaller first.`);
  if (width * height > LIMITS.imagePixels.max)
    refuse(`${name} has ${formatCount(width * height)} pixels; at most ${formatCount(LIMITS.imagePixels.max)} are accepted, because ${LIMITS.imagePixels.reason}.`);
}

/**
 * Checks an uploaded file's bytes. `name` and `mimeType` are what the browser reports; only the bytes decide the type.
 * Returns the type and the dimensions from the header.
 */
export function checkImageFile(file: { name: string; mimeType?: string; bytes: Uint8Array }): ImageInfo {
  const name = typeof file.name === 'string' && file.name !== '' ? file.name.slice(0, 80) : 'The file';
  const b = file.bytes;
  if (!(b instanceof Uint8Array)) refuse(`“${name}” could not be read; choose the file again.`);
  if (b.length === 0) refuse(`“${name}” is empty (0 bytes); choose a picture.`);
  if (b.length > LIMITS.uploadBytes.max)
    refuse(`“${name}” is ${formatBytes(b.length)}; pictures up to ${formatBytes(LIMITS.uploadBytes.max)} are accepted, because ${LIMITS.uploadBytes.reason}.`);
  if ((file.mimeType ?? '').toLowerCase().includes('svg') || looksLikeMarkup(b))
    refuse(`“${name}” is an SVG or web document, not a picture made of pixels; SVG files can carry scripts and are not accepted. Save it as PNG or JPEG.`);
  const type = sniffImageType(b);
  if (!type) refuse(`“${name}” is not a picture this app can read (PNG, JPEG, GIF, WebP or BMP), whatever its name says.`);
  const { width, height } = dimensions(type, b, name);
  checkImageDimensions(width, height, `“${name}”`);
  return { type, width, height };
}

/**
 * After decoding: RGBA bytes of the expected length, and not blank (a picture of one flat colour gives the model
 * nothing to classify — the person is told rather than shown a meaningless attack).
 */
export function checkDecodedImage(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, name = 'The picture'): void {
  checkImageDimensions(width, height, name);
  if (rgba.length !== width * height * 4) refuse(`${name} could not be decoded completely; save it again as PNG or JPEG.`);
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    // Luminance of the pixel as drawn over white (transparent areas count as white).
    const a = rgba[i + 3] / 255;
    const y = (0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2]) * a + 255 * (1 - a);
    if (y < lo) lo = y;
    if (y > hi) hi = y;
  }
  if (hi - lo < 8) refuse(`${name} is blank (one flat colour); choose or draw a picture with a visible shape.`);
}
