/**
 * A tiny deterministic vector rasteriser for the procedural traffic signs (src/lib/data/signs.ts): shapes are
 * point-membership tests (polygons, discs, thick polylines) evaluated on a supersampling grid, so anti-aliasing is
 * the fraction of sub-samples covered.
 *
 * Why no canvas: the dataset must be the same bytes in Node, in a worker and in any browser. Canvas anti-aliasing
 * differs between engines; plain IEEE double arithmetic (+ − × ÷ and Math.sqrt, which are exactly rounded) does not.
 * Math.sin/cos/exp/log are only "implementation-approximated" by the ECMAScript spec, so this module brings its own
 * sine and cosine, built from + and × alone.
 */

/** A point in sign space: the sign's outline fits in the unit disc, x to the right, y downwards. */
export type Vec2 = readonly [number, number];
export type Rgb = readonly [number, number, number];

const TWO_PI = 6.283185307179586;
const PI = 3.141592653589793;
const HALF_PI = 1.5707963267948966;

/** sin(x) from a Taylor series after reduction to [−π/2, π/2]; error < 1e-12, identical in every JS engine. */
export function dsin(x: number): number {
  let r = x - TWO_PI * Math.floor(x / TWO_PI); // [0, 2π)
  if (r > PI) r -= TWO_PI; // (−π, π]
  if (r > HALF_PI) r = PI - r;
  else if (r < -HALF_PI) r = -PI - r;
  const r2 = r * r;
  // Horner form of r − r³/3! + r⁵/5! − … up to r¹⁷ (the next term is < 1e-14 on [−π/2, π/2]).
  let s = 1 / 355687428096000;
  s = s * -r2 + 1 / 1307674368000;
  s = s * -r2 + 1 / 6227020800;
  s = s * -r2 + 1 / 39916800;
  s = s * -r2 + 1 / 362880;
  s = s * -r2 + 1 / 5040;
  s = s * -r2 + 1 / 120;
  s = s * -r2 + 1 / 6;
  s = s * -r2 + 1;
  return r * s;
}

export function dcos(x: number): number {
  return dsin(x + HALF_PI);
}

export const deg = (d: number): number => (d * PI) / 180;

/** A 3×3 projective transform, row-major: (x, y) ↦ ((a x + b y + c) / w, (d x + e y + f) / w), w = g x + h y + i. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export function mul3(a: Mat3, b: Mat3): Mat3 {
  const o = new Array<number>(9) as Mat3;
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) o[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
  }
  return o;
}

export function invert3(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new Error('invert3: the transform is singular');
  const k = 1 / det;
  return [
    A * k, -(b * i - c * h) * k, (b * f - c * e) * k,
    B * k, (a * i - c * g) * k, -(a * f - c * d) * k,
    C * k, -(a * h - b * g) * k, (a * e - b * d) * k,
  ];
}

export function apply3(m: Mat3, x: number, y: number): [number, number] {
  const w = m[6] * x + m[7] * y + m[8];
  return [(m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w];
}

/** A shape: does it contain the point? Bounding boxes let a test skip most shapes cheaply. */
export interface Shape {
  box: [number, number, number, number]; // minX, minY, maxX, maxY
  contains(x: number, y: number): boolean;
}

function inBox(s: Shape, x: number, y: number): boolean {
  return x >= s.box[0] && x <= s.box[2] && y >= s.box[1] && y <= s.box[3];
}

