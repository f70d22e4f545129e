/**
 * 2-D slices of image space: the plane through an image x spanned by an adversarial direction and a random
 * direction orthogonal to it, with the model's prediction on a grid over the plane.
 *
 * Geometry. u and v are an orthonormal (L2) basis of the plane; the plotted axes are ũ = u/‖u‖∞ and ṽ = v/‖v‖∞, so
 * a step of a along an axis changes no pixel by more than |a|: the axes are in the same ε units as L∞ attacks
 * (the adversarial point of an L∞ attack at ε sits at a ≤ ε on the first axis). Points are clipped to the model's
 * input range (valid images), which only shortens a perturbation. The L∞ ε-ball cuts the (unclipped) plane in the
 * convex polygon |a·ũᵢ + b·ṽᵢ| ≤ ε for every pixel i; linfBallSlice computes it exactly.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackModel, AttackSpec } from '../attacks/types';
import { createRng } from '../util/rng';
import { evaluateInBatches, gridPoints, type BatchOptions, type GridEvaluation, type LogitsFn } from './grid';

export interface SlicePlane {
  /** Shape of one input, e.g. [28, 28, 1]. */
  inputShape: number[];
  /** The image the plane passes through (flattened). */
  origin: Float32Array;
  /** Orthonormal basis: u along the adversarial direction, v random and orthogonal to u. */
  u: Float32Array;
  v: Float32Array;
  /** The plotted axes, in L∞ ε units: ũ = u/‖u‖∞, ṽ = v/‖v‖∞. */
  uAxis: Float32Array;
  vAxis: Float32Array;
}

