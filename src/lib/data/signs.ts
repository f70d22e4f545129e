/**
 * Procedural traffic signs: a colour image dataset rendered from a seed, the same bytes in Node and in the browser
 * (no canvas: src/lib/data/raster.ts). 14 classes modelled on real sign families, 32×32 RGB, HWC bytes.
 *
 * One image = one seed. From it come the pose (position, size, roll, foreshortening, perspective), the background
 * (sky, foliage, brick wall, asphalt, building facade), a pole, the paint's fading, the lighting (brightness,
 * colour cast, shading across the face, contrast), an occluder now and then (leaves, a post), blur and sensor noise.
 * The split is fixed: training image i and test image i come from two disjoint seed streams, and image i shows
 * class i mod 14, so every prefix is balanced.
 *
 * Randomness never goes through Math.sin/cos/log (engine-dependent): the generator is mulberry32 (util/rng.ts), used
 * only through next(), and normal noise is an Irwin–Hall sum of uniforms.
 */
import { createRng, type Rng } from '../util/rng';
import {
  apply3, deg, disc, invert3, mul3, paintAt, polygon, rect, regularPolygon, rotate, scale, strokes, text, textWidth,
  transformed, translate, union, type Layer, type Mat3, type Rgb, type Shape, type Vec2,
} from './raster';
import { validateImageDataset, type ImageDataset } from './dataset';
import { boundingRect, fitToFraction, type StickerRect } from '../attacks/sticker-layout';

export const SIGN_SIZE = 32;
export const SIGN_CHANNELS = 3;
/** Sub-samples per pixel side: 4×4 = 16 coverage samples per pixel. */
const SUPERSAMPLE = 4;

const RED: Rgb = [0.8, 0.07, 0.09];
const WHITE: Rgb = [0.95, 0.95, 0.93];
const BLUE: Rgb = [0.05, 0.27, 0.66];
const YELLOW: Rgb = [0.98, 0.76, 0.06];
const BLACK: Rgb = [0.07, 0.07, 0.08];

function speedLimit(limit: string): Layer[] {
  const height = Math.min(0.66, 1.22 / textWidth(limit));
  return [
    { shape: disc(0, 0, 1), colour: RED },
    { shape: disc(0, 0, 0.76), colour: WHITE },
    { shape: text(limit, 0, 0.01, height, 0.17, 0.1), colour: BLACK },
  ];
}

function arrow(angle: number): Shape {
  const up = union(rect(-0.14, -0.12, 0.14, 0.64), polygon([[0, -0.7], [0.44, -0.1], [-0.44, -0.1]]));
  return angle === 0 ? up : transformed(up, rotate(angle));
}

function mandatory(angle: number): Layer[] {
  return [
    { shape: disc(0, 0, 1), colour: WHITE },
    { shape: disc(0, 0, 0.92), colour: BLUE },
    { shape: arrow(angle), colour: WHITE },
  ];
}

/** The walking figure of the pedestrian-crossing sign. */
function pedestrian(): Shape {
  const limbs: Vec2[][] = [
    [[0.02, -0.12], [-0.05, 0.16]], // body
    [[-0.05, 0.16], [-0.22, 0.42]], // back leg
    [[-0.05, 0.16], [0.1, 0.28], [0.14, 0.44]], // front leg
    [[-0.2, 0.06], [-0.06, -0.06], [0.08, 0.0], [0.2, 0.1]], // arms
  ];
  return union(disc(0.04, -0.27, 0.09), strokes(limbs, 0.1));
}

export interface SignClass {
  id: string;
  name: string;
  layers: Layer[];
}

