/**
 * BIM / I-FGSM (Kurakin et al. 2017) and PGD (Madry et al. 2018) for L∞ and L2: repeated steepest-ascent steps of
 * the cross-entropy, each followed by clipping and projection onto the ε-ball. PGD starts from a random point of
 * the ball and may restart; BIM starts at x. Default step 2.5·ε/steps (Madry et al.).
 */
import { runEpsilonCurve } from './epsilon-curve';
import { iterativeAtEpsilon, type IterativeSettings } from './iterative';
import { stepFor } from './step-rules';
import type { AttackModel, AttackOptions, AttackResult, AttackSpec, Labels } from './types';
import type * as tf from '@tensorflow/tfjs';

/** Resolves the options of a BIM/PGD-style attack. */
export function projectedGradientSettings(
  opts: AttackOptions,
  norm: 'linf' | 'l2',
  defaults: { steps: number; randomStart: boolean },
): IterativeSettings {
  const steps = opts.steps ?? defaults.steps;
  return {
    norm,
    steps,
    stepSize: opts.stepSize,
    relativeStepSize: opts.relativeStepSize ?? 2.5 / steps,
    randomStart: opts.randomStart ?? defaults.randomStart,
    restarts: opts.restarts ?? 1,
    rule: stepFor(norm),
  };
}

export function settingsRecord(s: IterativeSettings): Record<string, number | string | boolean> {
  return {
    steps: s.steps,
    ...(s.stepSize !== undefined ? { stepSize: s.stepSize } : { relativeStepSize: s.relativeStepSize }),
    randomStart: s.randomStart,
    restarts: s.restarts,
  };
}

/** The loss a run ascended, for its hyperparameter record (cross-entropy unless asked otherwise). */
export function lossRecord(opts: AttackOptions): Record<string, string> {
  return opts.loss && opts.loss !== 'ce' ? { loss: opts.loss } : {};
}

function runProjectedGradient(
  id: string,
  norm: 'linf' | 'l2',
  defaults: { steps: number; randomStart: boolean },
  model: AttackModel,
  x: tf.Tensor,
  labels: Labels,
  opts: AttackOptions,
): Promise<AttackResult> {
  const settings = projectedGradientSettings(opts, norm, defaults);
  return runEpsilonCurve(model, x, labels, opts, {
    caps: { id, norms: [norm], targeted: true },
    hyperparameters: { ...settingsRecord(settings), ...lossRecord(opts) },
    cleanGradient: !settings.randomStart,
    atEpsilon: (ctx, xRows, rows, eps) => iterativeAtEpsilon(ctx, xRows, rows, eps, settings),
  });
}

export const bim: AttackSpec = {
  id: 'bim',
  name: 'BIM (I-FGSM)',
  norm: 'linf',
  norms: ['linf'],
  kind: 'gradient',
  targeted: true,
  needs: 'gradients',
  defaults: { steps: 10, randomStart: false, restarts: 1 },
  description: 'Basic iterative method: FGSM repeated with a small step, clipped to the ε-cube after every step.',
  reference: 'Kurakin, Goodfellow & Bengio 2017',
  run: (model, x, labels, opts) => runProjectedGradient('bim', 'linf', { steps: 10, randomStart: false }, model, x, labels, opts),
};

export const pgd: AttackSpec = {
  id: 'pgd',
  name: 'PGD (L∞)',
  norm: 'linf',
  norms: ['linf'],
  kind: 'gradient',
  targeted: true,
  needs: 'gradients',
  defaults: { steps: 40, randomStart: true, restarts: 1 },
  description: 'Projected gradient descent from a random start in the ε-cube; sign steps, projection after each.',
  reference: 'Madry et al. 2018',
  run: (model, x, labels, opts) => runProjectedGradient('pgd', 'linf', { steps: 40, randomStart: true }, model, x, labels, opts),
};

export const pgdL2: AttackSpec = {
  id: 'pgd-l2',
  name: 'PGD (L2)',
  norm: 'l2',
  norms: ['l2'],
  kind: 'gradient',
  targeted: true,
  needs: 'gradients',
  defaults: { steps: 50, randomStart: true, restarts: 1 },
  description: 'Projected gradient descent in the L2 ball: normalised-gradient steps, rescaled onto the ball.',
  reference: 'Madry et al. 2018',
  run: (model, x, labels, opts) => runProjectedGradient('pgd-l2', 'l2', { steps: 50, randomStart: true }, model, x, labels, opts),
};
