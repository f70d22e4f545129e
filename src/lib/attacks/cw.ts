/**
 * Carlini & Wagner L2 (2017): minimise ‖x' − x‖₂² + c·max(margin, −κ) over w with x' = box(tanh(w)) — the tanh
 * change of variables keeps x' inside the box without clipping — by Adam, with a per-example binary search over
 * c: halve towards the smallest c that still succeeds, grow ×10 while none does. The margin is
 * z_y − max_{j≠y} z_j (untargeted) or max_{j≠t} z_j − z_t (targeted). Keeps, per example, the successful x' with
 * the smallest ‖δ‖₂; where none is found the clean input is returned.
 */
import * as tf from '@tensorflow/tfjs';
import { checkpoint } from '../util/checkpoint';
import { selectRows } from './batch';
import { rowClasses, runEpsilonCurve, type CurveContext } from './epsilon-curve';
import { classMargin, mean, rowStats } from './losses';
import { minimizationCurve } from './minimization';
import { flatten } from './perturbation';
import type { AttackSpec } from './types';

export interface CwSettings {
  steps: number;
  binarySearchSteps: number;
  initialConst: number;
  learningRate: number;
  confidence: number;
}

export async function carliniWagnerL2(
  ctx: CurveContext,
  x: tf.Tensor,
  rows: Int32Array,
  s: CwSettings,
): Promise<{ adversarial: tf.Tensor; queries: number }> {
  const { model } = ctx;
  const [lo, hi] = model.bounds;
  const boxed = Number.isFinite(lo) && Number.isFinite(hi);
  const n = x.shape[0];
  const C = model.numClasses;
  const { labels, targets } = rowClasses(ctx, rows);
  const classes = tf.tensor1d(targets ?? labels, 'int32');
  const toInput = (w: tf.Tensor) => (boxed ? w.tanh().add(1).mul((hi - lo) / 2).add(lo) : w.clone());
  const w0 = tf.tidy(() => (boxed ? x.sub(lo).div(hi - lo).mul(2).sub(1).clipByValue(-1 + 1e-6, 1 - 1e-6).atanh() : x.clone()));
  const c = new Float32Array(n).fill(s.initialConst);
  const lower = new Float32Array(n);
  const upper = new Float32Array(n).fill(Infinity);
  const bestL2 = new Float32Array(n).fill(Infinity);
  let best = x.clone();
  let queries = 0;
  const b1 = 0.9;
  const b2 = 0.999;
  // The objective: Σ_i ‖x'_i − x_i‖² + c_i·max(m_i, −κ), with m the margin of the class to leave (or reach).
  const objective = (w: tf.Tensor, cT: tf.Tensor1D) =>
    tf.tidy(() => {
      const xa = toInput(w);
      const dist = flatten(xa.sub(x)).square().sum(1);
      const m = classMargin(model.logits(xa), classes);
      const goal = targets ? m.neg() : m;
      return dist.add(cT.mul(tf.maximum(goal, -s.confidence))).sum() as tf.Scalar;
    });
  try {
    for (let round = 0; round < s.binarySearchSteps; round++) {
      const cT = tf.tensor1d(c);
      const found = new Uint8Array(n);
      // Adam state: the parameters w and the moment estimates.
      const adam = { w: w0.clone(), m: tf.zerosLike(w0), v: tf.zerosLike(w0) };
      try {
        for (let step = 0; step <= s.steps; step++) {
          await checkpoint(ctx.opts.signal);
          const wNow = adam.w;
          const xa = tf.tidy(() => toInput(wNow));
          const packed = tf.tidy(() => tf.concat([model.logits(xa), flatten(xa.sub(x)).square().sum(1).sqrt().expandDims(1)], 1));
          const data = await packed.data();
          packed.dispose();
          queries += n;
          const st = rowStats(data, n, C, labels, targets, C + 1);
          const take = new Uint8Array(n);
          for (let i = 0; i < n; i++) {
            const l2 = data[i * (C + 1) + C];
            const confident = s.confidence === 0 || -st.margin[i] >= s.confidence;
            if (st.success[i] && confident) {
              found[i] = 1;
              if (l2 < bestL2[i]) {
                bestL2[i] = l2;
                take[i] = 1;
              }
            }
          }
          if (take.some((v) => v === 1)) {
            const next = selectRows(take, xa, best);
            best.dispose();
            best = next;
          }
          ctx.opts.onStep?.({
            epsilon: NaN,
            restart: round,
            step,
            steps: s.steps,
            loss: mean(st.margin),
            trueConfidence: mean(st.trueConfidence),
            bestOtherConfidence: mean(st.bestOtherConfidence),
            norm: mean(Float32Array.from({ length: n }, (_, i) => data[i * (C + 1) + C])),
            successRate: mean(st.success),
          });
          xa.dispose();
          if (step === s.steps) break;
          const t = step + 1;
          const [wNext, mNext, vNext] = tf.tidy(() => {
            const g = tf.grad((wi: tf.Tensor) => objective(wi, cT))(wNow);
            const m1 = adam.m.mul(b1).add(g.mul(1 - b1));
            const v1 = adam.v.mul(b2).add(g.square().mul(1 - b2));
            const mHat = m1.div(1 - b1 ** t);
            const vHat = v1.div(1 - b2 ** t);
            return [wNow.sub(mHat.mul(s.learningRate).div(vHat.sqrt().add(1e-8))), m1, v1];
          });
          queries += n;
          adam.w.dispose();
          adam.m.dispose();
          adam.v.dispose();
          adam.w = wNext;
          adam.m = mNext;
          adam.v = vNext;
        }
      } finally {
        cT.dispose();
        adam.w.dispose();
        adam.m.dispose();
        adam.v.dispose();
      }
      for (let i = 0; i < n; i++) {
        if (found[i]) {
          upper[i] = Math.min(upper[i], c[i]);
          c[i] = (lower[i] + upper[i]) / 2;
        } else {
          lower[i] = Math.max(lower[i], c[i]);
          c[i] = Number.isFinite(upper[i]) ? (lower[i] + upper[i]) / 2 : c[i] * 10;
        }
      }
    }
  } catch (err) {
    best.dispose();
    throw err;
  } finally {
    w0.dispose();
    classes.dispose();
  }
  return { adversarial: best, queries };
}

export const cwL2: AttackSpec = {
  id: 'cw-l2',
  name: 'Carlini–Wagner L2',
  norm: 'l2',
  norms: ['l2'],
  kind: 'minimization',
  targeted: true,
  needs: 'gradients',
  defaults: { steps: 100, binarySearchSteps: 5, initialConst: 0.1, learningRate: 0.05, confidence: 0 },
  description: 'Finds a small L2 perturbation by optimising distance + c·margin in tanh space, with a binary search over c.',
  reference: 'Carlini & Wagner 2017',
  run(model, x, labels, opts) {
    const settings: CwSettings = {
      steps: opts.steps ?? 100,
      binarySearchSteps: opts.binarySearchSteps ?? 5,
      initialConst: opts.initialConst ?? 0.1,
      learningRate: opts.learningRate ?? 0.05,
      confidence: opts.confidence ?? 0,
    };
    return runEpsilonCurve(
      model,
      x,
      labels,
      opts,
      minimizationCurve({ id: 'cw-l2', norms: ['l2'], targeted: true }, { ...settings }, (ctx, xRows, rows) =>
        carliniWagnerL2(ctx, xRows, rows, settings),
      ),
    );
  },
};