/** The classes, in label order. Shapes live in sign space: the outline fits the unit disc, y downwards. */
export const SIGN_CLASSES: readonly SignClass[] = [
  {
    id: 'stop',
    name: 'Stop',
    layers: [
      { shape: regularPolygon(8, 0, 0, 1, deg(22.5)), colour: WHITE },
      { shape: regularPolygon(8, 0, 0, 0.9, deg(22.5)), colour: RED },
      { shape: text('STOP', 0, 0, 0.42, 0.2, 0.1), colour: WHITE },
    ],
  },
  {
    id: 'yield',
    name: 'Yield',
    layers: [
      { shape: regularPolygon(3, 0, -0.1, 1.05, deg(180)), colour: RED },
      { shape: regularPolygon(3, 0, -0.1, 0.6, deg(180)), colour: WHITE },
    ],
  },
  { id: 'speed-30', name: 'Speed limit 30', layers: speedLimit('30') },
  { id: 'speed-50', name: 'Speed limit 50', layers: speedLimit('50') },
  { id: 'speed-70', name: 'Speed limit 70', layers: speedLimit('70') },
  { id: 'speed-100', name: 'Speed limit 100', layers: speedLimit('100') },
  {
    id: 'no-entry',
    name: 'No entry',
    layers: [
      { shape: disc(0, 0, 1), colour: RED },
      { shape: rect(-0.68, -0.17, 0.68, 0.17), colour: WHITE },
    ],
  },
  {
    id: 'priority-road',
    name: 'Priority road',
    layers: [
      { shape: regularPolygon(4, 0, 0, 1), colour: WHITE },
      { shape: regularPolygon(4, 0, 0, 0.86), colour: BLACK },
      { shape: regularPolygon(4, 0, 0, 0.8), colour: WHITE },
      { shape: regularPolygon(4, 0, 0, 0.62), colour: YELLOW },
    ],
  },
  {
    id: 'pedestrian-crossing',
    name: 'Pedestrian crossing',
    layers: [
      { shape: rect(-0.82, -0.82, 0.82, 0.82), colour: WHITE },
      { shape: rect(-0.76, -0.76, 0.76, 0.76), colour: BLUE },
      { shape: regularPolygon(3, 0, 0.1, 0.8), colour: WHITE },
      { shape: pedestrian(), colour: BLACK },
    ],
  },
  { id: 'ahead-only', name: 'Ahead only', layers: mandatory(0) },
  { id: 'turn-left', name: 'Turn left', layers: mandatory(deg(-90)) },
  { id: 'turn-right', name: 'Turn right', layers: mandatory(deg(90)) },
  {
    id: 'caution',
    name: 'General caution',
    layers: [
      { shape: regularPolygon(3, 0, 0.12, 1.05), colour: RED },
      { shape: regularPolygon(3, 0, 0.12, 0.66), colour: WHITE },
      { shape: union(strokes([[[0, -0.2], [0, 0.2]]], 0.14), disc(0, 0.36, 0.08)), colour: BLACK },
    ],
  },
  {
    id: 'no-stopping',
    name: 'No stopping',
    layers: [
      { shape: disc(0, 0, 1), colour: RED },
      { shape: disc(0, 0, 0.76), colour: BLUE },
      { shape: strokes([[[-0.56, -0.56], [0.56, 0.56]], [[0.56, -0.56], [-0.56, 0.56]]], 0.22), colour: RED },
    ],
  },
];

export const SIGN_CLASS_NAMES: string[] = SIGN_CLASSES.map((c) => c.name);
export const SIGN_NUM_CLASSES = SIGN_CLASSES.length;

export function signClassIndex(id: string): number {
  const k = SIGN_CLASSES.findIndex((c) => c.id === id);
  if (k < 0) throw new Error(`sign class must be one of ${SIGN_CLASSES.map((c) => c.id).join(', ')}, got "${id}"`);
  return k;
}

/** The fixed split: how many images each has (class i mod 14, so both are balanced). */
export const SIGNS_SPLIT_SIZES = { train: 28_000, test: 2_800 } as const;
export type SignsSplit = keyof typeof SIGNS_SPLIT_SIZES;
const SPLIT_STREAM: Record<SignsSplit, number> = { train: 0x5167a1, test: 0x7e57b2 };

