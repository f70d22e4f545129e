/**
 * Batched evaluation of a classifier over many inputs — a 2-D grid over the toy plane, or thousands of images on a
 * slice of image space — with a fixed batch shape (the last batch is padded, because the webgpu buffer pool never
 * shrinks), asynchronous read-back (never a synchronous read in a worker) and every tensor disposed.
 */
import * as tf from '@tensorflow/tfjs';
import type { Bounds2D } from '../data/toy';
import { throwIfCancelled } from '../util/cancel';

/** Logits [N, K] for a batch; gradients are not needed here. */
export type LogitsFn = (x: tf.Tensor) => tf.Tensor2D;

export interface GridEvaluation {
  count: number;
  numClasses: number;
  /** Softmax probabilities, row-major count × numClasses. */
  probs: Float32Array;
  /** Arg-max class per input (ties go to the lower class). */
  predicted: Uint8Array;
  /** The arg-max probability per input. */
  confidence: Float32Array;
}

export interface BatchOptions {
  /** Inputs per forward pass (fixed; the last batch is padded). */
  batchSize: number;
  numClasses: number;
  signal?: AbortSignal;
  /** Called after each batch with inputs done so far. */
  onBatch?: (done: number, total: number) => void;
}

/**
 * Evaluates `count` inputs, `makeBatch(start, size)` building inputs [start, start + size) padded to a full batch
 * of `batchSize` rows (its tensor is disposed here).
 */
export async function evaluateInBatches(
  logits: LogitsFn,
  count: number,
  makeBatch: (start: number, size: number) => tf.Tensor,
  opts: BatchOptions,
): Promise<GridEvaluation> {
  const { batchSize, numClasses } = opts;
  if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a positive integer, got ${count}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`numClasses must be an integer ≥ 2, got ${numClasses}`);
  const probs = new Float32Array(count * numClasses);
  for (let start = 0; start < count; start += batchSize) {
    throwIfCancelled(opts.signal);
    const size = Math.min(batchSize, count - start);
    const out = tf.tidy(() => {
      const x = makeBatch(start, size);
      if (x.shape[0] !== batchSize) throw new Error(`makeBatch must return ${batchSize} rows (padded), got ${x.shape[0]}`);
      const z = logits(x);
      if (z.shape[1] !== numClasses) throw new Error(`the model gives ${z.shape[1]} logits, ${numClasses} expected`);
      return tf.softmax(z);
    });
    try {
      const values = (await out.data()) as Float32Array;
      probs.set(values.subarray(0, size * numClasses), start * numClasses);
    } finally {
      out.dispose();
    }
    opts.onBatch?.(start + size, count);
  }
  const predicted = new Uint8Array(count);
  const confidence = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (probs[i * numClasses + k] > probs[i * numClasses + best]) best = k;
    predicted[i] = best;
    confidence[i] = probs[i * numClasses + best];
  }
  return { count, numClasses, probs, predicted, confidence };
}

/**
 * Cell centres of a width × height grid over `bounds`, row-major with row 0 at the TOP (largest y), as an image is
 * drawn: point (col, row) is (xmin + (col + ½)·Δx, ymax − (row + ½)·Δy).
 */
export function gridPoints(bounds: Bounds2D, width: number, height: number = width): Float32Array {
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  }
  const [[x0, x1], [y0, y1]] = bounds;
  if (!(x1 > x0 && y1 > y0)) throw new Error(`bounds must be [[xmin, xmax], [ymin, ymax]] with min < max, got ${JSON.stringify(bounds)}`);
  const dx = (x1 - x0) / width;
  const dy = (y1 - y0) / height;
  const out = new Float32Array(2 * width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      out[2 * i] = x0 + (c + 0.5) * dx;
      out[2 * i + 1] = y1 - (r + 0.5) * dy;
    }
  }
  return out;
}

/** Evaluates the rows of a flat row-major array of `dim`-vectors in fixed batches (last batch zero-padded). */
export function evaluatePoints(logits: LogitsFn, points: Float32Array, dim: number, opts: BatchOptions): Promise<GridEvaluation> {
  if (points.length % dim !== 0) throw new Error(`points has ${points.length} values, not a multiple of dim = ${dim}`);
  const count = points.length / dim;
  const padded = new Float32Array(opts.batchSize * dim);
  return evaluateInBatches(
    logits,
    count,
    (start, size) => {
      padded.fill(0);
      padded.set(points.subarray(start * dim, (start + size) * dim));
      return tf.tensor2d(padded, [opts.batchSize, dim]);
    },
    opts,
  );
}

export interface ToyGrid extends GridEvaluation {
  width: number;
  height: number;
  bounds: Bounds2D;
}

/** Default batch for the toy grid: a 100 × 100 grid is four forward passes. */
export const TOY_GRID_BATCH = 2500;

/** The class map of a 2-D model over `bounds` on a resolution × resolution grid (see gridPoints for the order). */
export async function evaluateToyGrid(
  logits: LogitsFn,
  bounds: Bounds2D,
  resolution: number,
  opts: Omit<BatchOptions, 'batchSize'> & { batchSize?: number },
): Promise<ToyGrid> {
  const points = gridPoints(bounds, resolution, resolution);
  const evaluation = await evaluatePoints(logits, points, 2, { ...opts, batchSize: opts.batchSize ?? TOY_GRID_BATCH });
  return { ...evaluation, width: resolution, height: resolution, bounds };
}
