/**
 * JSMA (Papernot et al. 2016), single-element variant, L0. Each iteration takes α = ∂z_t/∂x and
 * β = Σ_{j≠t} ∂z_j/∂x (t = the target, or for untargeted runs the strongest other class at the current point) and
 * changes the one still-unchanged element with the largest saliency: increasing it when α > 0 and β < 0 (score
 * α·|β|), decreasing it when α < 0 and β > 0 (score |α|·β); when no element qualifies, the largest |α − β| in a
 * feasible direction. The element moves by θ (default: the full range, i.e. to the bound). At most γ·D elements
 * change (γ = gamma, default 0.1). ε for L0 is the NUMBER of changed elements.
 */
import * as tf from '@tensorflow/tfjs';
import { checkpoint } from '../util/checkpoint';
import { weightedLogitGradient } from './class-gradients';
import { rowClasses, runEpsilonCurve, type CurveContext } from './epsilon-curve';
import { mean, rowStats } from './losses';
import { minimizationCurve } from './minimization';
import type { AttackSpec } from './types';

export async function jacobianSaliency(
  ctx: CurveContext,
  x: tf.Tensor,
  rows: Int32Array,
  settings: { gamma: number; theta: number },
): Promise<{ adversarial: tf.Tensor; queries: number }> {
  const { model } = ctx;
  const n = x.shape[0];
  const C = model.numClasses;
  const [lo, hi] = model.bounds;
  const { labels, targets } = rowClasses(ctx, rows);
  const xv = Float32Array.from(await x.data());
  const d = xv.length / n;
  const maxChanges = Math.max(1, Math.floor(settings.gamma * d));
  const domain = new Uint8Array(n * d).fill(1);
  let queries = 0;
  const allOnes = tf.ones([n, C]) as tf.Tensor2D;
  try {
    for (let it = 0; it <= maxChanges; it++) {
      await checkpoint(ctx.opts.signal);
      const xa = tf.tensor(xv, x.shape, 'float32');
      const sum = weightedLogitGradient(model, xa, allOnes);
      queries += n;
      const z = await sum.logits.data();
      sum.logits.dispose();
      const stats = rowStats(z, n, C, labels, targets);
      ctx.opts.onStep?.({
        epsilon: NaN,
        restart: 0,
        step: it,
        steps: maxChanges,
        loss: mean(stats.objective),
        trueConfidence: mean(stats.trueConfidence),
        bestOtherConfidence: mean(stats.bestOtherConfidence),
        norm: it,
        successRate: mean(stats.success),
      });
      if (it === maxChanges || stats.success.every((s) => s === 1)) {
        xa.dispose();
        sum.grad.dispose();
        break;
      }
      const pickT = new Float32Array(n * C);
      for (let i = 0; i < n; i++) {
        let t = targets ? targets[i] : -1;
        if (t < 0) {
          let best = -Infinity;
          for (let k = 0; k < C; k++)
            if (k !== labels[i] && z[i * C + k] > best) {
              best = z[i * C + k];
              t = k;
            }
        }
        pickT[i * C + t] = 1;
      }
      const weights = tf.tensor2d(pickT, [n, C]);
      const tgt = weightedLogitGradient(model, xa, weights);
      tgt.logits.dispose();
      weights.dispose();
      queries += n;
      const choice = tf.tidy(() => {
        const alpha = tgt.grad;
        const beta = sum.grad.sub(alpha);
        const xf = xa.reshape([n, d]);
        const free = tf.tensor2d(domain, [n, d], 'int32').cast('bool');
        const canUp = free.logicalAnd(xf.less(hi));
        const canDown = free.logicalAnd(xf.greater(lo));
        const zero = tf.zerosLike(alpha);
        const up = tf.where(canUp.logicalAnd(alpha.greater(0)).logicalAnd(beta.less(0)), alpha.mul(beta.abs()), zero);
        const down = tf.where(canDown.logicalAnd(alpha.less(0)).logicalAnd(beta.greater(0)), alpha.abs().mul(beta), zero);
        const gain = alpha.sub(beta);
        const upFallback = tf.where(canUp.logicalAnd(gain.greater(0)), gain, zero);
        const downFallback = tf.where(canDown.logicalAnd(gain.less(0)), gain.neg(), zero);
        const saliency = tf.concat([up, down], 1);
        const fallback = tf.concat([upFallback, downFallback], 1);
        return tf.concat([saliency.argMax(1).cast('float32').expandDims(1), saliency.max(1).expandDims(1), fallback.argMax(1).cast('float32').expandDims(1), fallback.max(1).expandDims(1)], 1);
      });
      tgt.grad.dispose();
      sum.grad.dispose();
      xa.dispose();
      const c = await choice.data();
      choice.dispose();
      for (let i = 0; i < n; i++) {
        if (stats.success[i]) continue;
        const useSaliency = c[i * 4 + 1] > 0;
        if (!useSaliency && !(c[i * 4 + 3] > 0)) continue; // nothing left to change
        const k = Math.round(useSaliency ? c[i * 4] : c[i * 4 + 2]);
        const j = k % d;
        const dir = k < d ? 1 : -1;
        const at = i * d + j;
        xv[at] = Math.min(hi, Math.max(lo, xv[at] + dir * settings.theta));
        domain[at] = 0;
      }
    }
  } finally {
    allOnes.dispose();
  }
  return { adversarial: tf.tensor(xv, x.shape, 'float32'), queries };
}

export const jsma: AttackSpec = {
  id: 'jsma',
  name: 'JSMA',
  norm: 'l0',
  norms: ['l0'],
  kind: 'minimization',
  targeted: true,
  needs: 'gradients',
  defaults: { gamma: 0.1 },
  description: 'Jacobian saliency map attack: changes the most salient input elements one at a time (few pixels, L0).',
  reference: 'Papernot et al. 2016',
  run(model, x, labels, opts) {
    const finite = Number.isFinite(model.bounds[0]) && Number.isFinite(model.bounds[1]);
    const settings = { gamma: opts.gamma ?? 0.1, theta: opts.theta ?? (finite ? model.bounds[1] - model.bounds[0] : 1) };
    return runEpsilonCurve(
      model,
      x,
      labels,
      opts,
      minimizationCurve({ id: 'jsma', norms: ['l0'], targeted: true }, { ...settings }, (ctx, xRows, rows) =>
        jacobianSaliency(ctx, xRows, rows, settings),
      ),
    );
  },
};