/** A 32-bit integer hash (murmur3's finaliser): image seeds that are unrelated for neighbouring indices. */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x85ebca6b, 0xcc9e2d51) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The seed of image `index` of a split. */
export function signSeed(split: SignsSplit, index: number): number {
  return mix(SPLIT_STREAM[split], index);
}

/** How one image was drawn (what the sticker attack needs to place stickers on the sign's face). */
export interface SignPose {
  /** Sign space → image pixel coordinates (x right, y down; pixel centres at k + 0.5). */
  toImage: Mat3;
  /** Image pixel coordinates → sign space. */
  toSign: Mat3;
}

export interface SignRender {
  /** SIGN_SIZE² × 3 bytes, HWC (RGB interleaved), row-major. */
  rgb: Uint8Array;
  /** Per pixel, the fraction of the pixel covered by the sign's face (occluders excluded), in [0, 1]. */
  coverage: Float32Array;
  label: number;
  pose: SignPose;
}

export interface RenderOptions {
  /** A frontal, evenly lit sign on a plain grey background, no blur, noise or occluder (templates, gallery). */
  clean?: boolean;
}

// --- backgrounds --------------------------------------------------------------------------------------------------

type Background = (x: number, y: number) => [number, number, number];

/** Smooth value noise on a `cells`×`cells` lattice over the image, in [0, 1]. */
function valueNoise(rng: Rng, cells: number): (x: number, y: number) => number {
  const n = cells + 1;
  const lattice = Float64Array.from({ length: n * n }, () => rng.next());
  const step = SIGN_SIZE / cells;
  return (x, y) => {
    const gx = x / step;
    const gy = y / step;
    const ix = Math.min(cells - 1, Math.floor(gx));
    const iy = Math.min(cells - 1, Math.floor(gy));
    let fx = gx - ix;
    let fy = gy - iy;
    fx = fx * fx * (3 - 2 * fx);
    fy = fy * fy * (3 - 2 * fy);
    const a = lattice[iy * n + ix];
    const b = lattice[iy * n + ix + 1];
    const c = lattice[(iy + 1) * n + ix];
    const d = lattice[(iy + 1) * n + ix + 1];
    return a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
  };
}

function sky(rng: Rng): Background {
  const overcast = rng.next() < 0.3;
  const top: Rgb = overcast ? grey(rng.uniform(0.6, 0.85)) : [rng.uniform(0.25, 0.5), rng.uniform(0.5, 0.72), rng.uniform(0.8, 1)];
  const bottom: Rgb = overcast ? grey(rng.uniform(0.7, 0.92)) : [rng.uniform(0.6, 0.85), rng.uniform(0.75, 0.9), rng.uniform(0.9, 1)];
  const clouds = valueNoise(rng, 3);
  const amount = rng.uniform(0, 0.9);
  return (x, y) => {
    const t = y / SIGN_SIZE;
    const c = Math.max(0, clouds(x, y) - 0.5) * 2 * amount;
    return [0, 1, 2].map((k) => (top[k] + (bottom[k] - top[k]) * t) * (1 - c) + 0.95 * c) as [number, number, number];
  };
}

function foliage(rng: Rng): Background {
  const base: Rgb = [rng.uniform(0.08, 0.3), rng.uniform(0.25, 0.5), rng.uniform(0.04, 0.16)];
  const coarse = valueNoise(rng, 4);
  const fine = valueNoise(rng, 11);
  return (x, y) => {
    const v = 0.35 + 0.8 * coarse(x, y) + 0.6 * (fine(x, y) - 0.5);
    const yellowing = fine(y, x) * 0.15;
    return [base[0] * v + yellowing, base[1] * v + yellowing * 0.6, base[2] * v];
  };
}

