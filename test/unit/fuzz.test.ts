/**
 * Fuzzing the validation paths (src/lib/validate/, the model loader, the model store) with generated inputs from a
 * seeded generator: numeric settings and URL-style values (NaN, ±Infinity, negative, huge, wrong types, junk
 * strings), settings objects, ε lists, uploaded pictures (0×0, 20 000 px, truncated, wrong type, SVG with script,
 * blank), model files (not JSON, wrong weight sizes, missing shards, a 2 GB size claim, NaN weights, unknown layers,
 * non-image input shapes) and stored records. Every case must end in a valid state (checked against the rule it
 * passed) or in an Error whose message is a plain sentence — never a crash of another kind, never code-like text,
 * never a hang (each case has a generous time bound; this is a hang detector, not a speed test).
 */
import * as tf from '@tensorflow/tfjs';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/lib/backend/node';
import { loadModelFromParts } from '../../src/lib/models/load';
import { indexedDbModelStore, isDamaged } from '../../src/lib/models/storage';
import { createRng, type Rng } from '../../src/lib/util/rng';
import { checkDecodedImage, checkImageFile } from '../../src/lib/validate/image';
import { LIMITS } from '../../src/lib/validate/limits';
import { checkModelJson, checkWeightShards, parseModelJson } from '../../src/lib/validate/model-files';
import { checkEpsilons, checkNumber, checkParams, FIELDS, ValidationError, type NumberField } from '../../src/lib/validate/numeric';

/** A case may take this long before it counts as a hang (the slowest, a tfjs model build, takes ~50 ms). */
const CASE_BOUND_MS = 3000;

type Outcome = 'valid' | 'refused';
const counts: Record<string, Record<Outcome, number>> = {};

/** Text a person should never see: code paths, indices, object dumps, stack lines, JS type names. */
const CODE_LIKE = /\b(request|options|opts|settings|params)\.\w|\w\[\d+\]|\[object |\bundefined\b|\bnull\b|TypeError|RangeError|\bat \S+ \(|=>|\bfunction\b|[{}]|\\n/;

function assertPlain(err: unknown, context: string): void {
  expect(err, context).toBeInstanceOf(Error);
  const m = (err as Error).message;
  expect(m.length, `${context}: ${m}`).toBeGreaterThan(15);
  expect(m.length, `${context}: ${m}`).toBeLessThan(500);
  // What the person typed is echoed in “quotes”; only the app's own words must not look like code.
  expect(m.replace(/“[^”]*”/g, '“…”'), context).not.toMatch(CODE_LIKE);
  expect(m, context).toMatch(/[.)?]$/);
}

/** Runs one case: `fn` returns normally (then `valid` checks the state) or throws a plain Error. */
async function runCase<T>(category: string, context: string, fn: () => T | Promise<T>, valid: (v: T) => void): Promise<void> {
  counts[category] ??= { valid: 0, refused: 0 };
  const t0 = performance.now();
  let outcome: Outcome;
  try {
    const v = await fn();
    valid(v);
    outcome = 'valid';
  } catch (err) {
    if ((err as Error)?.name === 'AssertionError') throw err;
    assertPlain(err, `${category} ${context}`);
    outcome = 'refused';
  }
  expect(performance.now() - t0, `${category} ${context} took too long`).toBeLessThan(CASE_BOUND_MS);
  counts[category][outcome]++;
}

// ---------------------------------------------------------------------------------------------------------------
// Generators

const JUNK_STRINGS = ['', ' ', 'abc', 'NaN', 'Infinity', '-Infinity', '1e999', '0x10', '1,5', '½', '٣', '1e9', '--1', '+', '.', '1.', '.5', '0b11',
  '<script>alert(1)</script>', '%00', '%2e%2e', '\u0000', '1 000', 'null', 'undefined', '[]', '{}', '__proto__', 'constructor', '9'.repeat(400)];

function numericValue(rng: Rng, f: NumberField): unknown {
  switch (rng.int(12)) {
    case 0: return NaN;
    case 1: return rng.next() < 0.5 ? Infinity : -Infinity;
    case 2: return -rng.uniform(0, 1e6);
    case 3: return 10 ** rng.uniform(4, 308);
    case 4: return f.min + (f.max - f.min) * rng.next(); // in range, perhaps not whole
    case 5: return f.integer ? f.min + rng.int(f.max - f.min + 1) : f.min + (f.max - f.min) * rng.next(); // valid
    case 6: return [true, false, null, undefined, {}, [], [3], () => 1, Symbol('s'), 10n][rng.int(10)];
    case 7: return JUNK_STRINGS[rng.int(JUNK_STRINGS.length)];
    case 8: return String(f.min + rng.int(Math.max(1, Math.min(1000, f.max - f.min)))); // a URL value that is fine
    case 9: return [f.min, f.max, f.max + 1, f.min - 1, f.max + 1e-9, -0][rng.int(6)];
    case 10: return String(rng.uniform(-2, 2) * 10 ** rng.int(12));
    default: return Number.MAX_VALUE * (rng.next() < 0.5 ? 1 : -1);
  }
}

function describeValue(v: unknown): string {
  try {
    return typeof v === 'symbol' || typeof v === 'function' || typeof v === 'bigint' ? typeof v : JSON.stringify(v)?.slice(0, 40) ?? String(v);
  } catch {
    return String(v);
  }
}

const fieldNames = Object.keys(FIELDS) as (keyof typeof FIELDS)[];

// Picture bytes -----------------------------------------------------------------------------------------------

function be32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

function png(width: number, height: number): Uint8Array {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const ihdr = [...be32(13), 0x49, 0x48, 0x44, 0x52, ...be32(width), ...be32(height), 8, 6, 0, 0, 0, 0, 0, 0, 0];
  const idat = [...be32(2), 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0, 0, 0, 0];
  const iend = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
  return Uint8Array.from([...sig, ...ihdr, ...idat, ...iend]);
}

function gif(width: number, height: number): Uint8Array {
  return Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, width & 255, width >> 8, height & 255, height >> 8, 0, 0, 0, 0x3b]);
}

