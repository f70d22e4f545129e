/**
 * DeepFool (Moosavi-Dezfooli et al. 2016), untargeted, L2 and L∞: linearise the classifier around the current
 * point and step to the nearest linearised boundary, r = (|f_l| + 1e-4)/‖w_l‖_q^q · |w_l|^(q−1)·sign(w_l) with
 * f_k = z_k − z_y, w_k = ∇z_k − ∇z_y and l = argmin_{k≠y} |f_k|/‖w_k‖_q (q the dual norm: 2 for L2, 1 for L∞).
 * Steps accumulate until the prediction changes; the result is x + (1 + overshoot)·Σr, clipped to the box.
 */
import * as tf from '@tensorflow/tfjs';
import { checkpoint } from '../util/checkpoint';
import { classGradients } from './class-gradients';
import { rowClasses, runEpsilonCurve, type CurveContext } from './epsilon-curve';
import { mean, rowStats } from './losses';
import { minimizationCurve } from './minimization';
import { clipToBounds } from './perturbation';
import { exactSign } from './step-rules';
import type { AttackSpec } from './types';

export async function deepFool(
  ctx: CurveContext,
  x: tf.Tensor,
  rows: Int32Array,
  settings: { steps: number; overshoot: number; norm: 'l2' | 'linf' },
): Promise<{ adversarial: tf.Tensor; queries: number }> {
  const { model } = ctx;
  const n = x.shape[0];
  const C = model.numClasses;
  const { labels } = rowClasses(ctx, rows);
  const labelsT = tf.tensor1d(labels, 'int32');
  let total = tf.zeros([n, x.size / n]);
  let xAdv = x.clone();
  let queries = 0;
  try {
    for (let step = 0; step < settings.steps; step++) {
      await checkpoint(ctx.opts.signal);
      const { grads, logits } = classGradients(model, xAdv);
      queries += n * C;
      const [w, packed] = tf.tidy(() => {
        const onehot = tf.oneHot(labelsT, C).cast('float32'); // [n, C]
        const gTrue = grads.mul(onehot.transpose().expandDims(2)).sum(0); // [n, D]
        const wAll = grads.sub(gTrue.expandDims(0)); // [C, n, D]
        const dual = settings.norm === 'l2' ? wAll.square().sum(2).sqrt() : wAll.abs().sum(2); // [C, n]
        return [wAll, tf.concat([logits, dual.transpose()], 1)];
      });
      grads.dispose();
      logits.dispose();
      const data = await packed.data();
      packed.dispose();
      const stats = rowStats(data, n, C, labels, null, 2 * C);
      const choice = new Float32Array(n * C);
      const factor = new Float32Array(n);
      let active = 0;
      for (let i = 0; i < n; i++) {
        if (stats.success[i]) continue;
        active++;
        const o = i * 2 * C;
        let l = -1;
        let bestRatio = Infinity;
        for (let k = 0; k < C; k++) {
          if (k === labels[i]) continue;
          const ratio = Math.abs(data[o + k] - data[o + labels[i]]) / (data[o + C + k] + 1e-8);
          if (ratio < bestRatio) {
            bestRatio = ratio;
            l = k;
          }
        }
        const f = Math.abs(data[o + l] - data[o + labels[i]]) + 1e-4;
        const dn = data[o + C + l] + 1e-8;
        choice[i * C + l] = 1;
        factor[i] = settings.norm === 'l2' ? f / (dn * dn) : f / dn;
      }
      ctx.opts.onStep?.({
        epsilon: NaN,
        restart: 0,
        step,
        steps: settings.steps,
        loss: mean(stats.objective),
        trueConfidence: mean(stats.trueConfidence),
        bestOtherConfidence: mean(stats.bestOtherConfidence),
        norm: NaN,
        successRate: mean(stats.success),
      });
      if (active === 0) {
        w.dispose();
        break;
      }
      const [nextTotal, nextAdv] = tf.tidy(() => {
        const pick = tf.tensor2d(choice, [n, C]).transpose().expandDims(2); // [C, n, 1]
        const wl = w.mul(pick).sum(0); // [n, D]
        const dir = settings.norm === 'l2' ? wl : exactSign(wl);
        const t = total.add(dir.mul(tf.tensor1d(factor).expandDims(1)));
        return [t, clipToBounds(x.add(t.mul(1 + settings.overshoot).reshape(x.shape)), model.bounds)];
      });
      w.dispose();
      total.dispose();
      xAdv.dispose();
      total = nextTotal;
      xAdv = nextAdv;
    }
  } catch (err) {
    xAdv.dispose();
    throw err;
  } finally {
    total.dispose();
    labelsT.dispose();
  }
  return { adversarial: xAdv, queries };
}

export const deepfool: AttackSpec = {
  id: 'deepfool',
  name: 'DeepFool',
  norm: 'l2',
  norms: ['l2', 'linf'],
  kind: 'minimization',
  targeted: false,
  needs: 'gradients',
  defaults: { steps: 50, overshoot: 0.02 },
  description: 'Steps to the nearest boundary of the locally linearised classifier until the label flips.',
  reference: 'Moosavi-Dezfooli, Fawzi & Frossard 2016',
  run(model, x, labels, opts) {
    const settings = { steps: opts.steps ?? 50, overshoot: opts.overshoot ?? 0.02, norm: opts.norm === 'linf' ? ('linf' as const) : ('l2' as const) };
    return runEpsilonCurve(
      model,
      x,
      labels,
      opts,
      minimizationCurve({ id: 'deepfool', norms: ['l2', 'linf'], targeted: false }, { steps: settings.steps, overshoot: settings.overshoot }, (ctx, xRows, rows) =>
        deepFool(ctx, xRows, rows, settings),
      ),
    );
  },
};