function brickWall(rng: Rng): Background {
  const brick: Rgb = [rng.uniform(0.45, 0.72), rng.uniform(0.18, 0.34), rng.uniform(0.1, 0.22)];
  const mortar = grey(rng.uniform(0.55, 0.8));
  const h = rng.uniform(3, 6);
  const w = h * rng.uniform(1.8, 2.6);
  const shade = Float64Array.from({ length: 256 }, () => rng.uniform(0.8, 1.15));
  const ox = rng.uniform(0, w);
  const oy = rng.uniform(0, h);
  return (x, y) => {
    const row = Math.floor((y + oy) / h);
    const xx = x + ox + (row % 2 === 0 ? 0 : w / 2);
    const col = Math.floor(xx / w);
    const inMortar = (y + oy) - row * h < 0.8 || xx - col * w < 0.8;
    if (inMortar) return [...mortar] as [number, number, number];
    const s = shade[((row * 31 + col * 7) % 256 + 256) % 256];
    return [brick[0] * s, brick[1] * s, brick[2] * s];
  };
}

function asphalt(rng: Rng): Background {
  const g = rng.uniform(0.2, 0.45);
  const tint = rng.uniform(-0.03, 0.03);
  const grain = valueNoise(rng, 16);
  const stripe = rng.next() < 0.5;
  const stripeX = rng.uniform(4, 28);
  const stripeW = rng.uniform(1.5, 3);
  const stripeCol: Rgb = rng.next() < 0.7 ? [0.85, 0.85, 0.82] : [0.85, 0.7, 0.15];
  return (x, y) => {
    if (stripe && Math.abs(x - stripeX - (y - 16) * 0.3) < stripeW / 2) return [...stripeCol] as [number, number, number];
    const v = g * (0.8 + 0.4 * grain(x, y));
    return [v + tint, v, v - tint];
  };
}

function facade(rng: Rng): Background {
  const wall: Rgb = [rng.uniform(0.55, 0.85), rng.uniform(0.5, 0.8), rng.uniform(0.4, 0.7)];
  const glass: Rgb = [rng.uniform(0.1, 0.3), rng.uniform(0.15, 0.35), rng.uniform(0.2, 0.45)];
  const px = rng.uniform(7, 12);
  const py = rng.uniform(8, 13);
  const ww = px * rng.uniform(0.4, 0.65);
  const wh = py * rng.uniform(0.45, 0.7);
  const ox = rng.uniform(0, px);
  const oy = rng.uniform(0, py);
  const stain = valueNoise(rng, 3);
  return (x, y) => {
    const fx = (x + ox) % px;
    const fy = (y + oy) % py;
    const s = 0.85 + 0.3 * stain(x, y);
    const c = fx < ww && fy < wh ? glass : wall;
    return [c[0] * s, c[1] * s, c[2] * s];
  };
}

const BACKGROUNDS = [sky, foliage, brickWall, asphalt, facade];

function grey(v: number): Rgb {
  return [v, v, v];
}

// --- rendering ----------------------------------------------------------------------------------------------------

/** Irwin–Hall: the sum of three uniforms, centred and scaled to unit variance (no Math.log/sin). */
function gaussianish(rng: Rng): number {
  return (rng.next() + rng.next() + rng.next() - 1.5) * 2;
}

