/** Target classes for targeted attacks. */
import type { Rng } from '../util/rng';
import type { TargetSpec } from './types';

/**
 * One target per example: 'given' uses target.label for all; 'random' draws uniformly among classes ≠ label;
 * 'least-likely' takes the class with the lowest clean logit.
 */
export function chooseTargets(
  spec: TargetSpec | undefined,
  labels: Int32Array,
  cleanLogits: ArrayLike<number>,
  numClasses: number,
  rng: Rng,
  id: string,
): Int32Array {
  const n = labels.length;
  const out = new Int32Array(n);
  const mode = spec?.mode ?? 'random';
  if (mode === 'given' && spec?.labels !== undefined) {
    const given = spec.labels;
    if (!(given instanceof Int32Array) || given.length !== n)
      throw new Error(`${id}: target.labels must be an Int32Array with one target per example (${n})`);
    for (let i = 0; i < n; i++) {
      if (given[i] < 0 || given[i] >= numClasses) throw new Error(`${id}: target.labels[${i}] = ${given[i]} is out of range [0, ${numClasses})`);
      out[i] = given[i];
    }
  } else if (mode === 'given') {
    const t = spec?.label;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= numClasses)
      throw new Error(`${id}: target.label must be an integer in [0, ${numClasses}) for mode 'given', got ${t}`);
    out.fill(t);
  } else if (mode === 'random') {
    for (let i = 0; i < n; i++) {
      const r = rng.int(numClasses - 1);
      out[i] = r >= labels[i] ? r + 1 : r;
    }
  } else {
    for (let i = 0; i < n; i++) {
      let arg = 0;
      for (let j = 1; j < numClasses; j++) if (cleanLogits[i * numClasses + j] < cleanLogits[i * numClasses + arg]) arg = j;
      out[i] = arg;
    }
  }
  return out;
}
