/**
 * The validators against known truths: every shipped zoo model passes the model-file checks (and only the image
 * ones pass as image models), and the messages for the cases a workshop meets are the plain sentences below.
 * Generated cases are in fuzz.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDecodedImage, checkImageFile } from '../../src/lib/validate/image';
import { formatBytes, formatCount } from '../../src/lib/util/format-count';
import { checkModelJson, checkWeightShards, parseModelJson } from '../../src/lib/validate/model-files';
import { checkField, checkParams, FIELDS } from '../../src/lib/validate/numeric';

const MODELS = path.resolve(import.meta.dirname, '../../models');
const index = JSON.parse(readFileSync(path.join(MODELS, 'index.json'), 'utf8')) as { models: { id: string; kind: string; files: { model: string } }[] };

describe('model files', () => {
  it.each(index.models.map((m) => [m.id, m] as const))('%s passes; as an image model only if it is one', (_, m) => {
    const file = path.join(MODELS, m.files.model);
    const json = parseModelJson(readFileSync(file, 'utf8'), 'model.json');
    const shards = new Map(json.weightsManifest.flatMap((g) => g.paths).map((p) => {
      const b = readFileSync(path.join(path.dirname(file), p));
      return [p, b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer] as const;
    }));
    const joined = checkWeightShards(json, shards);
    expect(joined.byteLength).toBe([...shards.values()].reduce((s, b) => s + b.byteLength, 0));
    if (m.kind === 'image') expect(() => checkModelJson(json, 'model.json', { imageInput: true })).not.toThrow();
    else expect(() => checkModelJson(json, 'model.json', { imageInput: true })).toThrow('model.json takes input of shape [2]; an image model takes height × width × 1 or 3 channels, at most 512 × 512.');
  });

  it('says what is wrong in plain words', () => {
    expect(() => parseModelJson('{"modelTopology": ', 'net.json')).toThrow('net.json is not a JSON file; a TensorFlow.js model.json is expected.');
    const huge = { modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { units: 10 } }] } }, weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'k', shape: [2 ** 19, 2 ** 10], dtype: 'float32' }] }] };
    expect(() => checkModelJson(huge)).toThrow(/^model.json says its weights take 2 GB; at most 256 MB are accepted, because/);
    const lambda = { ...huge, modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Lambda', config: {} }] } }, weightsManifest: [{ paths: ['w.bin'], weights: [] }] };
    expect(() => checkModelJson(lambda)).toThrow(/^model.json uses layer types this app cannot run: Lambda\./);
  });
});

// A 1×1 PNG header with IHDR and IEND (the checks read the header, not the pixels).
function png(w: number, h: number): Uint8Array {
  const be = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...be(13), 0x49, 0x48, 0x44, 0x52, ...be(w), ...be(h), 8, 6, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
}

describe('pictures', () => {
  it('reads the type and size from the bytes, not the name', () => {
    expect(checkImageFile({ name: 'photo.jpg', mimeType: 'image/jpeg', bytes: png(640, 480) })).toEqual({ type: 'png', width: 640, height: 480 });
  });

  it('refuses 0×0, 20 000 px, cut-short files, SVG and blank pictures with a sentence', () => {
    expect(() => checkImageFile({ name: 'a.png', bytes: png(0, 0) })).toThrow('“a.png” has no pixels (0 × 0); choose a picture with something in it.');
    expect(() => checkImageFile({ name: 'a.png', bytes: png(20_000, 100) })).toThrow(/^“a.png” is 20 000 × 100 pixels; at most 8 192 pixels a side are accepted/);
    expect(() => checkImageFile({ name: 'a.png', bytes: png(28, 28).slice(0, 40) })).toThrow('“a.png” is cut short (the file ends before the picture does); save or download it again.');
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    expect(() => checkImageFile({ name: 'cat.png', mimeType: 'image/png', bytes: svg })).toThrow(/^“cat.png” is an SVG or web document, not a picture made of pixels; SVG files can carry scripts/);
    expect(() => checkImageFile({ name: 'notes.txt', mimeType: 'text/plain', bytes: new TextEncoder().encode('hello') })).toThrow('“notes.txt” is not a picture this app can read (PNG, JPEG, GIF, WebP or BMP), whatever its name says.');
    expect(() => checkDecodedImage(new Uint8Array(28 * 28 * 4).fill(255), 28, 28)).toThrow('The picture is blank (one flat colour); choose or draw a picture with a visible shape.');
  });
});

describe('numbers', () => {
  it('names the field and the range, and does not clamp', () => {
    expect(checkField('40', 'steps')).toBe(40);
    expect(() => checkField('1e9', 'steps')).toThrow(/^Steps must be a whole number from 1 to 1 000; got “1e9”\. The limit is there because more iterations/);
    expect(() => checkField(NaN, 'restarts')).toThrow('Restarts must be a whole number from 1 to 20; got something that is not a number.');
    expect(() => checkField(0, 'epsilonStep')).toThrow('ε step must be a number above 0 and at most 1; got 0.');
    expect(() => checkField(0.7, 'epsilonLinf')).not.toThrow();
    expect(() => checkParams({ stpes: 3 }, { steps: FIELDS.steps })).toThrow('The settings include an unknown setting “stpes”; known settings: Steps.');
  });

  it('formats counts and sizes the way the messages use them', () => {
    expect([formatCount(999), formatCount(1000), formatCount(2_000_000), formatCount(0.5)]).toEqual(['999', '1 000', '2 000 000', '0.5']);
    expect([formatBytes(512), formatBytes(20 * 1024 * 1024), formatBytes(2 ** 31)]).toEqual(['512 bytes', '20 MB', '2 GB']);
  });
});
