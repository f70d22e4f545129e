/**
 * Seeded 2-D toy datasets (TensorFlow Playground / scikit-learn style): moons, circles, xor, spirals and Gaussian
 * blobs. Pure functions of (name, n, noise, seed, classes): the same arguments give the same bytes in Node, in the
 * worker and in tests, so shipped toy models, the playground and the unit tests all see the same points.
 *
 * Geometry: every set is centred on the origin and scaled so its clean shape fits in [−1, 1]²; `noise` is the
 * standard deviation of Gaussian jitter added to each coordinate, in those same units. An L∞ ε of 0.1 is therefore
 * a twentieth of the shape's width, which keeps ε on the toy plane comparable to ε on images ([0, 1] pixels).
 */
import { createRng, type Rng } from '../util/rng';

export const TOY_DATASET_IDS = ['moons', 'circles', 'xor', 'spiral', 'blobs'] as const;
export type ToyDatasetId = (typeof TOY_DATASET_IDS)[number];

export interface ToyDatasetInfo {
  id: ToyDatasetId;
  name: string;
  description: string;
  /** Allowed class counts (inclusive) and the default. */
  minClasses: number;
  maxClasses: number;
  defaultClasses: number;
  /** A noise level that keeps the classes separable but not trivially so. */
  defaultNoise: number;
  /**
   * Sets with an empty band between the classes: its width before noise when `gap` is not given. xor: the band
   * around both axes (no clean point within gap/2 of an axis); circles: the step between neighbouring ring radii.
   * Absent on the other sets, whose classes touch or interleave by construction.
   */
  defaultGap?: (classes: number) => number;
}

export const TOY_DATASETS: readonly ToyDatasetInfo[] = [
  { id: 'moons', name: 'Two moons', description: 'Two interleaving half circles.', minClasses: 2, maxClasses: 2, defaultClasses: 2, defaultNoise: 0.1 },
  { id: 'circles', name: 'Circles', description: 'Concentric rings, one class per ring (outermost is class 0).', minClasses: 2, maxClasses: 4, defaultClasses: 2, defaultNoise: 0.05, defaultGap: (k) => 1 / k },
  { id: 'xor', name: 'XOR', description: 'Four quadrants; opposite quadrants share a class.', minClasses: 2, maxClasses: 2, defaultClasses: 2, defaultNoise: 0.05, defaultGap: () => 0.2 },
  { id: 'spiral', name: 'Spiral', description: 'Interleaved spiral arms, one class per arm.', minClasses: 2, maxClasses: 4, defaultClasses: 2, defaultNoise: 0.03 },
  { id: 'blobs', name: 'Gaussian blobs', description: 'k Gaussian clusters with centres evenly spaced on a circle.', minClasses: 2, maxClasses: 8, defaultClasses: 3, defaultNoise: 0.1 },
];

/** Largest accepted noise level (standard deviation in data units); beyond it the shapes are gone. */
export const MAX_TOY_NOISE = 0.5;
/**
 * Smallest radius the innermost ring may keep (circles) and, for xor, the widest band (its points then span
 * [gap/2, 1] from the axes, at least 0.1 wide): a wider gap leaves no shape to draw.
 */
const MIN_TOY_EXTENT = 0.1;
/** Widest accepted gap on any set (xor's limit; circles also need (classes − 1)·gap ≤ 0.9). */
export const MAX_TOY_GAP = 2 - 2 * MIN_TOY_EXTENT;
/** Largest accepted class imbalance (first class : last class). */
export const MAX_TOY_IMBALANCE = 20;
/** Accepted sample counts. */
export const MIN_TOY_POINTS = 4;
export const MAX_TOY_POINTS = 100_000;

export interface ToyOptions {
  /** Number of points (split as evenly as possible between the classes). */
  n: number;
  /** Standard deviation of the Gaussian jitter per coordinate, in [0, MAX_TOY_NOISE]. */
  noise: number;
  seed: number;
  /** Number of classes; defaults to the dataset's default. */
  classes?: number;
  /**
   * Width of the empty band between the classes before noise (xor and circles only; see ToyDatasetInfo.defaultGap).
   * Absent: the set's default, which gives the same points as before the option existed.
   */
  gap?: number;
  /**
   * Uneven class densities: the first class has `imbalance` times as many points as the last, the classes between
   * in geometric steps, in [1, MAX_TOY_IMBALANCE]. Absent or 1: balanced (counts differ by at most one).
   */
  imbalance?: number;
}

/** Axis-aligned box [[xmin, xmax], [ymin, ymax]]. */
export type Bounds2D = [[number, number], [number, number]];

