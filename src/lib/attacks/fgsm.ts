/**
 * FGSM (Goodfellow et al. 2015): one step x + ε·sign(∇ₓL), clipped to the box. With randomStart it is FGSM-RS
 * (Wong, Rice & Kolter 2020): start uniformly in the ε-cube and step 1.25ε, then project.
 */
import { runEpsilonCurve } from './epsilon-curve';
import { iterativeAtEpsilon, type IterativeSettings } from './iterative';
import { signStep } from './step-rules';
import type { AttackSpec } from './types';

export const fgsm: AttackSpec = {
  id: 'fgsm',
  name: 'FGSM',
  norm: 'linf',
  norms: ['linf'],
  kind: 'gradient',
  targeted: true,
  needs: 'gradients',
  defaults: { randomStart: false, restarts: 1 },
  description: 'Fast gradient sign method: one step of size ε along the sign of the loss gradient.',
  reference: 'Goodfellow, Shlens & Szegedy 2015; FGSM-RS: Wong, Rice & Kolter 2020',
  run(model, x, labels, opts) {
    const randomStart = opts.randomStart ?? false;
    const settings: IterativeSettings = {
      norm: 'linf',
      steps: 1,
      stepSize: opts.stepSize,
      relativeStepSize: opts.relativeStepSize ?? (randomStart ? 1.25 : 1),
      randomStart,
      restarts: opts.restarts ?? 1,
      rule: signStep,
    };
    return runEpsilonCurve(model, x, labels, opts, {
      caps: { id: 'fgsm', norms: ['linf'], targeted: true },
      // Without a random start the one step is taken from the clean input: its gradient comes with the clean pass.
      cleanGradient: !randomStart,
      hyperparameters: {
        steps: 1,
        ...(settings.stepSize !== undefined ? { stepSize: settings.stepSize } : { relativeStepSize: settings.relativeStepSize }),
        randomStart,
        restarts: settings.restarts,
      },
      atEpsilon: (ctx, xRows, rows, eps) => iterativeAtEpsilon(ctx, xRows, rows, eps, settings),
    });
  },
};
