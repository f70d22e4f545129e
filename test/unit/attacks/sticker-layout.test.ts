/**
 * Sticker placement (lib/attacks/sticker-layout.ts, signs.ts defaultStickerRects): masks stay on the sign's face,
 * moves and resizes stay inside the image, and the default stop-sign stickers keep within 10 % of the sign.
 */
import { describe, it, expect } from 'vitest';
import { boundingRect, fitToFraction, layoutMask, moveRect, rectsMask, resizeRect } from '../../../src/lib/attacks/sticker-layout';
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
});
