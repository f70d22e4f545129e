import { describe, expect, it } from 'vitest';
import { makeToyDataset, makeToySplit, TOY_DATASETS, TOY_DATASET_IDS, type ToyDatasetId } from '../../src/lib/data/toy';

const CASES: { name: ToyDatasetId; classes: number }[] = [
  { name: 'moons', classes: 2 },
  { name: 'circles', classes: 2 },
  { name: 'circles', classes: 3 },
  { name: 'xor', classes: 2 },
  { name: 'spiral', classes: 2 },
  { name: 'spiral', classes: 3 },
  { name: 'blobs', classes: 2 },
  { name: 'blobs', classes: 5 },
];

describe('toy datasets', () => {
  it('lists metadata for every id', () => {
    expect(TOY_DATASETS.map((d) => d.id)).toEqual([...TOY_DATASET_IDS]);
    for (const d of TOY_DATASETS) {
      expect(d.minClasses).toBeLessThanOrEqual(d.defaultClasses);
      expect(d.defaultClasses).toBeLessThanOrEqual(d.maxClasses);
    }
  });

  for (const { name, classes } of CASES) {
    it(`${name} (${classes} classes): shapes, balanced labels, inside bounds, deterministic per seed`, () => {
      const n = 301;
      const a = makeToyDataset(name, { n, noise: 0.1, seed: 7, classes });
      expect(a.x).toBeInstanceOf(Float32Array);
      expect(a.y).toBeInstanceOf(Int32Array);
      expect(a.x.length).toBe(2 * n);
      expect(a.y.length).toBe(n);
      expect(a.numClasses).toBe(classes);
      const counts = new Array(classes).fill(0);
      for (const c of a.y) counts[c]++;
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      const [[x0, x1], [y0, y1]] = a.bounds;
      for (let i = 0; i < n; i++) {
        expect(Number.isFinite(a.x[2 * i])).toBe(true);
        expect(a.x[2 * i]).toBeGreaterThan(x0);
        expect(a.x[2 * i]).toBeLessThan(x1);
        expect(a.x[2 * i + 1]).toBeGreaterThan(y0);
        expect(a.x[2 * i + 1]).toBeLessThan(y1);
      }
      const b = makeToyDataset(name, { n, noise: 0.1, seed: 7, classes });
      expect(b.x).toEqual(a.x);
      expect(b.y).toEqual(a.y);
      const c = makeToyDataset(name, { n, noise: 0.1, seed: 8, classes });
      expect(c.x).not.toEqual(a.x);
    });
  }

  it('clean shapes have their analytic geometry', () => {
    const circles = makeToyDataset('circles', { n: 200, noise: 0, seed: 1, classes: 4 });
    for (let i = 0; i < circles.n; i++) {
      const r = Math.hypot(circles.x[2 * i], circles.x[2 * i + 1]);
      expect(r).toBeCloseTo(1 - circles.y[i] / 4, 5);
    }
    const xor = makeToyDataset('xor', { n: 200, noise: 0, seed: 1 });
    for (let i = 0; i < xor.n; i++) {
      const product = xor.x[2 * i] * xor.x[2 * i + 1];
      expect(product > 0 ? 0 : 1).toBe(xor.y[i]);
    }
    const spiral = makeToyDataset('spiral', { n: 300, noise: 0, seed: 1, classes: 3 });
    for (let i = 0; i < spiral.n; i++) {
      const t = Math.hypot(spiral.x[2 * i], spiral.x[2 * i + 1]);
      const angle = Math.atan2(spiral.x[2 * i + 1], spiral.x[2 * i]);
      const expected = 3 * Math.PI * t + (2 * Math.PI * spiral.y[i]) / 3;
      const diff = Math.abs(Math.atan2(Math.sin(angle - expected), Math.cos(angle - expected)));
      expect(diff).toBeLessThan(1e-4);
    }
  });

  it('noise is Gaussian jitter with the requested standard deviation', () => {
    const clean = makeToyDataset('moons', { n: 4000, noise: 0, seed: 3 });
    const noisy = makeToyDataset('moons', { n: 4000, noise: 0.2, seed: 3 });
    // Same labels and the same clean positions (the jitter comes after the shape), so the difference is the noise.
    expect(noisy.y).toEqual(clean.y);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < clean.x.length; i++) {
      const d = noisy.x[i] - clean.x[i];
      sum += d;
      sq += d * d;
    }
    const mean = sum / clean.x.length;
    const std = Math.sqrt(sq / clean.x.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(std).toBeGreaterThan(0.19);
    expect(std).toBeLessThan(0.21);
  });

  it('the split gives independent train and test sets sharing one box', () => {
    const { train, test } = makeToySplit('spiral', { n: 200, noise: 0.05, seed: 11, classes: 3 });
    expect(train.n).toBe(200);
    expect(test.n).toBe(100);
    expect(test.bounds).toEqual(train.bounds);
    expect(test.x.subarray(0, 20)).not.toEqual(train.x.subarray(0, 20));
    const again = makeToySplit('spiral', { n: 200, noise: 0.05, seed: 11, classes: 3 });
    expect(again.test.x).toEqual(test.x);
  });

  it('rejects bad parameters with a message naming them', () => {
    expect(() => makeToyDataset('nope', { n: 10, noise: 0, seed: 1 })).toThrow(/name/);
    expect(() => makeToyDataset('moons', { n: 1.5, noise: 0, seed: 1 })).toThrow(/n must/);
    expect(() => makeToyDataset('moons', { n: 10, noise: -1, seed: 1 })).toThrow(/noise/);
    expect(() => makeToyDataset('moons', { n: 10, noise: 0, seed: NaN })).toThrow(/seed/);
    expect(() => makeToyDataset('moons', { n: 10, noise: 0, seed: 1, classes: 3 })).toThrow(/classes/);
    expect(() => makeToyDataset('blobs', { n: 10, noise: 0, seed: 1, classes: 9 })).toThrow(/classes/);
  });
});
