import { describe, expect, it } from 'vitest';
import { CLASS_NAMES, IMAGE_SHAPES } from '../../src/lib/data/dataset';
import { apply3, dcos, dsin } from '../../src/lib/data/raster';
import {
  makeSignsDataset, renderSign, renderSplitImage, SIGN_CLASS_NAMES, SIGN_NUM_CLASSES, SIGN_SIZE, signSeed, signStickerMask,
  STOP_STICKERS,
} from '../../src/lib/data/signs';
import { loadSubsetFile } from '../../src/lib/data/node-sources';
import { decodeSubset, encodeSubset } from '../../src/lib/data/subset';

/** FNV-1a over bytes: a golden value that changes if any byte of the rendering changes. */
function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

const PX = SIGN_SIZE * SIGN_SIZE;

/** Bilinear sample of channel c of an HWC RGB image at pixel coordinates (x, y), edges clamped. */
function bilinear(rgb: Uint8Array, x: number, y: number, c: number): number {
  const cl = (v: number) => Math.min(SIGN_SIZE - 1, Math.max(0, v));
  const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0;
  const at = (xx: number, yy: number) => rgb[(cl(yy) * SIGN_SIZE + cl(xx)) * 3 + c];
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
}

describe('procedural traffic signs', () => {
  it('brings its own sine and cosine, agreeing with Math.sin/cos', () => {
    for (let x = -20; x <= 20; x += 0.0137) {
      expect(Math.abs(dsin(x) - Math.sin(x))).toBeLessThan(1e-12);
      expect(Math.abs(dcos(x) - Math.cos(x))).toBeLessThan(1e-12);
    }
  });

  it('has at least 12 classes whose names match the dataset table', () => {
    expect(SIGN_NUM_CLASSES).toBeGreaterThanOrEqual(12);
    expect(SIGN_CLASS_NAMES).toEqual(CLASS_NAMES.signs);
    expect(IMAGE_SHAPES.signs).toEqual([SIGN_SIZE, SIGN_SIZE, 3]);
  });

  it('is deterministic: the same seed gives the same bytes, a different seed different ones', () => {
    const a = renderSign(3, 12345);
    const b = renderSign(3, 12345);
    expect(fnv1a(a.rgb)).toBe(fnv1a(b.rgb));
    expect(Array.from(a.coverage)).toEqual(Array.from(b.coverage));
    expect(fnv1a(renderSign(3, 12346).rgb)).not.toBe(fnv1a(a.rgb));
    expect(signSeed('train', 5)).not.toBe(signSeed('test', 5));
  });

  it('renders the golden bytes (any change to the renderer or the split shows here)', () => {
    const d = makeSignsDataset('test', 28);
    expect(d.images.length).toBe(28 * PX * 3);
    expect(Array.from(d.labels)).toEqual(Array.from({ length: 28 }, (_, i) => i % SIGN_NUM_CLASSES));
    // Update only on a deliberate change of the dataset (and then regenerate public/data and retrain the models).
    expect(fnv1a(d.images)).toBe('24732f1d');
  });

  it('round-trips through the subset file format with its 3 channels', () => {
    const d = makeSignsDataset('test', 14);
    const back = decodeSubset(encodeSubset(d));
    expect(back.channels).toBe(3);
    expect(back.rows).toBe(32);
    expect(fnv1a(back.images)).toBe(fnv1a(d.images));
    expect(Array.from(back.labels)).toEqual(Array.from(d.labels));
  });

  it('ships public/data subsets that are the first images of the fixed split, byte for byte', () => {
    for (const [split, count] of [['test', 1400], ['train', 2800]] as const) {
      const d = loadSubsetFile(`public/data/signs-${split}.bin`);
      expect([d.count, d.rows, d.cols, d.channels, d.numClasses]).toEqual([count, 32, 32, 3, SIGN_NUM_CLASSES]);
      for (const i of [0, 1, 777, count - 1]) {
        expect(fnv1a(d.images.subarray(i * PX * 3, (i + 1) * PX * 3)), `${split} image ${i}`).toBe(fnv1a(renderSplitImage(split, i).rgb));
        expect(d.labels[i]).toBe(i % SIGN_NUM_CLASSES);
      }
    }
  });

  it('draws a sign of plausible size, with coverage in [0, 1] and a varied image', () => {
    for (let i = 0; i < 28; i++) {
      const r = renderSplitImage('train', i);
      const area = r.coverage.reduce((a, b) => a + b, 0);
      expect(Math.min(...r.coverage)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...r.coverage)).toBeLessThanOrEqual(1);
      // Radius 10–14.5 px: a sign covers roughly 150–650 pixels of the 1024 (occluders take some away).
      expect(area).toBeGreaterThan(100);
      expect(area).toBeLessThan(700);
      expect(Math.max(...r.rgb) - Math.min(...r.rgb)).toBeGreaterThan(60);
    }
  });

  it('renders every class recognisably: each random render is nearest to its own clean template', () => {
    const templates = Array.from({ length: SIGN_NUM_CLASSES }, (_, k) => renderSign(k, 0, { clean: true }));
    // Clean templates of different classes differ (mean absolute difference over all pixels, 0–255; 30 vs 50
    // differ only in one digit, about 3).
    for (let a = 0; a < SIGN_NUM_CLASSES; a++) {
      for (let b = a + 1; b < SIGN_NUM_CLASSES; b++) {
        let d = 0;
        for (let i = 0; i < PX * 3; i++) d += Math.abs(templates[a].rgb[i] - templates[b].rgb[i]);
        expect(d / (PX * 3), `${SIGN_CLASS_NAMES[a]} vs ${SIGN_CLASS_NAMES[b]}`).toBeGreaterThan(2);
      }
    }
    // Every random render, brought back to the frontal frame through its own pose, is nearest (normalised
    // correlation inside the disc of radius 0.85) to the clean template of its own class: the pose, lighting and
    // background vary, the sign stays the one its label says.
    const clean = templates[0].pose.toSign;
    const grid: [number, number][] = [];
    for (let y = 0; y < SIGN_SIZE; y++) {
      for (let x = 0; x < SIGN_SIZE; x++) {
        const [u, v] = apply3(clean, x + 0.5, y + 0.5);
        if (u * u + v * v < 0.85 * 0.85) grid.push([u, v]);
      }
    }
    const normalise = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const c = v.map((x) => x - m);
      const n = Math.sqrt(c.reduce((a, b) => a + b * b, 0)) || 1;
      return c.map((x) => x / n);
    };
    const rectify = (rgb: Uint8Array, toImage: Parameters<typeof apply3>[0]) =>
      normalise(grid.flatMap(([u, v]) => {
        const [x, y] = apply3(toImage, u, v);
        return [0, 1, 2].map((c) => bilinear(rgb, x - 0.5, y - 0.5, c));
      }));
    const tpl = templates.map((t) => rectify(t.rgb, t.pose.toImage));
    const perClass = 30;
    for (let k = 0; k < SIGN_NUM_CLASSES; k++) {
      let right = 0;
      for (let j = 0; j < perClass; j++) {
        const r = renderSplitImage('train', k + j * SIGN_NUM_CLASSES);
        const m = rectify(r.rgb, r.pose.toImage);
        const scores = tpl.map((t) => t.reduce((a, v, i) => a + v * m[i], 0));
        if (scores.indexOf(Math.max(...scores)) === k) right++;
      }
      // Occluders (a quarter of the images) and dim, blurred views cost a few.
      expect(right / perClass, `nearest-template accuracy of ${SIGN_CLASS_NAMES[k]}`).toBeGreaterThanOrEqual(0.7);
    }
  });

  it('places stop-sign stickers on the face, in the sign\'s own pose, within the area budget', () => {
    for (let i = 0; i < 10; i++) {
      const r = renderSplitImage('test', i * SIGN_NUM_CLASSES); // stop signs
      const area = r.coverage.reduce((a, b) => a + b, 0);
      for (const budget of [0.05, 0.1, 0.2]) {
        const m = signStickerMask(r, STOP_STICKERS, budget);
        const pixels = m.mask.reduce((a, b) => a + b, 0);
        expect(pixels).toBe(m.pixels);
        expect(pixels).toBeLessThanOrEqual(budget * area);
        // Not a token sticker: the shrinking stops close to the budget.
        expect(pixels).toBeGreaterThan(budget * area * 0.6);
        for (let p = 0; p < PX; p++) {
          if (!m.mask[p]) continue;
          expect(r.coverage[p]).toBeGreaterThanOrEqual(0.5);
          // In sign space the pixel lies above or below the lettering (|v| ≥ 0.3·shrink), never on it.
          const [, v] = apply3(r.pose.toSign, (p % SIGN_SIZE) + 0.5, Math.floor(p / SIGN_SIZE) + 0.5);
          expect(Math.abs(v)).toBeGreaterThan(0.1);
        }
      }
    }
  });

  it('rejects a bad class or seed in plain words', () => {
    expect(() => renderSign(SIGN_NUM_CLASSES, 1)).toThrow(/label must be an integer in 0–13/);
    expect(() => renderSign(0, Number.NaN)).toThrow(/seed must be a finite number/);
    expect(() => makeSignsDataset('test', 0)).toThrow(/count must be an integer/);
  });
});