export interface ToyDataset {
  name: ToyDatasetId;
  /** Row-major n × 2 coordinates. */
  x: Float32Array;
  /** Class per point, in [0, numClasses). */
  y: Int32Array;
  n: number;
  numClasses: number;
  /** A square box centred on the origin that holds every point with a margin; the grid and plots use it. */
  bounds: Bounds2D;
}

/** Half-width of the plotting box when every point fits in it (the clean shapes span [−1, 1]). */
const NOMINAL_HALF_WIDTH = 1.5;

export function toyDatasetInfo(name: string): ToyDatasetInfo {
  const info = TOY_DATASETS.find((d) => d.id === name);
  if (!info) throw new Error(`toy dataset name must be one of ${TOY_DATASET_IDS.join(', ')}, got "${name}"`);
  return info;
}

/** The gap a set is drawn with: the given one, checked, or the set's default (undefined on sets without a gap). */
export function toyGap(info: ToyDatasetInfo, classes: number, gap: number | undefined): number | undefined {
  if (gap === undefined) return info.defaultGap?.(classes);
  if (!info.defaultGap) throw new Error(`gap applies to the xor and circles sets only, not ${info.id}`);
  if (!Number.isFinite(gap) || gap < 0) throw new Error(`gap must be a number ≥ 0, got ${gap}`);
  // The shape must keep some extent: xor's points span [gap/2, 1] from the axes, the innermost ring has radius
  // 1 − (k − 1)·gap.
  const max = info.id === 'circles' ? (1 - MIN_TOY_EXTENT) / (classes - 1) : MAX_TOY_GAP;
  if (gap > max) throw new Error(`gap for ${info.id} with ${classes} classes must be at most ${Number(max.toFixed(4))}, got ${gap}`);
  return gap;
}

type Generator = (rng: Rng, labels: Int32Array, k: number, x: Float32Array, gap: number | undefined) => void;

const GENERATORS: Record<ToyDatasetId, Generator> = {
  moons(rng, labels, _k, x) {
    // scikit-learn's moons: upper arc (cos t, sin t) and lower arc (1 − cos t, ½ − sin t), t ∈ [0, π],
    // centred on (½, ¼) and scaled by 2/3 so the pair spans [−1, 1] horizontally.
    for (let i = 0; i < labels.length; i++) {
      const t = Math.PI * rng.next();
      const [u, v] = labels[i] === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
      x[2 * i] = ((u - 0.5) * 2) / 3;
      x[2 * i + 1] = ((v - 0.25) * 2) / 3;
    }
  },
  circles(rng, labels, k, x, gap) {
    // Ring c has radius 1 − c·gap: evenly spaced from 1 (class 0) inwards. The default gap 1/k gives radii 1 and ½
    // for k = 2 (computed as c/k then, so the default points are bit-for-bit those from before `gap` existed).
    for (let i = 0; i < labels.length; i++) {
      const r = gap === undefined ? 1 - labels[i] / k : 1 - labels[i] * gap;
      const a = 2 * Math.PI * rng.next();
      x[2 * i] = r * Math.cos(a);
      x[2 * i + 1] = r * Math.sin(a);
    }
  },
  xor(rng, labels, _k, x, gap = 0.2) {
    // Uniform in one of the quadrants of its class, kept gap/2 away from the axes so that the clean set is
    // separable (as in TensorFlow Playground; default 0.1). Class 0: x·y > 0; class 1: x·y < 0.
    const margin = gap / 2;
    for (let i = 0; i < labels.length; i++) {
      const sx = rng.next() < 0.5 ? -1 : 1;
      const sy = labels[i] === 0 ? sx : -sx;
      x[2 * i] = sx * rng.uniform(margin, 1);
      x[2 * i + 1] = sy * rng.uniform(margin, 1);
    }
  },
  spiral(rng, labels, k, x) {
    // Arm c: radius t, angle 1.5 turns · t + 2πc/k, for t uniform in [0.05, 1].
    for (let i = 0; i < labels.length; i++) {
      const t = rng.uniform(0.05, 1);
      const a = 3 * Math.PI * t + (2 * Math.PI * labels[i]) / k;
      x[2 * i] = t * Math.cos(a);
      x[2 * i + 1] = t * Math.sin(a);
    }
  },
  blobs(rng, labels, k, x) {
    // Centres on a circle of radius 0.75 (class 0 at 12 o'clock), each blob with standard deviation 0.15 before noise.
    const spread = 0.15;
    for (let i = 0; i < labels.length; i++) {
      const a = Math.PI / 2 + (2 * Math.PI * labels[i]) / k;
      x[2 * i] = 0.75 * Math.cos(a) + spread * rng.normal();
      x[2 * i + 1] = 0.75 * Math.sin(a) + spread * rng.normal();
    }
  },
};