/** Renders class `label` from `seed` (see the module comment for what varies). */
export function renderSign(label: number, seed: number, options: RenderOptions = {}): SignRender {
  if (!Number.isInteger(label) || label < 0 || label >= SIGN_NUM_CLASSES) {
    throw new Error(`label must be an integer in 0–${SIGN_NUM_CLASSES - 1}, got ${label}`);
  }
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
  const rng = createRng(seed);
  const clean = options.clean === true;
  const layers = SIGN_CLASSES[label].layers;
  const S = SIGN_SIZE;

  // Pose: sign space → image. Perspective first (a plane seen off-axis), then foreshortening, roll, size, position.
  const radius = clean ? 13 : rng.uniform(10, 14.5);
  const cx = clean ? S / 2 : S / 2 + rng.uniform(-2.5, 2.5);
  const cy = clean ? S / 2 : S / 2 + rng.uniform(-2.5, 2.5);
  const roll = clean ? 0 : deg(rng.uniform(-12, 12));
  const fore = clean ? 1 : rng.uniform(0.72, 1);
  const foreAxis = clean ? 0 : deg(rng.uniform(-30, 30));
  const g = clean ? 0 : rng.uniform(-0.12, 0.12);
  const h = clean ? 0 : rng.uniform(-0.12, 0.12);
  const perspective: Mat3 = [1, 0, 0, 0, 1, 0, g, h, 1];
  const foreshorten = mul3(rotate(foreAxis), mul3(scale(fore, 1), rotate(-foreAxis)));
  const toImage = mul3(translate(cx, cy), mul3(scale(radius), mul3(rotate(roll), mul3(foreshorten, perspective))));
  const toSign = invert3(toImage);

  // Appearance.
  const background = clean ? () => [0.5, 0.5, 0.5] as [number, number, number] : BACKGROUNDS[rng.int(BACKGROUNDS.length)](rng);
  const pole = !clean && rng.next() < 0.75;
  const poleShape = pole
    ? (() => {
        // The post runs down from the centre, rolled with the camera.
        const [dx, dy] = apply3(rotate(roll), 0, 40);
        return strokes([[[cx, cy], [cx + dx, cy + dy]]], rng.uniform(1.2, 2.4));
      })()
    : null;
  const poleGrey = rng.uniform(0.35, 0.65);
  const fade = clean ? 0 : rng.uniform(0, 0.25);
  const lightDir: Vec2 = clean ? [0, 0] : [rng.uniform(-1, 1), rng.uniform(-1, 1)];
  const shading = clean ? 0 : rng.uniform(0, 0.18);
  const occluder = !clean && rng.next() < 0.25 ? makeOccluder(rng, cx, cy, radius) : null;

  const rgb = new Float64Array(S * S * 3);
  const coverage = new Float32Array(S * S);
  const sub = SUPERSAMPLE;
  const w = 1 / (sub * sub);
  for (let py = 0; py < S; py++) {
    for (let px = 0; px < S; px++) {
      const bg = background(px + 0.5, py + 0.5);
      let r = 0, gg = 0, b = 0, covered = 0;
      for (let sy = 0; sy < sub; sy++) {
        for (let sx = 0; sx < sub; sx++) {
          const x = px + (sx + 0.5) / sub;
          const y = py + (sy + 0.5) / sub;
          if (occluder && occluder.shape.contains(x, y)) {
            r += occluder.colour[0]; gg += occluder.colour[1]; b += occluder.colour[2];
            continue;
          }
          const [u, v] = apply3(toSign, x, y);
          const paint = paintAt(layers, u, v);
          if (paint) {
            covered++;
            const lit = 1 + shading * (u * lightDir[0] + v * lightDir[1]);
            r += (paint[0] + (0.92 - paint[0]) * fade) * lit;
            gg += (paint[1] + (0.92 - paint[1]) * fade) * lit;
            b += (paint[2] + (0.92 - paint[2]) * fade) * lit;
          } else if (poleShape && poleShape.contains(x, y)) {
            r += poleGrey; gg += poleGrey; b += poleGrey * 1.03;
          } else {
            r += bg[0]; gg += bg[1]; b += bg[2];
          }
        }
      }
      const o = (py * S + px) * 3;
      rgb[o] = r * w;
      rgb[o + 1] = gg * w;
      rgb[o + 2] = b * w;
      coverage[py * S + px] = covered * w;
    }
  }

  if (!clean) {
    // Lighting: overall brightness, a colour cast (white balance), contrast about mid-grey.
    const brightness = rng.uniform(0.5, 1.25);
    const cast = [rng.uniform(0.85, 1.15), rng.uniform(0.9, 1.1), rng.uniform(0.85, 1.15)];
    const contrast = rng.uniform(0.75, 1.1);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (rgb[i] * brightness * cast[i % 3] - 0.5) * contrast + 0.5;
    // Defocus: a separable [a, 1 − 2a, a] kernel, sometimes.
    // (Stronger blur than this erases the digits of the speed limits at this size.)
    const passes = rng.next() < 0.6 ? 1 : 0;
    const a = rng.uniform(0.08, 0.25);
    for (let p = 0; p < passes; p++) blur3(rgb, a);
    // Sensor noise.
    const sigma = rng.uniform(0.004, 0.04);
    for (let i = 0; i < rgb.length; i++) rgb[i] += sigma * gaussianish(rng);
  }

  const bytes = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) {
    const v = rgb[i] < 0 ? 0 : rgb[i] > 1 ? 1 : rgb[i];
    bytes[i] = Math.round(v * 255);
  }
  return { rgb: bytes, coverage, label, pose: { toImage, toSign } };
}

