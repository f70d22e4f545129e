/**
 * Argument checks shared by every attack: each failure is an Error naming the parameter, raised before any state
 * is created (or after disposing what was).
 */
import type * as tf from '@tensorflow/tfjs';
import type { AttackModel, AttackOptions, Labels, Norm } from './types';

function fail(message: string): never {
  throw new Error(message);
}

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** What an attack accepts, for checking options against it. */
export interface AttackCapabilities {
  id: string;
  norms: Norm[];
  targeted: boolean;
}

/** Checks the options object (no tensors involved). */
export function validateOptions(opts: AttackOptions, caps: AttackCapabilities): void {
  if (opts == null || typeof opts !== 'object') fail(`${caps.id}: options must be an object with epsilons`);
  const eps = opts.epsilons;
  if (!Array.isArray(eps) || eps.length === 0) fail(`${caps.id}: epsilons must be a non-empty array of numbers`);
  eps.forEach((e, i) => {
    if (typeof e !== 'number' || !Number.isFinite(e) || e < 0)
      fail(`${caps.id}: epsilons[${i}] must be a finite number ≥ 0, got ${e}`);
  });
  if (opts.norm !== undefined && !caps.norms.includes(opts.norm))
    fail(`${caps.id}: norm '${opts.norm}' is not supported (supported: ${caps.norms.join(', ')})`);
  if ((opts.norm ?? caps.norms[0]) === 'l0')
    eps.forEach((e, i) => {
      if (!Number.isInteger(e)) fail(`${caps.id}: epsilons[${i}] for L0 counts changed elements and must be an integer, got ${e}`);
    });
  if (opts.steps !== undefined && !isPositiveInteger(opts.steps))
    fail(`${caps.id}: steps must be an integer > 0, got ${opts.steps}`);
  for (const key of ['stepSize', 'relativeStepSize', 'learningRate', 'initialConst', 'theta'] as const) {
    const v = opts[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0))
      fail(`${caps.id}: ${key} must be a finite number > 0, got ${v}`);
  }
  for (const key of ['restarts', 'queryBudget', 'binarySearchSteps', 'samples'] as const) {
    const v = opts[key];
    if (v !== undefined && !isPositiveInteger(v)) fail(`${caps.id}: ${key} must be an integer > 0, got ${v}`);
  }
  if (opts.initialFraction !== undefined && !(opts.initialFraction > 0 && opts.initialFraction <= 1))
    fail(`${caps.id}: initialFraction must be in (0, 1], got ${opts.initialFraction}`);
  for (const key of ['momentum', 'confidence', 'overshoot'] as const) {
    const v = opts[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0))
      fail(`${caps.id}: ${key} must be a finite number ≥ 0, got ${v}`);
  }
  if (opts.gamma !== undefined && !(typeof opts.gamma === 'number' && opts.gamma > 0 && opts.gamma <= 1))
    fail(`${caps.id}: gamma must be in (0, 1], got ${opts.gamma}`);
  if (opts.loss !== undefined && opts.loss !== 'ce' && opts.loss !== 'margin')
    fail(`${caps.id}: loss must be 'ce' (cross-entropy) or 'margin' (logit margin), got ${String(opts.loss)}`);
  if (opts.seed !== undefined && !Number.isFinite(opts.seed)) fail(`${caps.id}: seed must be a finite number, got ${opts.seed}`);
  if (opts.targeted) {
    if (!caps.targeted) fail(`${caps.id}: this attack does not support targeted mode (targeted: true)`);
    const mode = opts.target?.mode ?? 'random';
    if (!['given', 'random', 'least-likely'].includes(mode))
      fail(`${caps.id}: target.mode must be 'given', 'random' or 'least-likely', got '${mode}'`);
  }
  if (opts.onStep !== undefined && typeof opts.onStep !== 'function') fail(`${caps.id}: onStep must be a function`);
}

