import { describe, it, expect } from 'vitest';
import { fashionSplit } from '../../src/lib/data/fashion';

/** Synthetic per-class lists in the package's layout; pixel 0 encodes (class, index) so picks can be traced. */
function fakeClasses(perClass: number[]): number[][][] {
  return perClass.map((count, k) =>
    Array.from({ length: count }, (_, i) => {
      const img = new Array<number>(784).fill(0);
      img[0] = k;
      img[1] = i % 256;
      img[2] = Math.floor(i / 256);
      return img;
    }),
  );
}

describe('Fashion-MNIST split', () => {
  it('is balanced, disjoint, labelled by class list, and the same for the same seed', () => {
    const classes = fakeClasses([12, 11, 11]);
    classes[0].push([]); // the package's class 0 ends with an empty entry
    const a = fashionSplit(classes, 8, 3, 5);
    const b = fashionSplit(classes, 8, 3, 5);
    expect(a.train.count).toBe(24);
    expect(a.test.count).toBe(9);
    expect(Array.from(a.train.images)).toEqual(Array.from(b.train.images));
    expect(Array.from(a.test.labels)).toEqual(Array.from(b.test.labels));
    const seen = new Set<string>();
    for (const split of [a.train, a.test]) {
      const counts = [0, 0, 0];
      for (let n = 0; n < split.count; n++) {
        const img = split.images.subarray(n * 784, n * 784 + 3);
        expect(img[0]).toBe(split.labels[n]);
        counts[split.labels[n]]++;
        const key = `${img[0]}:${img[1] + 256 * img[2]}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      }
      expect(new Set(counts).size).toBe(1);
    }
    const other = fashionSplit(classes, 8, 3, 6);
    expect(Array.from(other.test.images)).not.toEqual(Array.from(a.test.images));
  });

  it('rejects classes that are too small and pixels outside 0–255', () => {
    expect(() => fashionSplit(fakeClasses([5, 20]), 8, 3, 1)).toThrow(/class 0 has 5 images/);
    const classes = fakeClasses([11, 11]);
    classes[1].forEach((img) => (img[5] = 300));
    expect(() => fashionSplit(classes, 8, 3, 1)).toThrow(/pixel 5 is 300/);
  });
});