export function disc(cx: number, cy: number, r: number): Shape {
  const r2 = r * r;
  return { box: [cx - r, cy - r, cx + r, cy + r], contains: (x, y) => (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r2 };
}

/** A polygon by the even–odd rule (any simple polygon, convex or not). */
export function polygon(points: Vec2[]): Shape {
  if (points.length < 3) throw new Error('polygon: needs at least 3 points');
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return {
    box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
    contains(x, y) {
      let inside = false;
      for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
        const [xi, yi] = points[i];
        const [xj, yj] = points[j];
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
      return inside;
    },
  };
}

/** A regular n-gon of circumradius r; `phase` rotates the first vertex from straight up. */
export function regularPolygon(n: number, cx: number, cy: number, r: number, phase = 0): Shape {
  return polygon(Array.from({ length: n }, (_, k): Vec2 => {
    const a = phase + (TWO_PI * k) / n;
    return [cx + r * dsin(a), cy - r * dcos(a)];
  }));
}

export function rect(x0: number, y0: number, x1: number, y1: number): Shape {
  return polygon([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]);
}

/** Polylines drawn with a round pen of the given width (the union of capsules around each segment). */
export function strokes(lines: Vec2[][], width: number): Shape {
  const segs: number[] = []; // x0, y0, dx, dy, 1/len² per segment
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const line of lines) {
    for (let k = 0; k < line.length; k++) {
      const [x0, y0] = line[k];
      const [x1, y1] = line[Math.min(k + 1, line.length - 1)];
      if (k > 0 && k === line.length - 1) break;
      const dx = x1 - x0;
      const dy = y1 - y0;
      const l2 = dx * dx + dy * dy;
      segs.push(x0, y0, dx, dy, l2 > 0 ? 1 / l2 : 0);
      minX = Math.min(minX, x0, x1); minY = Math.min(minY, y0, y1);
      maxX = Math.max(maxX, x0, x1); maxY = Math.max(maxY, y0, y1);
    }
  }
  const h = width / 2;
  const h2 = h * h;
  return {
    box: [minX - h, minY - h, maxX + h, maxY + h],
    contains(x, y) {
      for (let s = 0; s < segs.length; s += 5) {
        const px = x - segs[s];
        const py = y - segs[s + 1];
        let t = (px * segs[s + 2] + py * segs[s + 3]) * segs[s + 4];
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = px - t * segs[s + 2];
        const ey = py - t * segs[s + 3];
        if (ex * ex + ey * ey <= h2) return true;
      }
      return false;
    },
  };
}

export function union(...shapes: Shape[]): Shape {
  return {
    box: [
      Math.min(...shapes.map((s) => s.box[0])), Math.min(...shapes.map((s) => s.box[1])),
      Math.max(...shapes.map((s) => s.box[2])), Math.max(...shapes.map((s) => s.box[3])),
    ],
    contains: (x, y) => shapes.some((s) => inBox(s, x, y) && s.contains(x, y)),
  };
}

/** A shape mapped by an affine map of sign space (used to rotate an arrow, place a glyph). */
export function transformed(shape: Shape, m: Mat3): Shape {
  const inv = invert3(m);
  const [x0, y0, x1, y1] = shape.box;
  const corners = [apply3(m, x0, y0), apply3(m, x1, y0), apply3(m, x1, y1), apply3(m, x0, y1)];
  return {
    box: [
      Math.min(...corners.map((c) => c[0])), Math.min(...corners.map((c) => c[1])),
      Math.max(...corners.map((c) => c[0])), Math.max(...corners.map((c) => c[1])),
    ],
    contains(x, y) {
      const [u, v] = apply3(inv, x, y);
      return inBox(shape, u, v) && shape.contains(u, v);
    },
  };
}

export const translate = (tx: number, ty: number): Mat3 => [1, 0, tx, 0, 1, ty, 0, 0, 1];
export const scale = (sx: number, sy = sx): Mat3 => [sx, 0, 0, 0, sy, 0, 0, 0, 1];
export const rotate = (a: number): Mat3 => {
  const c = dcos(a);
  const s = dsin(a);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
};

/** Painted layers: the last layer containing a point gives its colour; the first layer is the outline. */
export interface Layer {
  shape: Shape;
  colour: Rgb;
}

/** The colour of the topmost layer at (x, y), or null outside the first layer (the sign's outline). */
export function paintAt(layers: readonly Layer[], x: number, y: number): Rgb | null {
  const outline = layers[0].shape;
  if (!inBox(outline, x, y) || !outline.contains(x, y)) return null;
  for (let k = layers.length - 1; k > 0; k--) {
    const s = layers[k].shape;
    if (inBox(s, x, y) && s.contains(x, y)) return layers[k].colour;
  }
  return layers[0].colour;
}

