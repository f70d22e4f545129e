/**
 * Baseline: uniform random noise in the ε-ball (L∞ cube, L2 ball, or ε randomly chosen elements set to uniform
 * values in the box for L0), several draws per example, keeping the first success or else the draw with the
 * highest objective. An attack that does no better than this is not an attack.
 */
import * as tf from '@tensorflow/tfjs';
import { checkpoint } from '../util/checkpoint';
import { selectRows } from './batch';
import { rowClasses, runEpsilonCurve, type CurveContext } from './epsilon-curve';
import { rowStats } from './losses';
import { clipToBounds, perExample, randomInBall } from './perturbation';
import type { AttackSpec } from './types';

async function l0Noise(ctx: CurveContext, x: tf.Tensor, k: number): Promise<tf.Tensor> {
  const n = x.shape[0];
  const xv = Float32Array.from(await x.data());
  const d = xv.length / n;
  const [lo, hi] = ctx.model.bounds;
  const finite = Number.isFinite(lo) && Number.isFinite(hi);
  const idx = Int32Array.from({ length: d }, (_, j) => j);
  for (let i = 0; i < n; i++) {
    ctx.rng.shuffle(idx);
    for (let r = 0; r < Math.min(k, d); r++) {
      const j = i * d + idx[r];
      xv[j] = finite ? ctx.rng.uniform(lo, hi) : xv[j] + ctx.rng.normal();
    }
  }
  return tf.tensor(xv, x.shape, 'float32');
}

export const noise: AttackSpec = {
  id: 'noise',
  name: 'Uniform noise',
  norm: 'linf',
  norms: ['linf', 'l2', 'l0'],
  kind: 'baseline',
  targeted: true,
  needs: 'scores',
  defaults: { samples: 10 },
  description: 'Random perturbations uniform in the ε-ball; the best of several draws. A baseline, not an attack.',
  reference: 'Carlini et al. 2019, "On Evaluating Adversarial Robustness" (sanity checks)',
  run(model, x, labels, opts) {
    const samples = opts.samples ?? 10;
    return runEpsilonCurve(model, x, labels, opts, {
      caps: { id: 'noise', norms: ['linf', 'l2', 'l0'], targeted: true },
      hyperparameters: { samples },
      async atEpsilon(ctx, xRows, rows, epsilon) {
        if (epsilon === 0) return { adversarial: xRows.clone(), queries: 0 };
        const { labels: y, targets } = rowClasses(ctx, rows);
        const n = rows.length;
        const C = model.numClasses;
        let best = xRows.clone();
        const bestSuccess = new Uint8Array(n);
        const bestObjective = new Float32Array(n).fill(-Infinity);
        const eps = perExample(new Float32Array(n).fill(epsilon), xRows.rank);
        let queries = 0;
        try {
          for (let s = 0; s < samples && !bestSuccess.every((v) => v === 1); s++) {
            await checkpoint(ctx.opts.signal);
            const candidate =
              ctx.norm === 'l0'
                ? await l0Noise(ctx, xRows, epsilon)
                : tf.tidy(() => clipToBounds(xRows.add(randomInBall(xRows, eps, ctx.norm as 'linf' | 'l2', ctx.rng.seed())), model.bounds));
            const logits = tf.tidy(() => model.logits(candidate));
            const data = await logits.data();
            logits.dispose();
            queries += n;
            const stats = rowStats(data, n, C, y, targets);
            const take = new Uint8Array(n);
            for (let i = 0; i < n; i++) {
              if (bestSuccess[i]) continue;
              if (stats.success[i] || stats.objective[i] > bestObjective[i]) {
                take[i] = 1;
                bestSuccess[i] = stats.success[i];
                bestObjective[i] = stats.objective[i];
              }
            }
            const next = selectRows(take, candidate, best);
            candidate.dispose();
            best.dispose();
            best = next;
          }
        } catch (err) {
          best.dispose();
          throw err;
        } finally {
          eps.dispose();
        }
        return { adversarial: best, queries };
      },
    });
  },
};
