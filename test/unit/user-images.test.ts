import { describe, expect, it } from 'vitest';
import { classIndex, labelFiles, parseLabelCsv, toModelPixels } from '../../src/lib/data/user-images';

const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

describe('labels for your own images', () => {
  it('reads class names in any case, or class numbers', () => {
    expect(classIndex('sneaker', FASHION)).toBe(7);
    expect(classIndex(' Ankle boot ', FASHION)).toBe(9);
    expect(classIndex('3', FASHION)).toBe(3);
    expect(classIndex('12', FASHION)).toBeNull();
    expect(classIndex('hat', FASHION)).toBeNull();
  });

  it('takes labels from sub-folders, skips non-images and reports unknown folders once', () => {
    const r = labelFiles(['my/Sneaker/a.png', 'my/Sneaker/b.jpg', 'my/hat/c.png', 'my/hat/d.png', 'my/notes.txt', 'loose.png'], FASHION);
    expect(r.files).toEqual([
      { path: 'my/Sneaker/a.png', label: 7 },
      { path: 'my/Sneaker/b.jpg', label: 7 },
      { path: 'my/hat/c.png', label: null },
      { path: 'my/hat/d.png', label: null },
      { path: 'loose.png', label: null },
    ]);
    expect(r.problems.join(' ')).toMatch(/1 file\(s\) that are not images/);
    expect(r.problems.join(' ')).toMatch(/Not classes of this model .*: hat\./);
    expect(r.problems.join(' ')).toMatch(/1 image\(s\) are not in a sub-folder/);
  });

  it('takes labels from a CSV with or without a header, matching file names', () => {
    const csv = 'file,label\n"a.png",Bag\nb.png;0\r\nc.png\t9\n';
    expect(parseLabelCsv(csv)).toEqual(new Map([['a.png', 'Bag'], ['b.png', '0'], ['c.png', '9']]));
    const r = labelFiles(['a.png', 'b.png', 'c.png', 'd.png'], FASHION, csv);
    expect(r.files.map((f) => f.label)).toEqual([8, 0, 9, null]);
    expect(r.problems.join(' ')).toMatch(/not in the label file/);
  });

  it('says what is wrong with bad input', () => {
    expect(() => labelFiles(['a.txt'], FASHION)).toThrow(/None of the chosen files is an image/);
    expect(() => parseLabelCsv('only-one-cell\n')).toThrow(/Line 1 .*“file name, label”/);
    expect(() => labelFiles(Array.from({ length: 2001 }, (_, i) => `${i}.png`), FASHION)).toThrow(/up to 2000/);
  });
});

describe('pixels for the model', () => {
  /** A w×h RGBA image from a function of (x, y) → [r, g, b, a]. */
  const image = (w: number, h: number, f: (x: number, y: number) => number[]) => {
    const px = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(f(x, y), (y * w + x) * 4);
    return px;
  };

  it('a uniform image stays uniform at any size; grey is BT.601 luma', () => {
    const out = toModelPixels(image(57, 31, () => [200, 100, 50, 255]), 57, 31, [28, 28, 1]);
    expect(new Set(out)).toEqual(new Set([Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50)]));
    const rgb = toModelPixels(image(10, 10, () => [200, 100, 50, 255]), 10, 10, [4, 4, 3]);
    expect(Array.from(rgb.subarray(0, 3))).toEqual([200, 100, 50]);
  });

  it('shrinking by 2 averages each 2×2 block exactly; the centre square of a wide image is used', () => {
    const src = image(4, 4, (x, y) => [x * 60 + y, 0, 0, 255]);
    const out = toModelPixels(src, 4, 4, [2, 2, 3]);
    // Block (0,0): x∈{0,1}, y∈{0,1} → mean of 0,60,1,61 = 30.5 → 31 (rounded half up).
    expect(out[0]).toBe(Math.round((0 + 60 + 1 + 61) / 4));
    expect(out[3]).toBe(Math.round((120 + 180 + 121 + 181) / 4));
    const wide = image(8, 4, (x) => (x >= 2 && x < 6 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    expect(Array.from(toModelPixels(wide, 8, 4, [2, 2, 1]))).toEqual([255, 255, 255, 255]);
  });

  it('transparent pixels count as white; a wrong buffer is reported', () => {
    expect(Array.from(toModelPixels(image(2, 2, () => [0, 0, 0, 0]), 2, 2, [1, 1, 1]))).toEqual([255]);
    expect(() => toModelPixels(new Uint8ClampedArray(10), 2, 2, [1, 1, 1])).toThrow(/does not match 2×2/);
    expect(() => toModelPixels(image(2, 2, () => [0, 0, 0, 255]), 2, 2, [1, 1, 2])).toThrow(/1 or 3 channels/);
  });
});
