/**
 * Robust accuracy over ε: the fraction of examples that the attack fails to break at each budget, with clean
 * accuracy alongside. Examples are attacked in fixed-size batches (the last may be shorter); one attack call per
 * batch yields the whole ε-curve. An example misclassified when clean counts as broken at every ε.
 *
 * Each batch's outcome can be cached (opts.cache), so that a long evaluation killed half-way resumes at the first
 * batch without a result; seeds are per batch (seed + first index), so a cached batch equals a recomputed one.
 * Figures from fewer than 10 000 examples carry their 95 % Wilson interval. Worst-case suites (autoattack,
 * ensemble) also report the robust accuracy after each of their stages.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackModel, AttackOptions, AttackSpec } from '../attacks/types';
import type { ExampleSet } from '../data/examples';
import { throwIfCancelled } from '../util/cancel';
import { FULL_TEST_SET, wilsonInterval } from './interval';

/** One batch's counts: clean-correct examples, robust examples per ε, and per suite stage. */
export interface BatchOutcome {
  clean: number;
  robust: number[];
  stages?: { attack: string; robust: number[] }[];
}

/** Where per-batch outcomes are kept between runs (a folder in Node; nothing in the browser). */
export interface BatchCache {
  get(start: number, end: number): BatchOutcome | undefined;
  put(start: number, end: number, outcome: BatchOutcome): void;
}

export interface RobustAccuracyOptions extends Omit<AttackOptions, 'epsilons' | 'onStep'> {
  epsilons: number[];
  /** Examples per attack call (default 250). */
  batchSize?: number;
  /** Examples 0…n−1 of the set are evaluated (default: all). */
  n?: number;
  onBatch?: (done: number, total: number) => void;
  cache?: BatchCache;
  /**
   * Only every `count`-th batch, starting at batch `index` (0-based): several processes, one per core or machine,
   * share one evaluation through the cache, and a run without a shard then adds up all the batches. The result of a
   * shard covers its own batches only.
   */
  shard?: { index: number; count: number };
}

export interface RobustAccuracyPoint {
  eps: number;
  robust_accuracy: number;
  /** 95 % Wilson interval, present when fewer than 10 000 examples were evaluated. */
  ci95?: [number, number];
}

export interface RobustAccuracyResult {
  n: number;
  clean_accuracy: number;
  points: RobustAccuracyPoint[];
  /** Worst-case suites: the robust accuracy after each stage, in order (the last equals `points`). */
  stages?: { attack: string; points: RobustAccuracyPoint[] }[];
  /** Batches taken from the cache rather than computed. */
  cachedBatches?: number;
}

/** A point for `robust` of `n` examples, with its interval when n is below a full test set. */
export function accuracyPoint(eps: number, robust: number, n: number): RobustAccuracyPoint {
  const point: RobustAccuracyPoint = { eps, robust_accuracy: robust / n };
  if (n < FULL_TEST_SET) point.ci95 = wilsonInterval(robust, n).map((v) => Math.round(v * 1e4) / 1e4) as [number, number];
  return point;
}

/** Clean predictions for examples [0, n). */
async function cleanCorrect(model: AttackModel, x: tf.Tensor, y: Int32Array): Promise<number> {
  const pred = tf.tidy(() => tf.argMax(model.logits(x), 1));
  const p = await pred.data();
  pred.dispose();
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (p[i] === y[i]) correct++;
  return correct;
}

export async function robustAccuracy(
  model: AttackModel,
  data: ExampleSet,
  attack: AttackSpec,
  opts: RobustAccuracyOptions,
): Promise<RobustAccuracyResult> {
  const n = opts.n ?? data.count;
  const batchSize = opts.batchSize ?? 250;
  if (!Number.isInteger(n) || n < 1 || n > data.count) throw new Error(`n must be an integer in 1–${data.count}, got ${opts.n}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  if (opts.epsilons.length === 0 || opts.epsilons.some((e) => !(e >= 0))) {
    throw new Error(`epsilons must be a non-empty list of numbers ≥ 0, got [${opts.epsilons.join(', ')}]`);
  }
  const shard = opts.shard ?? { index: 0, count: 1 };
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new Error(`shard must be index/count with 0 ≤ index < count, got ${shard.index}/${shard.count}`);
  }
  const { batchSize: _b, n: _n, onBatch, cache, shard: _s, ...attackOpts } = opts;
  let counted = 0;
  let clean = 0;
  const robust = new Array<number>(opts.epsilons.length).fill(0);
  let stages: { attack: string; robust: number[] }[] | undefined;
  let cachedBatches = 0;
  const add = (o: BatchOutcome) => {
    clean += o.clean;
    o.robust.forEach((v, k) => (robust[k] += v));
    if (o.stages) {
      stages ??= o.stages.map((s) => ({ attack: s.attack, robust: new Array<number>(opts.epsilons.length).fill(0) }));
      o.stages.forEach((s, j) => s.robust.forEach((v, k) => (stages![j].robust[k] += v)));
    }
  };
  for (let start = 0; start < n; start += batchSize) {
    throwIfCancelled(opts.signal);
    const end = Math.min(n, start + batchSize);
    if ((start / batchSize) % shard.count !== shard.index) continue;
    counted += end - start;
    const hit = cache?.get(start, end);
    if (hit) {
      add(hit);
      cachedBatches++;
      onBatch?.(end, n);
      continue;
    }
    const { x, y } = data.batch(Int32Array.from({ length: end - start }, (_, i) => start + i));
    try {
      const labels = (await y.data()) as Int32Array;
      const outcome: BatchOutcome = { clean: await cleanCorrect(model, x, labels), robust: new Array<number>(opts.epsilons.length).fill(0) };
      const result = await attack.run(model, x, labels, { ...attackOpts, seed: (opts.seed ?? 0) + start });
      result.results.forEach((r, k) => {
        r.adversarial.dispose();
        for (let i = 0; i < r.success.length; i++) if (!r.success[i]) outcome.robust[k]++;
      });
      if (result.stages) outcome.stages = result.stages;
      cache?.put(start, end, outcome);
      add(outcome);
    } finally {
      x.dispose();
      y.dispose();
    }
    onBatch?.(end, n);
  }
  if (counted === 0) throw new Error(`shard ${shard.index}/${shard.count} holds none of the ${Math.ceil(n / batchSize)} batches of ${batchSize} examples`);
  const total = counted;
  const out: RobustAccuracyResult = {
    n: total,
    clean_accuracy: clean / total,
    points: opts.epsilons.map((eps, k) => accuracyPoint(eps, robust[k], total)),
  };
  if (stages) out.stages = stages.map((s) => ({ attack: s.attack, points: opts.epsilons.map((eps, k) => accuracyPoint(eps, s.robust[k], total)) }));
  if (cache) out.cachedBatches = cachedBatches;
  return out;
}
