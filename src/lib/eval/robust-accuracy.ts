/**
 * Robust accuracy over ε: the fraction of examples that the attack fails to break at each budget, with clean
 * accuracy alongside. Examples are attacked in fixed-size batches (the last may be shorter); one attack call per
 * batch yields the whole ε-curve. An example misclassified when clean counts as broken at every ε.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackModel, AttackOptions, AttackSpec } from '../attacks/types';
import type { ExampleSet } from '../data/examples';
import { throwIfCancelled } from '../util/cancel';

export interface RobustAccuracyOptions extends Omit<AttackOptions, 'epsilons' | 'onStep'> {
  epsilons: number[];
  /** Examples per attack call (default 250). */
  batchSize?: number;
  /** Examples 0…n−1 of the set are evaluated (default: all). */
  n?: number;
  onBatch?: (done: number, total: number) => void;
}

export interface RobustAccuracyPoint {
  eps: number;
  robust_accuracy: number;
}

export interface RobustAccuracyResult {
  n: number;
  clean_accuracy: number;
  points: RobustAccuracyPoint[];
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
  const { batchSize: _b, n: _n, onBatch, ...attackOpts } = opts;
  let clean = 0;
  const robust = new Array<number>(opts.epsilons.length).fill(0);
  for (let start = 0; start < n; start += batchSize) {
    throwIfCancelled(opts.signal);
    const end = Math.min(n, start + batchSize);
    const { x, y } = data.batch(Int32Array.from({ length: end - start }, (_, i) => start + i));
    try {
      const labels = (await y.data()) as Int32Array;
      clean += await cleanCorrect(model, x, labels);
      const result = await attack.run(model, x, labels, { ...attackOpts, seed: (opts.seed ?? 0) + start });
      result.results.forEach((r, k) => {
        r.adversarial.dispose();
        for (let i = 0; i < r.success.length; i++) if (!r.success[i]) robust[k]++;
      });
    } finally {
      x.dispose();
      y.dispose();
    }
    onBatch?.(end, n);
  }
  return {
    n,
    clean_accuracy: clean / n,
    points: opts.epsilons.map((eps, k) => ({ eps, robust_accuracy: robust[k] / n })),
  };
}