/** Leaves or a post in front of part of the sign (image space). */
function makeOccluder(rng: Rng, cx: number, cy: number, radius: number): { shape: Shape; colour: Rgb } {
  const angle = rng.uniform(0, 6.283185307179586);
  // A unit direction from a uniform angle without Math.sin/cos: the raster module's own.
  const dir = apply3(rotate(angle), 0, -1);
  const dist = radius * rng.uniform(0.85, 1.25);
  const ox = cx + dir[0] * dist;
  const oy = cy + dir[1] * dist;
  if (rng.next() < 0.6) {
    const leaf: Rgb = [rng.uniform(0.05, 0.2), rng.uniform(0.2, 0.4), rng.uniform(0.03, 0.12)];
    const blobs = Array.from({ length: 3 }, () => disc(ox + rng.uniform(-3, 3), oy + rng.uniform(-3, 3), radius * rng.uniform(0.25, 0.45)));
    return { shape: union(...blobs), colour: leaf };
  }
  const wPost = rng.uniform(2, 4);
  return { shape: rect(ox - wPost / 2, -1, ox + wPost / 2, SIGN_SIZE + 1), colour: grey(rng.uniform(0.2, 0.5)) };
}

/** In-place separable blur of an HWC float image with the kernel [a, 1 − 2a, a] (edges clamp). */
function blur3(img: Float64Array, a: number): void {
  const S = SIGN_SIZE;
  const tmp = new Float64Array(img.length);
  const at = (x: number, y: number, c: number, src: Float64Array) =>
    src[(Math.min(S - 1, Math.max(0, y)) * S + Math.min(S - 1, Math.max(0, x))) * 3 + c];
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) {
    tmp[(y * S + x) * 3 + c] = a * at(x - 1, y, c, img) + (1 - 2 * a) * at(x, y, c, img) + a * at(x + 1, y, c, img);
  }
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) {
    img[(y * S + x) * 3 + c] = a * at(x, y - 1, c, tmp) + (1 - 2 * a) * at(x, y, c, tmp) + a * at(x, y + 1, c, tmp);
  }
}

/** Image `index` of a split (its class is index mod 14). */
export function renderSplitImage(split: SignsSplit, index: number): SignRender {
  return renderSign(index % SIGN_NUM_CLASSES, signSeed(split, index));
}

/** The first `count` images of a split as an ImageDataset (32×32×3 bytes each). */
export function makeSignsDataset(split: SignsSplit, count: number = SIGNS_SPLIT_SIZES[split]): ImageDataset {
  const max = SIGNS_SPLIT_SIZES[split];
  if (!Number.isInteger(count) || count < 1 || count > max) throw new Error(`count must be an integer in 1–${max}, got ${count}`);
  const px = SIGN_SIZE * SIGN_SIZE * SIGN_CHANNELS;
  const images = new Uint8Array(count * px);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const r = renderSplitImage(split, i);
    images.set(r.rgb, i * px);
    labels[i] = r.label;
  }
  return validateImageDataset(
    { images, labels, count, rows: SIGN_SIZE, cols: SIGN_SIZE, channels: SIGN_CHANNELS, numClasses: SIGN_NUM_CLASSES },
    `signs ${split}`,
  );
}