// ---------------------------------------------------------------------------------------------------------------
// A stroke font: just the glyphs the signs need, as polylines in a box 1 high and `advance` wide (y downwards).

function ellipse(cx: number, cy: number, rx: number, ry: number, steps = 20): Vec2[] {
  return Array.from({ length: steps + 1 }, (_, k): Vec2 => [cx + rx * dcos((TWO_PI * k) / steps), cy + ry * dsin((TWO_PI * k) / steps)]);
}

interface Glyph {
  advance: number;
  lines: Vec2[][];
}

const GLYPHS: Record<string, Glyph> = {
  '0': { advance: 0.62, lines: [ellipse(0.31, 0.5, 0.27, 0.46)] },
  '1': { advance: 0.45, lines: [[[0.08, 0.22], [0.3, 0.02], [0.3, 1]]] },
  '3': {
    advance: 0.62,
    lines: [[[0.04, 0.12], [0.22, 0.01], [0.42, 0.01], [0.57, 0.12], [0.57, 0.32], [0.42, 0.46], [0.24, 0.47], [0.45, 0.5], [0.6, 0.64], [0.6, 0.84], [0.44, 0.99], [0.2, 0.99], [0.02, 0.87]]],
  },
  '5': {
    advance: 0.62,
    lines: [[[0.56, 0.01], [0.1, 0.01], [0.06, 0.45], [0.3, 0.38], [0.48, 0.42], [0.6, 0.58], [0.6, 0.8], [0.46, 0.97], [0.22, 0.99], [0.02, 0.88]]],
  },
  '7': { advance: 0.6, lines: [[[0.02, 0.01], [0.58, 0.01], [0.22, 1]]] },
  S: {
    advance: 0.62,
    lines: [[[0.58, 0.12], [0.42, 0.01], [0.18, 0.01], [0.04, 0.14], [0.05, 0.34], [0.3, 0.49], [0.55, 0.62], [0.6, 0.84], [0.44, 0.99], [0.18, 0.99], [0.02, 0.87]]],
  },
  T: { advance: 0.62, lines: [[[0.0, 0.01], [0.62, 0.01]], [[0.31, 0.01], [0.31, 1]]] },
  O: { advance: 0.66, lines: [ellipse(0.33, 0.5, 0.29, 0.47)] },
  P: { advance: 0.58, lines: [[[0.06, 1], [0.06, 0.01], [0.38, 0.01], [0.55, 0.12], [0.56, 0.36], [0.4, 0.52], [0.06, 0.52]]] },
};

/**
 * Text centred on (cx, cy), `height` tall, drawn with a pen `weight`·height wide; `gap` is the extra letter spacing
 * as a fraction of the height.
 */
export function text(str: string, cx: number, cy: number, height: number, weight: number, gap = 0.12): Shape {
  const glyphs = [...str].map((ch) => {
    const g = GLYPHS[ch];
    if (!g) throw new Error(`text: no glyph for "${ch}"`);
    return g;
  });
  const width = glyphs.reduce((w, g) => w + g.advance, 0) + gap * (glyphs.length - 1);
  let x = cx - (width * height) / 2;
  const lines: Vec2[][] = [];
  for (const g of glyphs) {
    for (const line of g.lines) lines.push(line.map(([u, v]): Vec2 => [x + u * height, cy + (v - 0.5) * height]));
    x += (g.advance + gap) * height;
  }
  return strokes(lines, weight * height);
}

/** Width of `str` drawn by `text` at height 1 (to fit text inside a sign). */
export function textWidth(str: string, gap = 0.12): number {
  return [...str].reduce((w, ch) => w + (GLYPHS[ch]?.advance ?? 0), 0) + gap * (str.length - 1);
}
