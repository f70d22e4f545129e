/**
 * MI-FGSM (Dong et al. 2018): BIM with momentum on the L1-normalised gradient, g ← μ·g + ∇/‖∇‖₁, step α·sign(g);
 * the accumulated direction escapes poor local maxima and transfers better. Default α = ε/steps, μ = 1.
 */
import * as tf from '@tensorflow/tfjs';
import { runEpsilonCurve } from './epsilon-curve';
import { iterativeAtEpsilon, type IterativeSettings, type StepRuleFactory } from './iterative';
import { settingsRecord } from './pgd';
import { flatten } from './perturbation';
import { exactSign, rescalePerExample } from './step-rules';
import type { AttackSpec } from './types';

export function momentumSignStep(mu: number): StepRuleFactory {
  return () => {
    let velocity: tf.Tensor | null = null;
    return {
      next(s) {
        const r = rescalePerExample(s.grad);
        const l1 = flatten(r).abs().sum(1).reshape([r.shape[0], ...new Array<number>(r.rank - 1).fill(1)]);
        const g = r.div(tf.maximum(l1, 1e-12));
        const v = velocity ? velocity.mul(mu).add(g) : g;
        velocity?.dispose();
        velocity = tf.keep(v);
        return s.x.add(s.stepSize.mul(exactSign(v)));
      },
      dispose() {
        velocity?.dispose();
      },
    };
  };
}

export const mifgsm: AttackSpec = {
  id: 'mifgsm',
  name: 'MI-FGSM',
  norm: 'linf',
  norms: ['linf'],
  kind: 'gradient',
  targeted: true,
  needs: 'gradients',
  defaults: { steps: 10, momentum: 1, randomStart: false, restarts: 1 },
  description: 'Momentum iterative FGSM: accumulates L1-normalised gradients with decay μ and steps along their sign.',
  reference: 'Dong et al. 2018',
  run(model, x, labels, opts) {
    const steps = opts.steps ?? 10;
    const mu = opts.momentum ?? 1;
    const settings: IterativeSettings = {
      norm: 'linf',
      steps,
      stepSize: opts.stepSize,
      relativeStepSize: opts.relativeStepSize ?? 1 / steps,
      randomStart: opts.randomStart ?? false,
      restarts: opts.restarts ?? 1,
      rule: momentumSignStep(mu),
    };
    return runEpsilonCurve(model, x, labels, opts, {
      caps: { id: 'mifgsm', norms: ['linf'], targeted: true },
      hyperparameters: { ...settingsRecord(settings), momentum: mu },
      atEpsilon: (ctx, xRows, rows, eps) => iterativeAtEpsilon(ctx, xRows, rows, eps, settings),
    });
  },
};