/** A rectangle in sign space (the sign's outline fits the unit disc; y downwards). */
export interface SignRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * RP2's layout on the stop sign: two bars, one above and one below the lettering. In sign space, so that they
 * follow each image's pose.
 */
export const STOP_STICKERS: readonly SignRect[] = [
  { x0: -0.55, y0: -0.66, x1: 0.55, y1: -0.3 },
  { x0: -0.55, y0: 0.3, x1: 0.55, y1: 0.66 },
];

/** Two bars across the lettering itself (where a speed-limit sign has its digits). */
export const STOP_STICKERS_CENTRE: readonly SignRect[] = [
  { x0: -0.62, y0: -0.24, x1: 0.62, y1: -0.04 },
  { x0: -0.62, y0: 0.04, x1: 0.62, y1: 0.24 },
];

/**
 * The sticker mask of one rendered sign: pixels whose centre falls inside a sign-space rectangle and on the sign's
 * face (coverage ≥ 0.5). If that exceeds `maxFraction` of the sign's area (the sum of coverage), the rectangles
 * shrink about their centres until it does not. Returns the mask (rows × cols, 0/1) and the fraction it covers.
 */
export function signStickerMask(render: SignRender, rects: readonly SignRect[], maxFraction: number): { mask: Float32Array; fraction: number; pixels: number } {
  if (!(maxFraction > 0 && maxFraction <= 1)) throw new Error(`maxFraction must be in (0, 1], got ${maxFraction}`);
  const S = SIGN_SIZE;
  const area = render.coverage.reduce((a, b) => a + b, 0);
  const sign = new Array<[number, number]>(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) sign[y * S + x] = apply3(render.pose.toSign, x + 0.5, y + 0.5);
  for (let f = 1; f > 0.02; f *= 0.97) {
    const mask = new Float32Array(S * S);
    let pixels = 0;
    for (let p = 0; p < S * S; p++) {
      if (render.coverage[p] < 0.5) continue;
      const [u, v] = sign[p];
      for (const r of rects) {
        const cx = (r.x0 + r.x1) / 2;
        const cy = (r.y0 + r.y1) / 2;
        if (Math.abs(u - cx) <= ((r.x1 - r.x0) / 2) * f && Math.abs(v - cy) <= ((r.y1 - r.y0) / 2) * f) {
          mask[p] = 1;
          pixels++;
          break;
        }
      }
    }
    if (pixels <= maxFraction * area) return { mask, fraction: pixels / area, pixels };
  }
  return { mask: new Float32Array(S * S), fraction: 0, pixels: 0 };
}

/**
 * The default stickers of a rendered sign as whole-pixel rectangles (what the Attack Lab's editor moves and
 * resizes) — by default the two bars across the lettering, the layout scripts/sticker-eval.ts measures: each sign-space rectangle's pixels on the face, boxed, then shrunk together until the stickers cover
 * at most `maxFraction` of the sign's area.
 */
export function defaultStickerRects(render: SignRender, rects: readonly SignRect[] = STOP_STICKERS_CENTRE, maxFraction = 0.1): StickerRect[] {
  // The sign-space stickers as signStickerMask shrinks them to the budget, then each one's own pixels boxed.
  const within = signStickerMask(render, rects, maxFraction).mask;
  const boxes = rects
    .map((r) => boundingRect(signStickerMask(render, [r], 1).mask.map((v, p) => v * within[p]), SIGN_SIZE, SIGN_SIZE))
    .filter((b): b is StickerRect => b !== null);
  return fitToFraction(boxes, render.coverage, SIGN_SIZE, SIGN_SIZE, maxFraction);
}