function jpeg(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const sof = [0xff, 0xc0, 0, 11, 8, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...sof, 0xff, 0xd9]);
}

function bmp(width: number, height: number): Uint8Array {
  const b = new Uint8Array(54);
  b.set([0x42, 0x4d]);
  new DataView(b.buffer).setUint32(2, 54, true);
  new DataView(b.buffer).setInt32(18, width, true);
  new DataView(b.buffer).setInt32(22, height, true);
  return b;
}

const SVGS = [
  '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
  '\uFEFF  <?xml version="1.0"?><svg onload="alert(1)"/>',
  '<!DOCTYPE svg><svg><foreignObject><script>fetch("//x")</script></foreignObject></svg>',
  '\n\n<html><script>1</script></html>',
];

function pictureCase(rng: Rng): { name: string; mimeType: string; bytes: Uint8Array; kind: string } {
  const makers = [png, gif, jpeg, bmp];
  const make = makers[rng.int(makers.length)];
  const side = () => [0, 1, 28, 640, 8192, 8193, 20_000, 65_535][rng.int(8)];
  switch (rng.int(7)) {
    case 0: return { kind: 'good', name: 'digit.png', mimeType: 'image/png', bytes: make(1 + rng.int(500), 1 + rng.int(500)) };
    case 1: return { kind: 'dimensions', name: 'odd.png', mimeType: 'image/png', bytes: make(side(), side()) };
    case 2: {
      const full = make(28, 28);
      return { kind: 'truncated', name: 'cut.png', mimeType: 'image/png', bytes: full.slice(0, rng.int(full.length)) };
    }
    case 3: {
      const junk = new Uint8Array(rng.int(200));
      for (let i = 0; i < junk.length; i++) junk[i] = rng.int(256);
      return { kind: 'wrong type', name: ['x.png', 'x.jpg', 'notes.txt', ''][rng.int(4)], mimeType: ['image/png', 'text/plain', ''][rng.int(3)], bytes: junk };
    }
    case 4: {
      const svg = new TextEncoder().encode(SVGS[rng.int(SVGS.length)]);
      return { kind: 'svg', name: ['a.svg', 'a.png'][rng.int(2)], mimeType: ['image/svg+xml', 'image/png'][rng.int(2)], bytes: svg };
    }
    case 5: {
      // A real header with flipped bytes somewhere.
      const b = make(28, 28);
      for (let k = 0; k < 1 + rng.int(4); k++) b[rng.int(b.length)] = rng.int(256);
      return { kind: 'corrupted', name: 'flip.png', mimeType: 'image/png', bytes: b };
    }
    default: return { kind: 'empty', name: 'empty.png', mimeType: 'image/png', bytes: new Uint8Array(0) };
  }
}

