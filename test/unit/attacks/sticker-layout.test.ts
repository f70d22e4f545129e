/**
 * Sticker placement (lib/attacks/sticker-layout.ts, signs.ts defaultStickerRects): masks stay on the sign's face,
 * moves and resizes stay inside the image, and the default stop-sign stickers keep within 10 % of the sign.
 */
import { describe, it, expect } from 'vitest';
import { boundingRect, fitToFraction, layoutMask, moveRect, rectsMask, resizeRect, salientRects } from '../../../src/lib/attacks/sticker-layout';
import { defaultStickerRects, renderSplitImage, signStickerMask, SIGN_SIZE, STOP_STICKERS_CENTRE } from '../../../src/lib/data/signs';

describe('sticker layout', () => {
  it('keeps only pixels on the face (coverage ≥ 0.5) and states the fraction of the face area', () => {
    const coverage = new Float32Array(16);
    coverage.set([1, 1, 0.4, 0], 0); // row 0: two face pixels, one mostly off, one off
    coverage.set([1, 1, 1, 1], 4);
    const { mask, pixels, fraction } = layoutMask([{ x: 0, y: 0, w: 4, h: 1 }], coverage, 4, 4);
    expect(Array.from(mask.subarray(0, 4))).toEqual([1, 1, 0, 0]);
    expect(pixels).toBe(2);
    expect(fraction).toBeCloseTo(2 / 6.4, 6);
  });

  it('moves and resizes by whole pixels inside the image, never below 1×1', () => {
    const r = { x: 1, y: 1, w: 3, h: 2 };
    expect(moveRect(r, -5, 0, 8, 8)).toEqual({ x: 0, y: 1, w: 3, h: 2 });
    expect(moveRect(r, 10, 10, 8, 8)).toEqual({ x: 5, y: 6, w: 3, h: 2 });
    expect(resizeRect(r, -9, 1, 8, 8)).toEqual({ x: 1, y: 1, w: 1, h: 3 });
    expect(resizeRect(r, 20, 0, 8, 8)).toEqual({ x: 1, y: 1, w: 7, h: 2 });
  });

  it('boxes a mask', () => {
    expect(boundingRect(rectsMask([{ x: 2, y: 3, w: 2, h: 1 }, { x: 5, y: 1, w: 1, h: 1 }], 8, 8), 8, 8)).toEqual({ x: 2, y: 1, w: 4, h: 3 });
    expect(boundingRect(new Float32Array(4), 2, 2)).toBeNull();
  });

  it('shrinks rectangles until they fit the budget', () => {
    const coverage = new Float32Array(100).fill(1);
    const fitted = fitToFraction([{ x: 0, y: 0, w: 10, h: 10 }], coverage, 10, 10, 0.2);
    expect(layoutMask(fitted, coverage, 10, 10).fraction).toBeLessThanOrEqual(0.2);
    expect(layoutMask(fitted, coverage, 10, 10).pixels).toBeGreaterThan(10);
  });

  it('places the default stickers on stop signs within 10 % of the sign, over the sign-space bars', () => {
    for (const index of [0, 14, 28, 42]) {
      const render = renderSplitImage('test', index);
      expect(render.label).toBe(0);
      const rects = defaultStickerRects(render);
      expect(rects).toHaveLength(2);
      const layout = layoutMask(rects, render.coverage, SIGN_SIZE, SIGN_SIZE);
      expect(layout.fraction).toBeLessThanOrEqual(0.1);
      expect(layout.fraction).toBeGreaterThan(0.03);
      // Most of the sign-space stickers' own pixels lie inside the boxes.
      const own = signStickerMask(render, STOP_STICKERS_CENTRE, 0.1).mask;
      let inside = 0, total = 0;
      for (let p = 0; p < own.length; p++) if (own[p] > 0) { total++; if (layout.mask[p] > 0) inside++; }
      expect(inside / total).toBeGreaterThan(0.6);
    }
  });

  it('places salient stickers on the best rectangles within the budget, on the face, without overlap', () => {
    const rows = 10;
    const cols = 12;
    const coverage = new Float32Array(rows * cols).fill(1);
    for (let x = 0; x < cols; x++) coverage[x] = 0; // row 0 is off the sign
    const saliency = new Float32Array(rows * cols).fill(0.01);
    const hot = (x: number, y: number, v: number) => (saliency[y * cols + x] = v);
    // Row 0 is the hottest of all but off the face; a 1×3 column and a lone pixel are the hot spots on it.
    for (let x = 0; x < cols; x++) hot(x, 0, 100);
    for (let y = 5; y < 8; y++) hot(2, y, 5);
    hot(9, 2, 8);
    const area = coverage.reduce((a, b) => a + b, 0); // 108
    const rects = salientRects(saliency, coverage, rows, cols, { count: 2, maxFraction: 6 / area + 1e-9 });
    // Budget 6 pixels, 3 per sticker: the column (15), then the lone pixel (8) with two neighbours.
    expect(rects).toHaveLength(2);
    const masks = rects.map((r) => layoutMask([r], coverage, rows, cols));
    for (const m of masks) expect(m.pixels).toBeLessThanOrEqual(3);
    expect(layoutMask(rects, coverage, rows, cols).fraction).toBeLessThanOrEqual(6 / area + 1e-9);
    const sum = (r: { x: number; y: number; w: number; h: number }) => {
      let s = 0;
      for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) s += coverage[y * cols + x] >= 0.5 ? saliency[y * cols + x] : 0;
      return s;
    };
    // The first sticker is the best of every rectangle of at most 3 pixels (brute force), aspect ≤ 4:1.
    let best = 0;
    for (let h = 1; h <= 3; h++) for (let w = 1; w * h <= 3; w++) {
      for (let y = 0; y + h <= rows; y++) for (let x = 0; x + w <= cols; x++) best = Math.max(best, sum({ x, y, w, h }));
    }
    expect(sum(rects[0])).toBeCloseTo(best, 9);
    expect(sum(rects[0])).toBeCloseTo(15, 9);
    expect(rects[0].x).toBe(2);
    expect(rects[1].x <= 9 && rects[1].x + rects[1].w > 9 && rects[1].y <= 2 && rects[1].y + rects[1].h > 2).toBe(true);
    // No overlap: the union has as many pixels as the two apart.
    expect(layoutMask(rects, coverage, rows, cols).pixels).toBe(masks[0].pixels + masks[1].pixels);
    expect(() => salientRects(saliency, coverage, rows, cols, { count: 0, maxFraction: 0.1 })).toThrow(/count/);
    expect(() => salientRects(saliency.subarray(1), coverage, rows, cols, { count: 1, maxFraction: 0.1 })).toThrow(/10×12/);
  });

  it('salient stickers use the whole budget: what one leaves goes to the next, and pixels off the face cost nothing', () => {
    const rows = 8;
    const cols = 8;
    const coverage = new Float32Array(rows * cols).fill(1);
    const saliency = new Float32Array(rows * cols).fill(1);
    // Budget 7 face pixels over 2 stickers: shares 3 and then 4 (an even split of 3 + 3 would leave one unused).
    const area = rows * cols;
    const rects = salientRects(saliency, coverage, rows, cols, { count: 2, maxFraction: 7 / area });
    const union = layoutMask(rects, coverage, rows, cols);
    expect(union.pixels).toBe(7);
    expect(union.fraction).toBeLessThanOrEqual(7 / area + 1e-12);
    expect(layoutMask([rects[0]], coverage, rows, cols).pixels + layoutMask([rects[1]], coverage, rows, cols).pixels).toBe(7);
    // A face that is only the left half: a sticker may reach off it, and is charged only for the pixels it paints.
    const half = new Float32Array(rows * cols);
    for (let y = 0; y < rows; y++) for (let x = 0; x < cols / 2; x++) half[y * cols + x] = 1;
    const hot = new Float32Array(rows * cols).fill(0.01);
    for (let y = 0; y < rows; y++) hot[y * cols + 3] = 10; // the face's right-hand column is where it pays
    const edge = salientRects(hot, half, rows, cols, { count: 1, maxFraction: 8 / 32 });
    const m = layoutMask(edge, half, rows, cols);
    expect(m.pixels).toBe(8);
    for (let y = 0; y < rows; y++) expect(m.mask[y * cols + 3]).toBe(1); // the whole hot column
    expect(m.fraction).toBeLessThanOrEqual(8 / 32);
  });
});