/**
 * Generates a toy dataset. Classes are balanced (point i before shuffling has class i mod k) unless `imbalance` says
 * otherwise, and the order is shuffled, so any prefix is a fair sample. Throws an Error naming the offending parameter on bad input.
 */
export function makeToyDataset(name: ToyDatasetId | string, opts: ToyOptions): ToyDataset {
  const info = toyDatasetInfo(name);
  const { n, noise, seed } = opts;
  const k = opts.classes ?? info.defaultClasses;
  if (!Number.isInteger(n) || n < MIN_TOY_POINTS || n > MAX_TOY_POINTS) {
    throw new Error(`n must be an integer in [${MIN_TOY_POINTS}, ${MAX_TOY_POINTS}], got ${n}`);
  }
  if (!Number.isFinite(noise) || noise < 0 || noise > MAX_TOY_NOISE) {
    throw new Error(`noise must be a number in [0, ${MAX_TOY_NOISE}], got ${noise}`);
  }
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  if (!Number.isInteger(k) || k < info.minClasses || k > info.maxClasses) {
    throw new Error(`classes for ${info.id} must be an integer in [${info.minClasses}, ${info.maxClasses}], got ${k}`);
  }

  // The default gap stays undefined here so that circles keeps its exact default radii (see the generator).
  const gap = opts.gap === undefined ? undefined : toyGap(info, k, opts.gap);

  const imbalance = opts.imbalance ?? 1;
  if (!Number.isFinite(imbalance) || imbalance < 1 || imbalance > MAX_TOY_IMBALANCE) {
    throw new Error(`imbalance must be a number in [1, ${MAX_TOY_IMBALANCE}] (first class : last class), got ${imbalance}`);
  }

  const rng = createRng(seed);
  const y = imbalance === 1 ? balancedLabels(n, k) : unevenLabels(n, k, imbalance);
  rng.shuffle(y);

  const x = new Float32Array(2 * n);
  GENERATORS[info.id](rng, y, k, x, gap);
  if (noise > 0) for (let i = 0; i < x.length; i++) x[i] += noise * rng.normal();

  return { name: info.id, x, y, n, numClasses: k, bounds: squareBounds(x) };
}

function balancedLabels(n: number, k: number): Int32Array {
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = i % k;
  return y;
}

/**
 * Class c gets a share ∝ imbalance^(−c/(k−1)) of the n points, rounded down; the points left over go to the classes
 * in order. Throws when a class would get none (too few points for that imbalance).
 */
function unevenLabels(n: number, k: number, imbalance: number): Int32Array {
  const weights = Array.from({ length: k }, (_, c) => imbalance ** (-c / (k - 1)));
  const total = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((n * w) / total));
  for (let c = 0, left = n - counts.reduce((a, b) => a + b, 0); left > 0; c = (c + 1) % k, left--) counts[c]++;
  const empty = counts.findIndex((count) => count === 0);
  if (empty >= 0) throw new Error(`n = ${n} is too few points for imbalance ${imbalance}: class ${empty} would get none`);
  const y = new Int32Array(n);
  let i = 0;
  counts.forEach((count, c) => y.fill(c, i, (i += count)));
  return y;
}

/**
 * Training and test sets from one seed: the test set is drawn from the same distribution with an independent stream
 * (a seed derived from `seed`), and both share one plotting box.
 */
export function makeToySplit(
  name: ToyDatasetId | string,
  opts: ToyOptions & { nTest?: number },
): { train: ToyDataset; test: ToyDataset } {
  const nTest = opts.nTest ?? Math.max(MIN_TOY_POINTS, Math.round(opts.n / 2));
  const train = makeToyDataset(name, opts);
  const testSeed = createRng(opts.seed ^ 0x5eed7e57).seed();
  const test = makeToyDataset(name, { ...opts, n: nTest, seed: testSeed });
  const half = Math.max(train.bounds[0][1], test.bounds[0][1]);
  const bounds: Bounds2D = [[-half, half], [-half, half]];
  return { train: { ...train, bounds }, test: { ...test, bounds } };
}

/** The nominal ±1.5 square, widened in steps of 0.25 when noisy points fall outside it (margin 0.1). */
function squareBounds(x: Float32Array): Bounds2D {
  let extent = 0;
  for (let i = 0; i < x.length; i++) extent = Math.max(extent, Math.abs(x[i]));
  const half = Math.max(NOMINAL_HALF_WIDTH, Math.ceil((extent + 0.1) * 4) / 4);
  return [[-half, half], [-half, half]];
}
