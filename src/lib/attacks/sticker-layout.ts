/**
 * Where the stickers go, in image pixels (tfjs-free: the Attack Lab's sticker editor uses it on the main thread,
 * the sticker attack in the worker). A sticker is a whole-pixel rectangle; the mask the attack may paint is the
 * rectangles restricted to the sign's face, and its size is stated as a fraction of the sign's area.
 */

export interface StickerRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A rows × cols mask, 1 inside any rectangle (clipped to the image). */
export function rectsMask(rects: readonly StickerRect[], rows: number, cols: number): Float32Array {
  const m = new Float32Array(rows * cols);
  for (const r of rects) {
    for (const key of ['x', 'y', 'w', 'h'] as const) {
      if (!Number.isInteger(r[key])) throw new Error(`sticker rectangle ${key} must be a whole number of pixels, got ${r[key]}`);
    }
    if (r.w < 1 || r.h < 1) throw new Error(`a sticker rectangle must be at least 1×1 pixel, got ${r.w}×${r.h}`);
    for (let y = Math.max(0, r.y); y < Math.min(rows, r.y + r.h); y++) {
      for (let x = Math.max(0, r.x); x < Math.min(cols, r.x + r.w); x++) m[y * cols + x] = 1;
    }
  }
  return m;
}

export interface StickerLayout {
  /** rows × cols, 0/1: where the attack may paint. */
  mask: Float32Array;
  pixels: number;
  /** pixels / the sign's area (sum of face coverage). */
  fraction: number;
}

/**
 * The stickers on the sign: pixels inside a rectangle whose face coverage is at least one half (the same rule as
 * signs.ts signStickerMask), so a sticker dragged off the sign paints nothing there.
 */
export function layoutMask(rects: readonly StickerRect[], coverage: ArrayLike<number>, rows: number, cols: number): StickerLayout {
  if (coverage.length !== rows * cols) throw new Error(`coverage must hold ${rows}×${cols} values, got ${coverage.length}`);
  const mask = rectsMask(rects, rows, cols);
  let pixels = 0;
  let area = 0;
  for (let p = 0; p < mask.length; p++) {
    area += coverage[p];
    if (mask[p] > 0 && coverage[p] >= 0.5) pixels++;
    else mask[p] = 0;
  }
  return { mask, pixels, fraction: area > 0 ? pixels / area : 0 };
}

/** A rectangle moved by (dx, dy), kept inside the image. */
export function moveRect(r: StickerRect, dx: number, dy: number, rows: number, cols: number): StickerRect {
  return { ...r, x: Math.max(0, Math.min(cols - r.w, r.x + Math.round(dx))), y: Math.max(0, Math.min(rows - r.h, r.y + Math.round(dy))) };
}

/** A rectangle resized by (dw, dh) from its top-left corner: at least 1×1, inside the image. */
export function resizeRect(r: StickerRect, dw: number, dh: number, rows: number, cols: number): StickerRect {
  return { ...r, w: Math.max(1, Math.min(cols - r.x, r.w + Math.round(dw))), h: Math.max(1, Math.min(rows - r.y, r.h + Math.round(dh))) };
}

