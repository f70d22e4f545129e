/**
 * The MNIST recipe for drawn and uploaded pictures (src/ui/panels/attack-lab/preprocess.ts), checked against
 * invariants: luma weights, background detection, area-preserving resampling, the 20×20 box with its aspect ratio,
 * and the centre of mass landing at the frame's centre.
 */
import { describe, it, expect } from 'vitest';
import {
  centreOfMass,
  contentBox,
  darkBackground,
  normaliseContrast,
  photoToMnist,
  resampleArea,
  rgbaToGray,
  toMnistFrame,
  type GrayImage,
} from '../../src/ui/panels/attack-lab/preprocess';

function canvas(w: number, h: number, fill: (x: number, y: number) => number): GrayImage {
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = fill(x, y);
  return { data, width: w, height: h };
}

describe('attack-lab preprocessing', () => {
  it('converts RGBA to luma, compositing transparency over the background', () => {
    const rgba = Uint8ClampedArray.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 0]);
    const g = rgbaToGray(rgba, 4, 1, 1);
    expect(g.data[0]).toBeCloseTo(0.299, 5);
    expect(g.data[1]).toBeCloseTo(0.587, 5);
    expect(g.data[2]).toBeCloseTo(0.114, 5);
    expect(g.data[3]).toBeCloseTo(1, 5);
    expect(() => rgbaToGray(rgba, 3, 1)).toThrow(/rgba/);
  });

  it('makes a light background dark and leaves a dark one alone', () => {
    const paper = canvas(10, 10, (x) => (x === 5 ? 0.1 : 0.9));
    const inverted = darkBackground(paper);
    expect(inverted.data[0]).toBeCloseTo(0.1, 6);
    expect(inverted.data[5]).toBeCloseTo(0.9, 6);
    const night = canvas(10, 10, (x) => (x === 5 ? 1 : 0));
    expect(darkBackground(night)).toBe(night);
  });

  it('stretches contrast so the background is 0 and the strongest stroke 1', () => {
    const grey = canvas(10, 10, (x) => (x === 5 ? 0.7 : 0.3));
    const n = normaliseContrast(grey);
    expect(n.data[0]).toBe(0);
    expect(n.data[5]).toBeCloseTo(1, 6);
  });

  it('resamples by area: a constant stays constant and the mass scales with the area', () => {
    const flat = canvas(37, 23, () => 0.4);
    for (const v of resampleArea(flat, 0, 0, 37, 23, 9, 5)) expect(v).toBeCloseTo(0.4, 5);
    const img = canvas(40, 40, (x, y) => ((x * 7 + y * 3) % 11) / 10);
    const small = resampleArea(img, 0, 0, 40, 40, 10, 10);
    const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);
    expect(sum(small) * 16).toBeCloseTo(sum(img.data), 2);
  });

  it('fits the content into 20×20 keeping its aspect ratio and centres its mass', () => {
    // A 60×30 bright bar far off centre in a 200×150 picture.
    const bar = canvas(200, 150, (x, y) => (x >= 120 && x < 180 && y >= 10 && y < 40 ? 1 : 0));
    const frame = toMnistFrame(bar);
    const box = contentBox({ data: frame, width: 28, height: 28 }, 0.5)!;
    expect(box.x1 - box.x0).toBe(20);
    expect(box.y1 - box.y0).toBe(10);
    const [cx, cy] = centreOfMass(frame, 28, 28);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
    for (const v of frame) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('gives an all-black frame for an empty picture', () => {
    expect(Array.from(toMnistFrame(canvas(50, 50, () => 0))).every((v) => v === 0)).toBe(true);
    expect(contentBox(canvas(5, 5, () => 0))).toBeNull();
  });

  it('turns a photo of dark ink on light paper into a white digit on black', () => {
    const w = 60, h = 40;
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const ink = x >= 28 && x < 33 && y >= 5 && y < 35;
        const v = ink ? 30 : 220;
        rgba.set([v, v, v, 255], 4 * (y * w + x));
      }
    }
    const frame = photoToMnist(rgba, w, h);
    expect(frame.length).toBe(784);
    expect(frame[0]).toBe(0);
    expect(Math.max(...frame)).toBeCloseTo(1, 5);
    const [cx, cy] = centreOfMass(frame, 28, 28);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
  });
});