/** Checks the model object and the batch shape against it. */
export function validateModelAndInput(model: AttackModel, x: tf.Tensor, id: string): void {
  if (model == null || typeof model.logits !== 'function') fail(`${id}: model must provide logits(x)`);
  if (!isPositiveInteger(model.numClasses) || model.numClasses < 2)
    fail(`${id}: model.numClasses must be an integer ≥ 2, got ${model.numClasses}`);
  if (!Array.isArray(model.inputShape) || !model.inputShape.every(isPositiveInteger))
    fail(`${id}: model.inputShape must be an array of positive integers`);
  const b = model.bounds;
  if (!Array.isArray(b) || b.length !== 2 || Number.isNaN(b[0]) || Number.isNaN(b[1]) || !(b[0] < b[1]))
    fail(`${id}: model.bounds must be [lo, hi] with lo < hi`);
  if (x == null || !Array.isArray(x.shape)) fail(`${id}: x must be a tensor`);
  const want = [x.shape[0], ...model.inputShape];
  if (x.rank !== want.length || x.shape.some((d, i) => d !== want[i]))
    fail(`${id}: x has shape [${x.shape}], expected [N, ${model.inputShape}] (model.inputShape)`);
  if (x.shape[0] < 1) fail(`${id}: x must hold at least one example`);
  if (x.dtype !== 'float32') fail(`${id}: x must be float32, got ${x.dtype}`);
}

/** Reads the labels and checks them: integers in [0, numClasses), one per example. */
export async function readLabels(labels: Labels, n: number, numClasses: number, id: string): Promise<Int32Array> {
  let values: Int32Array;
  if (labels instanceof Int32Array) values = labels;
  else if (Array.isArray(labels)) {
    const arr = labels as unknown[];
    arr.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${id}: labels[${i}] must be an integer class index, got ${String(v)}`);
    });
    values = Int32Array.from(arr as number[]);
  }
  else if (labels != null && typeof (labels as tf.Tensor).data === 'function') {
    const t = labels as tf.Tensor;
    if (t.rank !== 1) fail(`${id}: labels must be 1-D, got shape [${t.shape}]`);
    const raw = await t.data();
    for (let i = 0; i < raw.length; i++)
      if (!Number.isInteger(raw[i])) fail(`${id}: labels[${i}] must be an integer class index, got ${raw[i]}`);
    values = Int32Array.from(raw);
  } else fail(`${id}: labels must be an Int32Array or a 1-D tensor`);
  if (values.length !== n) fail(`${id}: labels has ${values.length} entries but x has ${n} examples`);
  for (let i = 0; i < values.length; i++)
    if (values[i] < 0 || values[i] >= numClasses)
      fail(`${id}: labels[${i}] = ${values[i]} is out of range [0, ${numClasses})`);
  return values;
}

/** Input values must be finite and inside model.bounds (a small tolerance for float noise). */
export function checkInputRange(min: number, max: number, bounds: [number, number], id: string): void {
  if (Number.isNaN(min) || Number.isNaN(max)) fail(`${id}: x contains NaN`);
  if (!Number.isFinite(min) || !Number.isFinite(max)) fail(`${id}: x contains infinite values`);
  if (min < bounds[0] - 1e-6 || max > bounds[1] + 1e-6)
    fail(`${id}: x values span [${min}, ${max}], outside model.bounds [${bounds[0]}, ${bounds[1]}]`);
}

/**
 * Attacks need logits: a softmax output saturates and hides the gradient. Rows that are all in [0,1] and sum to 1
 * on the whole batch are taken as probabilities.
 */
export function checkLogits(logits: ArrayLike<number>, n: number, numClasses: number, id: string): void {
  if (logits.length !== n * numClasses)
    fail(`${id}: model.logits returned ${logits.length / n} values per example, expected numClasses = ${numClasses}`);
  let looksLikeProbabilities = true;
  for (let i = 0; i < n && looksLikeProbabilities; i++) {
    let sum = 0;
    for (let j = 0; j < numClasses; j++) {
      const v = logits[i * numClasses + j];
      if (Number.isNaN(v)) fail(`${id}: model output contains NaN`);
      if (v < 0 || v > 1) looksLikeProbabilities = false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-4) looksLikeProbabilities = false;
  }
  if (looksLikeProbabilities)
    fail(`${id}: model outputs probabilities (rows sum to 1); attacks need logits — remove the final softmax`);
}