/** The smallest rectangle holding every 1 of a mask, or null for an empty mask. */
export function boundingRect(mask: ArrayLike<number>, rows: number, cols: number): StickerRect | null {
  let x0 = cols, y0 = rows, x1 = -1, y1 = -1;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      if (!(mask[y * cols + x] > 0)) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/**
 * Shrinks the rectangles (each by one pixel in height, then width, in turn) until the stickers cover at most
 * `maxFraction` of the sign: the budget the issue sets (10 % of the sign's area).
 */
export function fitToFraction(rects: readonly StickerRect[], coverage: ArrayLike<number>, rows: number, cols: number, maxFraction: number): StickerRect[] {
  let out = rects.map((r) => ({ ...r }));
  for (let turn = 0; turn < 4 * (rows + cols); turn++) {
    if (layoutMask(out, coverage, rows, cols).fraction <= maxFraction) return out;
    const alongHeight = turn % 2 === 0;
    out = out.map((r) => {
      if (alongHeight && r.h > 1) return { ...r, y: r.y + (turn % 4 === 0 ? 1 : 0), h: r.h - 1 };
      if (!alongHeight && r.w > 1) return { ...r, x: r.x + (turn % 4 === 1 ? 1 : 0), w: r.w - 1 };
      return r;
    });
  }
  return out;
}

/**
 * Stickers placed where they pay most (RP2 puts its stickers where a first, unconstrained perturbation is strongest):
 * `count` non-overlapping rectangles, chosen greedily, each the one of largest summed `saliency` among every position
 * and shape (from square to 4:1 either way) that paints at most its share of the budget — `maxFraction` of the sign's
 * area in face pixels (coverage ≥ 0.5, the pixels the mask keeps), split evenly over the stickers still to place, so
 * what one sticker leaves unused goes to the next and the stickers use the whole budget. A rectangle reaching off
 * the face is charged only for the face pixels it paints (the mask drops the rest); pixels off the face score nothing.
 */
export function salientRects(
  saliency: ArrayLike<number>,
  coverage: ArrayLike<number>,
  rows: number,
  cols: number,
  opts: { count: number; maxFraction: number },
): StickerRect[] {
  const P = rows * cols;
  if (saliency.length !== P || coverage.length !== P) throw new Error(`saliency and coverage must hold ${rows}×${cols} values, got ${saliency.length} and ${coverage.length}`);
  if (!(Number.isInteger(opts.count) && opts.count >= 1)) throw new Error(`count must be a whole number ≥ 1, got ${opts.count}`);
  if (!(opts.maxFraction > 0 && opts.maxFraction <= 1)) throw new Error(`maxFraction must be in (0, 1], got ${opts.maxFraction}`);
  let area = 0;
  for (let p = 0; p < P; p++) area += coverage[p];
  // The same count layoutMask states the fraction from: pixels ≤ maxFraction · area.
  const budget = Math.floor(opts.maxFraction * area + 1e-9);
  const score = Float64Array.from({ length: P }, (_, p) => (coverage[p] >= 0.5 ? Math.max(0, saliency[p]) : 0));
  // 1 where a sticker would paint (on the face), and 1 where an earlier sticker lies (stickers do not overlap).
  const face = Float64Array.from({ length: P }, (_, p) => (coverage[p] >= 0.5 ? 1 : 0));
  const taken = new Float64Array(P);
  const table = (v: Float64Array) => {
    // Summed-area table, so each rectangle's sum is four look-ups.
    const sat = new Float64Array((rows + 1) * (cols + 1));
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        sat[(y + 1) * (cols + 1) + x + 1] = v[y * cols + x] + sat[y * (cols + 1) + x + 1] + sat[(y + 1) * (cols + 1) + x] - sat[y * (cols + 1) + x];
      }
    }
    return (r: StickerRect) => sat[(r.y + r.h) * (cols + 1) + r.x + r.w] - sat[r.y * (cols + 1) + r.x + r.w] - sat[(r.y + r.h) * (cols + 1) + r.x] + sat[r.y * (cols + 1) + r.x];
  };
  const out: StickerRect[] = [];
  let used = 0;
  for (let k = 0; k < opts.count; k++) {
    const share = Math.floor((budget - used) / (opts.count - k));
    if (share < 1) break;
    const scoreOf = table(score);
    const paintsOf = table(face);
    const overlapOf = table(taken);
    let best: StickerRect | null = null;
    let bestScore = 0;
    let bestPaints = 0;
    for (let w = 1; w <= cols; w++) {
      // Heights from w/4 up to 4w; the sums only grow with h (scores ≥ 0), so stop once a rectangle paints too much
      // or meets an earlier sticker.
      for (let y = 0; y < rows; y++) {
        for (let x = 0; x + w <= cols; x++) {
          for (let h = Math.max(1, Math.ceil(w / 4)); h <= 4 * w && y + h <= rows; h++) {
            const r = { x, y, w, h };
            const paints = Math.round(paintsOf(r));
            if (paints > share || overlapOf(r) > 0) break;
            const s = scoreOf(r);
            if (s > bestScore) {
              bestScore = s;
              best = r;
              bestPaints = paints;
            }
          }
        }
      }
    }
    if (!best) break;
    out.push(best);
    used += bestPaints;
    for (let y = best.y; y < best.y + best.h; y++) for (let x = best.x; x < best.x + best.w; x++) taken[y * cols + x] = 1;
  }
  return out;
}