export const SLICE_DIRECTIONS = ['gradient-sign', 'pgd'] as const;
export type SliceDirection = (typeof SLICE_DIRECTIONS)[number];

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function linf(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function scaled(a: Float32Array, s: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * s;
  return out;
}

/**
 * The plane through `origin` spanned by `direction` and a random (seeded Gaussian) direction made orthogonal to it
 * by Gram–Schmidt.
 */
export function makeSlicePlane(origin: Float32Array, direction: Float32Array, inputShape: number[], seed: number): SlicePlane {
  const dim = inputShape.reduce((a, b) => a * b, 1);
  if (origin.length !== dim) throw new Error(`origin has ${origin.length} values, ${dim} expected for shape [${inputShape}]`);
  if (direction.length !== dim) throw new Error(`direction has ${direction.length} values, ${dim} expected`);
  const norm = Math.sqrt(dot(direction, direction));
  if (!(norm > 0) || !Number.isFinite(norm)) throw new Error('direction must be a non-zero finite vector');
  if (dim < 2) throw new Error('a plane needs inputs of at least two values');
  const u = scaled(direction, 1 / norm);
  const rng = createRng(seed);
  const v = new Float32Array(dim);
  // A Gaussian draw is parallel to u with probability 0; redraw on the (numerically) degenerate case anyway.
  for (let attempt = 0; attempt < 5; attempt++) {
    for (let i = 0; i < dim; i++) v[i] = rng.normal();
    const along = dot(v, u);
    for (let i = 0; i < dim; i++) v[i] -= along * u[i];
    const vn = Math.sqrt(dot(v, v));
    if (vn > 1e-6) {
      for (let i = 0; i < dim; i++) v[i] /= vn;
      // One more projection removes the float32 round-off left by the first.
      const rest = dot(v, u);
      for (let i = 0; i < dim; i++) v[i] -= rest * u[i];
      const vn2 = Math.sqrt(dot(v, v));
      for (let i = 0; i < dim; i++) v[i] /= vn2;
      return { inputShape: [...inputShape], origin: Float32Array.from(origin), u, v, uAxis: scaled(u, 1 / linf(u)), vAxis: scaled(v, 1 / linf(v)) };
    }
  }
  throw new Error('could not draw a direction orthogonal to the adversarial one');
}

/** origin + a·ũ + b·ṽ (unclipped). */
export function planePoint(plane: SlicePlane, a: number, b: number): Float32Array {
  const out = new Float32Array(plane.origin.length);
  for (let i = 0; i < out.length; i++) out[i] = plane.origin[i] + a * plane.uAxis[i] + b * plane.vAxis[i];
  return out;
}

/** Gradient of the cross-entropy loss at (x, label) with respect to x; falls back to the margin loss if it underflows. */
export async function lossGradient(model: AttackModel, x: Float32Array, label: number): Promise<Float32Array> {
  if (!Number.isInteger(label) || label < 0 || label >= model.numClasses) {
    throw new Error(`label must be an integer in [0, ${model.numClasses - 1}], got ${label}`);
  }
  const shape = [1, ...model.inputShape];
  const read = async (loss: (z: tf.Tensor2D) => tf.Scalar): Promise<Float32Array> => {
    const g = tf.tidy(() => {
      const input = tf.tensor(x, shape);
      return tf.grad((xi: tf.Tensor) => loss(model.logits(xi)))(input);
    });
    try {
      return (await g.data()) as Float32Array;
    } finally {
      g.dispose();
    }
  };
  const onehot = (z: tf.Tensor2D) => tf.oneHot(tf.tensor1d([label], 'int32'), z.shape[1]);
  const ce = await read((z) => tf.losses.softmaxCrossEntropy(onehot(z), z) as tf.Scalar);
  if (linf(ce) > 0) return ce;
  // A very confident model: the cross-entropy gradient is zero in float32; the margin (best other − true logit) never is.
  return read((z) => {
    const mask = onehot(z);
    const trueLogit = tf.sum(tf.mul(z, mask));
    const other = tf.max(tf.sub(z, tf.mul(mask, 1e9)));
    return tf.sub(other, trueLogit) as tf.Scalar;
  });
}

/** sign(∇ₓ loss): FGSM's direction, already of L∞ norm 1. */
export async function gradientSignDirection(model: AttackModel, x: Float32Array, label: number): Promise<Float32Array> {
  const g = await lossGradient(model, x, label);
  return g.map((v) => Math.sign(v));
}

/** The perturbation δ = x_adv − x that an attack (normally getAttack('pgd')) finds at ε (L∞). */
export async function attackDirection(
  model: AttackModel,
  attack: AttackSpec,
  x: Float32Array,
  label: number,
  epsilon: number,
  opts: { steps?: number; seed?: number; signal?: AbortSignal } = {},
): Promise<Float32Array> {
  if (!(epsilon > 0)) throw new Error(`epsilon must be positive, got ${epsilon}`);
  const input = tf.tensor(x, [1, ...model.inputShape]);
  try {
    const result = await attack.run(model, input, Int32Array.of(label), {
      epsilons: [epsilon],
      norm: 'linf',
      steps: opts.steps ?? 20,
      randomStart: false,
      restarts: 1,
      seed: opts.seed ?? 0,
      signal: opts.signal,
    });
    const adv = result.results.map((r) => r.adversarial);
    try {
      const values = (await adv[0].data()) as Float32Array;
      return values.map((v, i) => v - x[i]);
    } finally {
      adv.forEach((t) => t.dispose());
    }
  } finally {
    input.dispose();
  }
}

export interface SliceGrid extends GridEvaluation {
  width: number;
  height: number;
  /** The plane covers a, b ∈ [−extent, extent] (ε units); row 0 is b = +extent (top), column 0 is a = −extent. */
  extent: number;
}

/** Default batch for slices: a 64 × 64 slice is 16 forward passes of 256 images. */
export const SLICE_BATCH = 256;

/**
 * The model's prediction on a resolution × resolution grid over the plane, images clipped to `bounds`
 * (the model's valid input range; pass null to evaluate the raw plane).
 */
export async function evaluateSlice(
  logits: LogitsFn,
  plane: SlicePlane,
  opts: Omit<BatchOptions, 'batchSize'> & { extent: number; resolution: number; bounds: [number, number] | null; batchSize?: number },
): Promise<SliceGrid> {
  const { extent, resolution } = opts;
  if (!(extent > 0) || !Number.isFinite(extent)) throw new Error(`extent must be a positive number, got ${extent}`);
  const batchSize = opts.batchSize ?? SLICE_BATCH;
  const coords = gridPoints([[-extent, extent], [-extent, extent]], resolution, resolution);
  const dim = plane.origin.length;
  const padded = new Float32Array(2 * batchSize);
  const basis = tf.tensor2d([...plane.uAxis, ...plane.vAxis], [2, dim]);
  const origin = tf.tensor2d(plane.origin, [1, dim]);
  try {
    const evaluation = await evaluateInBatches(
      logits,
      resolution * resolution,
      (start, size) => {
        padded.fill(0);
        padded.set(coords.subarray(2 * start, 2 * (start + size)));
        const flat = tf.add(origin, tf.matMul(tf.tensor2d(padded, [batchSize, 2]), basis));
        const valid = opts.bounds ? tf.clipByValue(flat, opts.bounds[0], opts.bounds[1]) : flat;
        return tf.reshape(valid, [batchSize, ...plane.inputShape]);
      },
      { ...opts, batchSize },
    );
    return { ...evaluation, width: resolution, height: resolution, extent };
  } finally {
    basis.dispose();
    origin.dispose();
  }
}

type Point = [number, number];

/** Keeps the part of a convex polygon where p·a + q·b ≤ r (Sutherland–Hodgman against one line). */
function clipHalfPlane(poly: Point[], p: number, q: number, r: number): Point[] {
  const out: Point[] = [];
  const inside = (pt: Point) => p * pt[0] + q * pt[1] <= r;
  for (let i = 0; i < poly.length; i++) {
    const cur = poly[i];
    const prev = poly[(i + poly.length - 1) % poly.length];
    const curIn = inside(cur);
    const prevIn = inside(prev);
    if (curIn !== prevIn) {
      const fp = p * prev[0] + q * prev[1] - r;
      const fc = p * cur[0] + q * cur[1] - r;
      const t = fp / (fp - fc);
      out.push([prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])]);
    }
    if (curIn) out.push(cur);
  }
  return out;
}

