/**
 * What the overfitting warnings mean, in words for the person watching, and small helpers for saving files.
 */
import type { FinetuneWarnings } from '../../../lib/train/finetune';
import { formatPercent } from '../../format';

export interface WarningText {
  kind: 'catastrophic' | 'robust';
  title: string;
  body: string;
}

export function warningTexts(w: FinetuneWarnings, earlyStop: boolean, pgdName: string): WarningText[] {
  const out: WarningText[] = [];
  const c = w.catastrophic;
  if (c && c.kind === 'collapse') {
    out.push({
      kind: 'catastrophic',
      title: `Catastrophic overfitting at step ${c.step}`,
      body:
        `${pgdName} accuracy fell from ${formatPercent(c.bestRobust)} (step ${c.bestStep}) to ${formatPercent(c.robust)} while FGSM accuracy ` +
        `rose from ${formatPercent(c.fgsmAtBest)} to ${formatPercent(c.fgsm)}. The model has learned to defeat the single FGSM step ` +
        `(its loss surface bends so one step misses), not to be robust: a stronger attack still breaks it. Lower ε or α, ramp ε up, ` +
        `or switch to PGD-AT. The finished model keeps the weights with the best ${pgdName} accuracy.`,
    });
  } else if (c) {
    out.push({
      kind: 'catastrophic',
      title: `Catastrophic overfitting (gradient masking) at step ${c.step}`,
      body:
        `FGSM accuracy has climbed to ${formatPercent(c.fgsm)} while ${pgdName} accuracy stays at ${formatPercent(c.robust)}. ` +
        `The model is learning to defeat the single FGSM step (its loss surface bends so one step misses), not to be robust: ` +
        `a multi-step attack still breaks it, and FGSM accuracy here is no evidence of robustness. Lower ε or α, ramp ε up ` +
        `over the run, or switch to PGD-AT.`,
    });
  }
  const r = w.robustOverfitting;
  if (r) {
    out.push({
      kind: 'robust',
      title: 'Robust overfitting',
      body:
        `Held-out ${pgdName} accuracy has stayed below its best (${formatPercent(r.bestRobust)} at step ${r.bestStep}) for ` +
        `${r.evalsSinceBest} evaluations; it is now ${formatPercent(r.robust)}. More training fits the training set's adversarial ` +
        `examples instead of making the model robust. ` +
        (earlyStop
          ? `Training stops early and keeps the weights from step ${r.bestStep}.`
          : `Early stopping is off: the finished model still keeps the weights from step ${r.bestStep}.`),
    });
  }
  return out;
}
