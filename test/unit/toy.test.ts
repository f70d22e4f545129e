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

  it('gap: no clean point inside the band, and the default gap gives the points from before the option', () => {
    for (const gap of [0, 0.5, 1.2]) {
      const xor = makeToyDataset('xor', { n: 400, noise: 0, seed: 5, gap });
      for (let i = 0; i < xor.n; i++) {
        const [u, v] = [xor.x[2 * i], xor.x[2 * i + 1]];
        // float32 storage: compare with a tolerance of its rounding.
        expect(Math.min(Math.abs(u), Math.abs(v))).toBeGreaterThanOrEqual(gap / 2 - 1e-6);
        expect(Math.max(Math.abs(u), Math.abs(v))).toBeLessThanOrEqual(1 + 1e-6);
        expect(u * v > 0 ? 0 : 1).toBe(xor.y[i]);
      }
    }
    for (const [classes, gap] of [[2, 0.7], [3, 0.2], [4, 0.3]]) {
      const circles = makeToyDataset('circles', { n: 300, noise: 0, seed: 5, classes, gap });
      for (let i = 0; i < circles.n; i++) {
        expect(Math.hypot(circles.x[2 * i], circles.x[2 * i + 1])).toBeCloseTo(1 - circles.y[i] * gap, 5);
      }
    }
    // The defaults (xor: 0.2, circles: 1/k) are the geometry the shipped sets were drawn with: same bytes.
    expect(makeToyDataset('xor', { n: 300, noise: 0.03, seed: 9, gap: 0.2 }).x).toEqual(makeToyDataset('xor', { n: 300, noise: 0.03, seed: 9 }).x);
    expect(makeToyDataset('circles', { n: 300, noise: 0.05, seed: 9, gap: 0.5 }).x).toEqual(makeToyDataset('circles', { n: 300, noise: 0.05, seed: 9 }).x);
  });

  it('imbalance: the first class has that many times the points of the last, in geometric steps', () => {
    const count = (y: Int32Array, k: number) => {
      const c = new Array(k).fill(0);
      for (const v of y) c[v]++;
      return c;
    };
    expect(count(makeToyDataset('xor', { n: 1000, noise: 0, seed: 2, imbalance: 4 }).y, 2)).toEqual([800, 200]);
    // 1000 · (1, ½, ¼) / 1.75 = 571.4, 285.7, 142.9: floors 571, 285, 142, the two left over to classes 0 and 1.
    expect(count(makeToyDataset('circles', { n: 1000, noise: 0, seed: 2, classes: 3, imbalance: 4 }).y, 3)).toEqual([572, 286, 142]);
    // The test split is drawn from the same distribution: the same shares.
    const { test } = makeToySplit('circles', { n: 1000, nTest: 500, noise: 0.05, seed: 3, imbalance: 4 });
    expect(count(test.y, 2)).toEqual([400, 100]);
    // Shuffled: the minority class is spread over the order, not left at the end.
    const y = makeToyDataset('xor', { n: 1000, noise: 0, seed: 2, imbalance: 4 }).y;
    expect(count(y.subarray(0, 500), 2)[1]).toBeGreaterThan(60);
    expect(count(y.subarray(500), 2)[1]).toBeGreaterThan(60);
    // 1 is the balanced default, point for point.
    const balanced = makeToyDataset('moons', { n: 301, noise: 0.1, seed: 4 });
    const one = makeToyDataset('moons', { n: 301, noise: 0.1, seed: 4, imbalance: 1 });
    expect(one.x).toEqual(balanced.x);
    expect(one.y).toEqual(balanced.y);
  });

  it('rejects bad parameters with a message naming them', () => {
    expect(() => makeToyDataset('moons', { n: 10, noise: 0, seed: 1, gap: 0.3 })).toThrow(/gap applies/);
    expect(() => makeToyDataset('xor', { n: 10, noise: 0, seed: 1, gap: -0.1 })).toThrow(/gap/);
    expect(() => makeToyDataset('xor', { n: 10, noise: 0, seed: 1, gap: 1.81 })).toThrow(/gap for xor/);
    // Three rings 0.5 apart would put the innermost at radius 0.
    expect(() => makeToyDataset('circles', { n: 10, noise: 0, seed: 1, classes: 3, gap: 0.5 })).toThrow(/gap for circles with 3 classes/);
    expect(() => makeToyDataset('xor', { n: 10, noise: 0, seed: 1, imbalance: 0.5 })).toThrow(/imbalance/);
    expect(() => makeToyDataset('xor', { n: 10, noise: 0, seed: 1, imbalance: 21 })).toThrow(/imbalance/);
    expect(() => makeToyDataset('xor', { n: 10, noise: 0, seed: 1, imbalance: NaN })).toThrow(/imbalance/);
    expect(() => makeToyDataset('blobs', { n: 8, noise: 0, seed: 1, classes: 8, imbalance: 20 })).toThrow(/too few points/);
    expect(() => makeToyDataset('nope', { n: 10, noise: 0, seed: 1 })).toThrow(/name/);
    expect(() => makeToyDataset('moons', { n: 1.5, noise: 0, seed: 1 })).toThrow(/n must/);
    expect(() => makeToyDataset('moons', { n: 10, noise: -1, seed: 1 })).toThrow(/noise/);
    expect(() => makeToyDataset('moons', { n: 10, noise: 0, seed: NaN })).toThrow(/seed/);
    expect(() => makeToyDataset('moons', { n: 10, noise: 0, seed: 1, classes: 3 })).toThrow(/classes/);
    expect(() => makeToyDataset('blobs', { n: 10, noise: 0, seed: 1, classes: 9 })).toThrow(/classes/);
  });
});