/** The L∞ ε-ball's cut through the plane, in axis coordinates (a, b): a convex polygon, vertices in order. */
export function linfBallSlice(plane: SlicePlane, epsilon: number): Point[] {
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new Error(`epsilon must be a positive number, got ${epsilon}`);
  // Both axes have a pixel with coefficient ±1, so the cut lies within |a|, |b| ≤ ε·(1 + max ratio); start far out.
  const far = 1e4 * epsilon;
  let poly: Point[] = [[-far, -far], [far, -far], [far, far], [-far, far]];
  const seen = new Set<string>();
  for (let i = 0; i < plane.uAxis.length; i++) {
    const p = plane.uAxis[i];
    const q = plane.vAxis[i];
    if (p === 0 && q === 0) continue;
    const key = `${p},${q}`;
    if (seen.has(key)) continue;
    seen.add(key);
    poly = clipHalfPlane(poly, p, q, epsilon);
    poly = clipHalfPlane(poly, -p, -q, epsilon);
  }
  return poly;
}

/**
 * Distance (in L∞ ε units, ‖a·axis‖∞ = a for an axis of L∞ norm 1) from x along `axis` to the first input not
 * classified as `label`, searched on `samples` evenly spaced points in (0, maxDistance], inputs clipped to `bounds`.
 * 0 when x itself is misclassified; Infinity when the label holds all the way.
 */
export async function boundaryDistance(
  logits: LogitsFn,
  x: Float32Array,
  label: number,
  axis: Float32Array,
  opts: { maxDistance: number; samples: number; inputShape: number[]; numClasses: number; bounds: [number, number]; batchSize?: number; signal?: AbortSignal },
): Promise<number> {
  const { maxDistance, samples } = opts;
  if (!(maxDistance > 0)) throw new Error(`maxDistance must be positive, got ${maxDistance}`);
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`samples must be a positive integer, got ${samples}`);
  const batchSize = opts.batchSize ?? Math.min(SLICE_BATCH, samples + 1);
  const dim = x.length;
  const coeffs = new Float32Array(batchSize);
  const origin = tf.tensor2d(x, [1, dim]);
  const direction = tf.tensor2d(axis, [1, dim]);
  try {
    // Sample 0 is x itself.
    const evaluation = await evaluateInBatches(
      logits,
      samples + 1,
      (start, size) => {
        coeffs.fill(0);
        for (let j = 0; j < size; j++) coeffs[j] = ((start + j) / samples) * maxDistance;
        const flat = tf.add(origin, tf.mul(tf.tensor2d(coeffs, [batchSize, 1]), direction));
        return tf.reshape(tf.clipByValue(flat, opts.bounds[0], opts.bounds[1]), [batchSize, ...opts.inputShape]);
      },
      { batchSize, numClasses: opts.numClasses, signal: opts.signal },
    );
    for (let j = 0; j <= samples; j++) if (evaluation.predicted[j] !== label) return (j / samples) * maxDistance;
    return Infinity;
  } finally {
    origin.dispose();
    direction.dispose();
  }
}
