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
}

export const TOY_DATASETS: readonly ToyDatasetInfo[] = [
  { id: 'moons', name: 'Two moons', description: 'Two interleaving half circles.', minClasses: 2, maxClasses: 2, defaultClasses: 2, defaultNoise: 0.1 },
  { id: 'circles', name: 'Circles', description: 'Concentric rings, one class per ring (outermost is class 0).', minClasses: 2, maxClasses: 4, defaultClasses: 2, defaultNoise: 0.05 },
  { id: 'xor', name: 'XOR', description: 'Four quadrants; opposite quadrants share a class.', minClasses: 2, maxClasses: 2, defaultClasses: 2, defaultNoise: 0.05 },
  { id: 'spiral', name: 'Spiral', description: 'Interleaved spiral arms, one class per arm.', minClasses: 2, maxClasses: 4, defaultClasses: 2, defaultNoise: 0.03 },
  { id: 'blobs', name: 'Gaussian blobs', description: 'k Gaussian clusters with centres evenly spaced on a circle.', minClasses: 2, maxClasses: 8, defaultClasses: 3, defaultNoise: 0.1 },
];

/** Largest accepted noise level (standard deviation in data units); beyond it the shapes are gone. */
export const MAX_TOY_NOISE = 0.5;
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

type Generator = (rng: Rng, labels: Int32Array, k: number, x: Float32Array) => void;

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
  circles(rng, labels, k, x) {
    // Ring c has radius 1 − c/k: evenly spaced from 1 (class 0) inwards; for k = 2 the radii are 1 and ½.
    for (let i = 0; i < labels.length; i++) {
      const r = 1 - labels[i] / k;
      const a = 2 * Math.PI * rng.next();
      x[2 * i] = r * Math.cos(a);
      x[2 * i + 1] = r * Math.sin(a);
    }
  },
  xor(rng, labels, _k, x) {
    // Uniform in one of the quadrants of its class, kept a margin away from the axes so that the clean set is
    // separable (as in TensorFlow Playground). Class 0: x·y > 0; class 1: x·y < 0.
    const margin = 0.1;
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
 * Generates a toy dataset. Classes are balanced (point i before shuffling has class i mod k) and the order is
 * shuffled, so any prefix is a fair sample. Throws an Error naming the offending parameter on bad input.
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

  const rng = createRng(seed);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = i % k;
  rng.shuffle(y);

  const x = new Float32Array(2 * n);
  GENERATORS[info.id](rng, y, k, x);
  if (noise > 0) for (let i = 0; i < x.length; i++) x[i] += noise * rng.normal();

  return { name: info.id, x, y, n, numClasses: k, bounds: squareBounds(x) };
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
