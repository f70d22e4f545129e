/**
 * Transfer attack: PGD crafted on a surrogate model (its gradients only), then scored on the target with forward
 * passes. The target's gradients are never asked for; `queries` counts the target's evaluations (one per example
 * and ε), the surrogate's work is not counted.
 */
import { iterativeAtEpsilon } from './iterative';
import { runEpsilonCurve } from './epsilon-curve';
import { projectedGradientSettings, settingsRecord } from './pgd';
import type { AttackSpec } from './types';

export const transfer: AttackSpec = {
  id: 'transfer',
  name: 'Transfer (PGD on a surrogate)',
  norm: 'linf',
  norms: ['linf', 'l2'],
  kind: 'transfer',
  targeted: true,
  needs: 'surrogate',
  defaults: { steps: 40, randomStart: true, restarts: 1 },
  description: 'Adversarial examples made with PGD on a surrogate model, evaluated on the target model.',
  reference: 'Papernot et al. 2017; Tramèr et al. 2017',
  async run(model, x, labels, opts) {
    const surrogate = opts.surrogate;
    if (!surrogate || typeof surrogate.logits !== 'function')
      throw new Error('transfer: opts.surrogate is required: the AttackModel the perturbation is crafted on');
    if (surrogate.numClasses !== model.numClasses || surrogate.inputShape.join() !== model.inputShape.join())
      throw new Error(
        `transfer: opts.surrogate must match the target (numClasses ${model.numClasses}, inputShape [${model.inputShape}]), got ${surrogate.numClasses}, [${surrogate.inputShape}]`,
      );
    const norm = opts.norm === 'l2' ? 'l2' : 'linf';
    const settings = projectedGradientSettings(opts, norm, { steps: 40, randomStart: true });
    return runEpsilonCurve(model, x, labels, opts, {
      caps: { id: 'transfer', norms: ['linf', 'l2'], targeted: true },
      hyperparameters: settingsRecord(settings),
      async atEpsilon(ctx, xRows, rows, eps) {
        const out = await iterativeAtEpsilon(ctx, xRows, rows, eps, settings, surrogate);
        return { adversarial: out.adversarial, queries: rows.length };
      },
    });
  },
};
