/**
 * Square Attack, L∞ (Andriushchenko et al. 2020): a score-based black-box attack. It starts from vertical stripes
 * of ±ε and, per query, proposes to reset one random s×s window (per channel ±ε) of δ, keeping the proposal when
 * the margin loss drops. The window covers a fraction p of the image, p shrinking on the paper's schedule over the
 * query budget. It sees only scores (a query-counting oracle, never gradients); each example spends at most
 * `queryBudget` queries (the initial stripes count as one). Inputs that are not images ([D] vectors) are treated
 * as a 1×D image with 1-D windows.
 */
import * as tf from '@tensorflow/tfjs';
import { checkpoint } from '../util/checkpoint';
import { rowClasses, runEpsilonCurve } from './epsilon-curve';
import { mean, rowStats } from './losses';
import { scoreOracle } from './model-adapter';
import type { AttackSpec, ScoreOracle } from './types';
import type { Rng } from '../util/rng';

/** The paper's schedule of p, defined for 10 000 queries and rescaled to the budget. */
export function squareFraction(pInit: number, iteration: number, budget: number): number {
  const it = Math.floor((iteration / budget) * 10000);
  const cuts = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let p = pInit;
  for (const c of cuts) if (it > c) p /= 2;
  return p;
}

interface Geometry {
  h: number;
  w: number;
  c: number;
}

function geometry(shape: number[]): Geometry {
  if (shape.length === 3) return { h: shape[0], w: shape[1], c: shape[2] };
  return { h: 1, w: shape.reduce((a, b) => a * b, 1), c: 1 };
}

function windowSide(p: number, g: Geometry): number {
  if (g.h > 1) return Math.min(Math.max(Math.round(Math.sqrt(p * g.h * g.w)), 1), g.h - 1);
  return Math.min(Math.max(Math.round(p * g.w), 1), Math.max(g.w - 1, 1));
}

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

async function scoresOf(oracle: ScoreOracle, values: Float32Array, shape: number[]): Promise<Float32Array> {
  const t = tf.tensor(values, shape, 'float32');
  const z = tf.tidy(() => oracle.scores(t));
  t.dispose();
  try {
    return (await z.data()) as Float32Array;
  } finally {
    z.dispose();
  }
}

/** One proposal for example i: δ with a fresh ±ε window that changes the clipped point. */
function propose(
  delta: Float32Array,
  x: Float32Array,
  i: number,
  d: number,
  g: Geometry,
  s: number,
  eps: number,
  bounds: [number, number],
  rng: Rng,
): Float32Array {
  const sh = g.h > 1 ? s : 1;
  const out = delta.slice(i * d, (i + 1) * d);
  for (let attempt = 0; attempt < 10; attempt++) {
    const r0 = rng.int(g.h - sh + 1);
    const c0 = rng.int(g.w - s + 1);
    let changed = false;
    for (let ch = 0; ch < g.c; ch++) {
      const v = rng.next() < 0.5 ? -eps : eps;
      for (let r = r0; r < r0 + sh; r++)
        for (let col = c0; col < c0 + s; col++) {
          const j = (r * g.w + col) * g.c + ch;
          const xi = x[i * d + j];
          if (clamp(xi + v, bounds[0], bounds[1]) !== clamp(xi + out[j], bounds[0], bounds[1])) changed = true;
          out[j] = v;
        }
    }
    if (changed) break;
  }
  return out;
}

export const square: AttackSpec = {
  id: 'square',
  name: 'Square Attack (L∞)',
  norm: 'linf',
  norms: ['linf'],
  kind: 'score',
  targeted: true,
  needs: 'scores',
  defaults: { queryBudget: 1000, initialFraction: 0.8 },
  description: 'Score-based black-box attack: random square updates of ±ε accepted when the margin loss drops.',
  reference: 'Andriushchenko, Croce, Flammarion & Hein 2020',
  run(model, x, labels, opts) {
    const budget = opts.queryBudget ?? 1000;
    const pInit = opts.initialFraction ?? 0.8;
    return runEpsilonCurve(model, x, labels, opts, {
      caps: { id: 'square', norms: ['linf'], targeted: true },
      hyperparameters: { queryBudget: budget, initialFraction: pInit },
      async atEpsilon(ctx, xRows, rows, eps) {
        if (eps === 0) return { adversarial: xRows.clone(), queries: 0 };
        const oracle = scoreOracle(ctx.model);
        const { labels: y, targets } = rowClasses(ctx, rows);
        const n = rows.length;
        const C = oracle.numClasses;
        const g = geometry(oracle.inputShape);
        const d = g.h * g.w * g.c;
        const bounds = oracle.bounds;
        const rng = ctx.rng;
        const xv = (await xRows.data()) as Float32Array;
        const delta = new Float32Array(n * d);
        for (let i = 0; i < n; i++)
          for (let col = 0; col < g.w; col++)
            for (let ch = 0; ch < g.c; ch++) {
              const v = rng.next() < 0.5 ? -eps : eps;
              for (let r = 0; r < g.h; r++) delta[i * d + (r * g.w + col) * g.c + ch] = v;
            }
        const point = (i: number, dl: Float32Array, offset: number, into: Float32Array, at: number) => {
          for (let j = 0; j < d; j++) into[at + j] = clamp(xv[i * d + j] + dl[offset + j], bounds[0], bounds[1]);
        };
        const all = new Float32Array(n * d);
        for (let i = 0; i < n; i++) point(i, delta, i * d, all, i * d);
        const stats = rowStats(await scoresOf(oracle, all, [n, ...oracle.inputShape]), n, C, y, targets);
        const margin = Float32Array.from(stats.margin);
        const success = Uint8Array.from(stats.success);
        const used = new Int32Array(n).fill(1);
        for (let it = 1; ; it++) {
          await checkpoint(ctx.opts.signal);
          const active: number[] = [];
          for (let i = 0; i < n; i++) if (!success[i] && used[i] < budget) active.push(i);
          if (active.length === 0) break;
          const s = windowSide(squareFraction(pInit, it, budget), g);
          const m = active.length;
          const proposals = new Float32Array(m * d);
          const batch = new Float32Array(m * d);
          active.forEach((i, a) => {
            proposals.set(propose(delta, xv, i, d, g, s, eps, bounds, rng), a * d);
            point(i, proposals, a * d, batch, a * d);
          });
          const st = rowStats(await scoresOf(oracle, batch, [m, ...oracle.inputShape]), m, C, Int32Array.from(active, (i) => y[i]), targets ? Int32Array.from(active, (i) => targets[i]) : null);
          active.forEach((i, a) => {
            used[i]++;
            if (st.margin[a] < margin[i] || st.success[a]) {
              margin[i] = st.margin[a];
              success[i] = st.success[a];
              delta.set(proposals.subarray(a * d, (a + 1) * d), i * d);
            }
          });
          ctx.opts.onStep?.({
            epsilon: eps,
            restart: 0,
            step: it,
            steps: budget - 1,
            loss: mean(margin),
            trueConfidence: mean(st.trueConfidence),
            bestOtherConfidence: mean(st.bestOtherConfidence),
            norm: eps,
            successRate: mean(success),
          });
        }
        for (let i = 0; i < n; i++) point(i, delta, i * d, all, i * d);
        return { adversarial: tf.tensor(all, xRows.shape, 'float32'), queries: oracle.queries };
      },
    });
  },
};
