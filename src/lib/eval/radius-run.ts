/**
 * Per-example minimal adversarial ε (L∞) for the first n test examples, measured with the attack library's
 * bisection search (src/lib/attacks/minimal-epsilon.ts) batch by batch. The radii feed radius.ts (histogram, CDF,
 * median, robust margin). 0 marks a clean error, Infinity an example not broken within maxEpsilon.
 */
import * as tf from '@tensorflow/tfjs';
import { minimalEpsilon } from '../attacks/minimal-epsilon';
import type { AttackModel } from '../attacks/types';
import type { ExampleSet } from '../data/examples';
import { checkpoint } from '../util/checkpoint';

export interface RadiusRunOptions {
  /** Largest ε searched (L∞). */
  maxEpsilon: number;
  /** Bisection rounds: precision maxEpsilon / 2^rounds. */
  rounds: number;
  /** PGD steps and restarts per probe. */
  steps: number;
  restarts: number;
  batchSize?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Examples done out of n, counted in bisection rounds within a batch. */
  onProgress?: (done: number, total: number) => void;
}

export interface RadiusRun {
  radius: Float64Array;
  queries: number;
  seconds: number;
  hyperparameters: Record<string, number | string>;
}

export async function measureRadii(model: AttackModel, data: ExampleSet, n: number, opts: RadiusRunOptions): Promise<RadiusRun> {
  if (!Number.isInteger(n) || n < 1 || n > data.count) throw new Error(`n must be an integer in 1–${data.count}, got ${n}`);
  const batchSize = opts.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const t0 = performance.now();
  const radius = new Float64Array(n);
  let queries = 0;
  for (let start = 0; start < n; start += batchSize) {
    await checkpoint(opts.signal);
    const end = Math.min(n, start + batchSize);
    const { x, y } = data.batch(Int32Array.from({ length: end - start }, (_, i) => start + i));
    try {
      const labels = Int32Array.from(await y.data());
      const r = await minimalEpsilon(model, x, labels, {
        norm: 'linf',
        method: 'bisection',
        maxEpsilon: opts.maxEpsilon,
        rounds: opts.rounds,
        steps: opts.steps,
        restarts: opts.restarts,
        seed: (opts.seed ?? 0) + start,
        signal: opts.signal,
        onProgress: (done, total) => opts.onProgress?.(start + Math.round(((end - start) * done) / total), n),
      });
      r.adversarial.dispose();
      radius.set(r.radius, start);
      queries += r.queries;
    } finally {
      tf.dispose([x, y]);
    }
    opts.onProgress?.(end, n);
  }
  return {
    radius,
    queries,
    seconds: (performance.now() - t0) / 1000,
    hyperparameters: {
      method: 'bisection (PGD)',
      norm: 'linf',
      maxEpsilon: opts.maxEpsilon,
      rounds: opts.rounds,
      precision: opts.maxEpsilon / 2 ** opts.rounds,
      steps: opts.steps,
      restarts: opts.restarts,
      seed: opts.seed ?? 0,
      batchSize,
    },
  };
}