// Model files -------------------------------------------------------------------------------------------------

interface ModelParts {
  json: { modelTopology: unknown; weightsManifest: unknown; format?: string };
  shards: Map<string, ArrayBuffer>;
}

/** A valid small image model: conv 3×3×1→4, flatten, dense 2704→10 (all weights finite). */
function goodModel(rng: Rng): ModelParts {
  const weights = [
    { name: 'conv/kernel', shape: [3, 3, 1, 4], dtype: 'float32' },
    { name: 'conv/bias', shape: [4], dtype: 'float32' },
    { name: 'dense/kernel', shape: [26 * 26 * 4, 10], dtype: 'float32' },
    { name: 'dense/bias', shape: [10], dtype: 'float32' },
  ];
  const n = weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  const data = new Float32Array(n).map(() => rng.normal() * 0.05);
  const cut = 4 * 40; // two shards, split mid-weight as tfjs does
  const buf = data.buffer;
  return {
    json: {
      format: 'layers-model',
      modelTopology: {
        class_name: 'Sequential',
        config: {
          name: 'fuzz',
          layers: [
            { class_name: 'Conv2D', config: { name: 'conv', batch_input_shape: [null, 28, 28, 1], filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', use_bias: true, dtype: 'float32', data_format: 'channels_last', dilation_rate: [1, 1] } },
            { class_name: 'Flatten', config: { name: 'flat' } },
            { class_name: 'Dense', config: { name: 'dense', units: 10, activation: 'linear', use_bias: true } },
          ],
        },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights }],
    },
    shards: new Map([
      ['group1-shard1of2.bin', buf.slice(0, cut)],
      ['group1-shard2of2.bin', buf.slice(cut)],
    ]),
  };
}

type Mutation = (p: ModelParts, rng: Rng) => string;
const clone = <T>(v: T): T => structuredClone(v);

const MUTATIONS: Record<string, Mutation> = {
  none: () => 'unchanged',
  'wrong weight sizes': (p, rng) => {
    const m = p.json.weightsManifest as { weights: { shape: number[] }[] }[];
    m[0].weights[rng.int(4)].shape[0] += 1 + rng.int(3);
    return 'a shape grown';
  },
  'short shard': (p, rng) => {
    const b = p.shards.get('group1-shard2of2.bin')!;
    p.shards.set('group1-shard2of2.bin', b.slice(0, rng.int(b.byteLength)));
    return 'shard 2 cut';
  },
  'missing shard': (p, rng) => {
    p.shards.delete(rng.next() < 0.5 ? 'group1-shard1of2.bin' : 'group1-shard2of2.bin');
    return 'a shard gone';
  },
  '2 GB size claim': (p) => {
    (p.json.weightsManifest as { weights: { shape: number[] }[] }[])[0].weights[2].shape = [2 ** 19, 2 ** 10];
    return 'dense kernel claims 2 GiB';
  },
  'NaN weights': (p, rng) => {
    const key = rng.next() < 0.5 ? 'group1-shard1of2.bin' : 'group1-shard2of2.bin';
    const f = new Float32Array(p.shards.get(key)!.slice(0));
    f[rng.int(f.length)] = [NaN, Infinity, -Infinity][rng.int(3)];
    p.shards.set(key, f.buffer);
    return 'a non-finite weight';
  },
  'unknown layer': (p, rng) => {
    const layers = (p.json.modelTopology as { config: { layers: { class_name: string }[] } }).config.layers;
    layers[1 + rng.int(2)].class_name = ['Lambda', 'TFOpLambda', 'MyCustomLayer', '__proto__', 'eval', 'x'.repeat(300)][rng.int(6)];
    return 'an unknown class';
  },
  'non-image input': (p, rng) => {
    const layers = (p.json.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
    layers[0].config.batch_input_shape = [[null, 2], [null, 28, 28, 4], [null, 0, 28, 1], [null, 100_000, 28, 1], [null, 28, 28], [null, 'a', 28, 1], null][rng.int(7)];
    return 'input shape changed';
  },
  'huge layer': (p, rng) => {
    const layers = (p.json.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
    if (rng.next() < 0.5) layers[2].config.units = [1e9, 2 ** 31, -5, 0.5, 'many'][rng.int(5)];
    else layers[0].config.filters = [1e7, 0, Infinity][rng.int(3)];
    return 'a layer made enormous';
  },
  'bad manifest': (p, rng) => {
    const variants: unknown[] = [undefined, [], {}, [{ paths: [], weights: [] }], [{ paths: ['a'], weights: [{ name: 'w', shape: [-1], dtype: 'float32' }] }],
      [{ paths: ['a'], weights: [{ name: 'w', shape: [1], dtype: 'float16' }] }], [{ paths: ['a'], weights: [{ name: 'w', shape: [1], dtype: 'float32', quantization: { dtype: 'uint8' } }] }],
      [{ paths: [7], weights: [] }], 'weights.bin'];
    p.json.weightsManifest = variants[rng.int(variants.length)];
    return 'manifest replaced';
  },
  'bad topology': (p, rng) => {
    p.json.modelTopology = [null, 'Sequential', [], {}, { class_name: 'Sequential', config: { layers: [] } }, 42][rng.int(6)];
    return 'topology replaced';
  },
};

/** model.json as text, sometimes broken as text (truncated, not JSON at all). */
function modelText(p: ModelParts, rng: Rng): { text: string; broken: boolean } {
  const text = JSON.stringify(p.json);
  if (rng.next() < 0.2) {
    const bad = [text.slice(0, rng.int(text.length)), '', 'not json', '<html>404</html>', '\u0000\u0001', 'null', '[]', '"model"', '1e999'];
    return { text: bad[rng.int(bad.length)], broken: true };
  }
  return { text, broken: false };
}

// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  await initNodeBackend('cpu');
});

afterAll(() => {
  const total = Object.values(counts).reduce((s, c) => s + c.valid + c.refused, 0);
  const lines = Object.entries(counts).map(([k, c]) => `  ${k.padEnd(34)} ${String(c.valid + c.refused).padStart(4)} cases: ${c.valid} valid, ${c.refused} refused`);
  console.log(`fuzz: ${total} generated cases\n${lines.join('\n')}`);
});

describe('fuzz', () => {
  it('numeric settings of every kind (numbers and URL-style strings)', async () => {
    const rng = createRng(1301);
    for (let i = 0; i < 240; i++) {
      const name = fieldNames[i % fieldNames.length];
      const f = FIELDS[name];
      const v = numericValue(rng, f);
      const category = typeof v === 'string' ? 'numeric: URL / typed strings' : 'numeric: values from calls';
      await runCase(category, `${name} = ${describeValue(v)}`, () => checkNumber(v, f), (n) => {
        expect(Number.isFinite(n)).toBe(true);
        expect(n).toBeLessThanOrEqual(f.max);
        expect((f as NumberField).exclusiveMin ? n > f.min : n >= f.min).toBe(true);
        if (f.integer) expect(Number.isInteger(n)).toBe(true);
      });
    }
    // A refusal names the field.
    expect(() => checkNumber(1e9, FIELDS.steps)).toThrow(/^Steps must be a whole number from 1 to 1 000; got 1e9\. The limit is there because/);
    expect(() => checkNumber('0', FIELDS.stepSize)).toThrow('Step size must be a number above 0 and at most 1; got “0”.');
  });

  it('settings objects and ε lists', async () => {
    const rng = createRng(1302);
    const suite = { steps: FIELDS.steps, restarts: FIELDS.restarts, queryBudget: FIELDS.queryBudget };
    for (let i = 0; i < 60; i++) {
      const obj: Record<string, unknown> = {};
      const keys = ['steps', 'restarts', 'queryBudget', 'stpes', '__proto__', 'constructor', 'toString', ''];
      for (let k = 0; k < rng.int(4); k++) obj[keys[rng.int(keys.length)]] = numericValue(rng, FIELDS.steps);
      const params: unknown = [obj, null, 'steps=3', [1, 2], undefined, JSON.parse('{"__proto__": {"steps": 5}}')][rng.next() < 0.8 ? 0 : 1 + rng.int(5)];
      await runCase('settings objects', describeValue(params), () => checkParams(params, suite), (out) => {
        for (const [k, v] of Object.entries(out)) expect(checkNumber(v, suite[k as keyof typeof suite])).toBe(v);
      });
    }
    for (let i = 0; i < 40; i++) {
      const len = [0, 1, 3, 64, 65, 1000][rng.int(6)];
      const list: unknown = rng.next() < 0.1 ? 'eps' : Array.from({ length: len }, () => (rng.next() < 0.9 ? rng.next() : numericValue(rng, FIELDS.epsilonLinf)));
      await runCase('ε lists', `length ${Array.isArray(list) ? list.length : 'not a list'}`, () => checkEpsilons(list), (out) => {
        expect(out.length).toBeGreaterThan(0);
        expect(out.length).toBeLessThanOrEqual(LIMITS.epsilonCount.max);
        for (const e of out) expect(e >= 0 && e <= 1).toBe(true);
      });
    }
  });

  it('uploaded pictures: bytes, type, size, truncation, SVG, blank', async () => {
    const rng = createRng(1303);
    for (let i = 0; i < 200; i++) {
      const c = pictureCase(rng);
      await runCase(`pictures: ${c.kind}`, `${c.name} ${c.bytes.length} bytes`, () => checkImageFile(c), (info) => {
        expect(['png', 'jpeg', 'gif', 'webp', 'bmp']).toContain(info.type);
        expect(info.width).toBeGreaterThanOrEqual(1);
        expect(info.height).toBeGreaterThanOrEqual(1);
        expect(Math.max(info.width, info.height)).toBeLessThanOrEqual(LIMITS.imageSide.max);
        expect(c.kind === 'svg' || c.kind === 'empty' || c.kind === 'truncated').toBe(false);
      });
    }
    // SVG and empty files are never accepted, whatever name and type they claim.
    expect(counts['pictures: svg']?.valid ?? 0).toBe(0);
    expect(counts['pictures: empty']?.valid ?? 0).toBe(0);
    const big = { name: 'huge.png', mimeType: 'image/png', bytes: new Uint8Array(LIMITS.uploadBytes.max + 1) };
    await runCase('pictures: over the size limit', 'huge', () => checkImageFile(big), () => expect.unreachable('accepted a file over the limit'));
    for (let i = 0; i < 30; i++) {
      const w = [0, 1, 28, 50][rng.int(4)];
      const h = [0, 1, 28, 50][rng.int(4)];
      const rgba = new Uint8Array(w * h * 4 + (rng.next() < 0.1 ? 4 : 0));
      const flat = rng.next() < 0.5;
      for (let p = 0; p < rgba.length; p++) rgba[p] = flat ? 200 : rng.int(256);
      await runCase('pictures: decoded pixels', `${w}×${h} ${flat ? 'flat' : 'noise'}`, () => checkDecodedImage(rgba, w, h), () => expect(flat).toBe(false));
    }
  });

  it('model files through the checks and the tfjs loader', async () => {
    const rng = createRng(1304);
    const names = Object.keys(MUTATIONS);
    for (let i = 0; i < 120; i++) {
      const mutation = names[i % names.length];
      const parts = goodModel(rng);
      const detail = MUTATIONS[mutation](parts, rng);
      const { text, broken } = modelText(parts, rng);
      const category = `model files: ${broken ? 'not JSON / cut' : mutation}`;
      await runCase(category, detail, () => {
        const json = parseModelJson(text, 'model.json');
        const checked = checkModelJson(json, 'model.json', { imageInput: true });
        return checkWeightShards(checked, parts.shards, 'model.json');
      }, (weights) => {
        expect(mutation).toBe('none');
        expect(weights.byteLength).toBe((9 * 4 + 4 + 2704 * 10 + 10) * 4);
      });
      // The loader the app uses end to end, on a third of the cases (it builds a tfjs model when all is well).
      if (i % 3 === 0 && !broken) {
        const before = tf.memory().numTensors;
        await runCase(`loader: ${mutation}`, detail, async () => {
          const model = await loadModelFromParts(clone(parts.json), async (p) => {
            const b = parts.shards.get(p);
            if (!b) throw new Error('no such file');
            return b;
          });
          const shape = model.inputs[0].shape;
          model.dispose();
          return shape;
        }, (shape) => expect(shape).toEqual([null, 28, 28, 1]));
        expect(tf.memory().numTensors, `tensors left by the loader: ${mutation} (${detail})`).toBe(before);
      }
    }
    expect(counts['model files: none']?.refused ?? 0).toBe(0);
  });

  it('stored records in IndexedDB: listed or marked damaged, loaded or refused', async () => {
    (globalThis as { indexedDB?: IDBFactory }).indexedDB = new IDBFactory();
    const rng = createRng(1305);
    const store = indexedDbModelStore<{ name: string }>('fuzz-models', (c) => {
      if (typeof (c as { name?: unknown }).name !== 'string') throw new Error('it has no name');
    });
    await store.list();
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('fuzz-models', 1);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const good = goodModel(rng);
    const weightData = new Uint8Array(good.shards.get('group1-shard1of2.bin')!.byteLength + good.shards.get('group1-shard2of2.bin')!.byteLength);
    weightData.set(new Uint8Array(good.shards.get('group1-shard1of2.bin')!), 0);
    weightData.set(new Uint8Array(good.shards.get('group1-shard2of2.bin')!), good.shards.get('group1-shard1of2.bin')!.byteLength);
    const goodArtifacts = { modelTopology: good.json.modelTopology, weightSpecs: (good.json.weightsManifest as { weights: unknown[] }[])[0].weights, weightData: weightData.buffer };
    const cards: unknown[] = [{ name: 'ok' }, null, 'card', { name: 5 }, [], { name: 'ok', extra: { deep: [1] } }];
    const artifactsVariants: unknown[] = [goodArtifacts, null, {}, { ...goodArtifacts, weightData: new ArrayBuffer(8) }, { ...goodArtifacts, weightSpecs: 'x' }, { ...goodArtifacts, modelTopology: 5 }];
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const id = `m${i}`;
      ids.push(id);
      const tx = db.transaction(['cards', 'artifacts'], 'readwrite');
      if (rng.next() < 0.85) tx.objectStore('cards').put({ id, card: cards[rng.int(cards.length)], savedAt: rng.next() < 0.9 ? `2026-01-${10 + i}` : 7 });
      if (rng.next() < 0.85) tx.objectStore('artifacts').put({ id, artifacts: artifactsVariants[rng.int(artifactsVariants.length)] });
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
    }
    db.close();
    const all = await store.listAll();
    const usable = new Set((await store.list()).map((r) => r.id));
    for (const r of all) expect(isDamaged(r) ? !usable.has(r.id) : usable.has(r.id)).toBe(true);
    for (const id of ids) {
      await runCase('stored records', id, () => store.load(id), (m) => {
        if (m === null) return;
        expect(usable.has(id)).toBe(true);
        expect(m.artifacts.weightData.byteLength).toBe(weightData.byteLength);
      });
    }
    for (const r of all.filter(isDamaged)) expect(await store.remove(r.id)).toBe(true);
    expect((await store.listAll()).every((r) => !isDamaged(r))).toBe(true);
  });

  it('ran at least 300 cases', () => {
    const total = Object.values(counts).reduce((s, c) => s + c.valid + c.refused, 0);
    expect(total).toBeGreaterThanOrEqual(300);
  });
});

it('a ValidationError is an Error with the field name', () => {
  const e = new ValidationError('Steps', 'Steps must be a whole number from 1 to 1 000; got 0.');
  expect(e).toBeInstanceOf(Error);
  expect(e.field).toBe('Steps');
});
