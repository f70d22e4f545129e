/**
 * Two ways adversarial training goes wrong, read off the series of held-out evaluations (pure functions, so the
 * worker, a script and a test see the same verdict).
 *
 * - Catastrophic overfitting (Wong, Rice & Kolter 2020): single-step training (FGSM) suddenly stops being robust to
 *   multi-step attacks. PGD accuracy collapses while FGSM accuracy keeps climbing, because the model has learned to
 *   mask its gradient locally so that one FGSM step no longer finds the adversarial direction. With a large ε or α
 *   it can set in before PGD accuracy ever rises: then FGSM accuracy climbs far above a PGD accuracy that stays
 *   low, and the widening gap is the sign.
 * - Robust overfitting (Rice, Wong & Kolter 2020): robust accuracy on held-out data peaks and then falls while the
 *   training loss keeps dropping; the remedy is early stopping at the best robust checkpoint.
 *
 * Accuracies are fractions in [0, 1]. A held-out batch of 200 images moves accuracy in steps of 0.5 points and
 * its noise is a few points, so the thresholds below are set well above that.
 */

/** One held-out evaluation: accuracies on the same fixed batch. */
export interface EvalPoint {
  step: number;
  clean: number;
  /** Accuracy under the multi-step attack (PGD-k), the robust accuracy. */
  robust: number;
  /** Accuracy under single-step FGSM (no random start) at the same ε. */
  fgsm: number;
}

export interface CatastrophicOptions {
  /** Drop of PGD accuracy below its best so far that counts as a collapse (default 0.2 = 20 points). */
  drop?: number;
  /** FGSM accuracy must be at least this much above its value at the best-PGD evaluation (default 0: not lower). */
  fgsmRise?: number;
  /** FGSM minus PGD accuracy that counts as masking (default 0.4 = 40 points)… */
  gap?: number;
  /** …once it has widened by this much since the first evaluation (default 0.3 = 30 points). */
  gapGrowth?: number;
  /**
   * The step at which an ε ramp reaches the full ε (default 0: no ramp). The gap sign is read only from then on:
   * while training runs at a fraction of the ε the held-out check attacks with, FGSM accuracy at the full ε rises
   * well before PGD accuracy does (the model resists one step at the small ε it is learning, not yet many), which
   * is a ramp's normal course, not masking. A collapse from a PGD best is reported during a ramp too.
   */
  rampEndStep?: number;
}

export interface CatastrophicOverfitting {
  /** 'collapse': PGD accuracy fell from its best; 'gap': FGSM accuracy rose far above a PGD accuracy that stayed low. */
  kind: 'collapse' | 'gap';
  /** The first evaluation at which it was seen. */
  step: number;
  bestStep: number;
  bestRobust: number;
  robust: number;
  fgsmAtBest: number;
  fgsm: number;
}

export interface RobustOverfittingOptions {
  /** Evaluations in a row below the best before it counts (default 3). */
  patience?: number;
  /** How far below the best robust accuracy the latest evaluations must be (default 0.03 = 3 points). */
  minDrop?: number;
}

export interface RobustOverfitting {
  /** The step whose weights an early stop should restore. */
  bestStep: number;
  bestRobust: number;
  /** The latest robust accuracy. */
  robust: number;
  /** Evaluations since the best. */
  evalsSinceBest: number;
}

function checkSeries(series: readonly EvalPoint[]): void {
  series.forEach((p, i) => {
    for (const key of ['clean', 'robust', 'fgsm'] as const) {
      if (!(p[key] >= 0 && p[key] <= 1)) throw new Error(`series[${i}].${key} must be an accuracy in [0, 1], got ${p[key]}`);
    }
    if (i > 0 && !(p.step > series[i - 1].step)) throw new Error(`series[${i}].step must increase, got ${p.step} after ${series[i - 1].step}`);
  });
}

/**
 * The first evaluation where either PGD accuracy has fallen by more than `drop` from its best so far while FGSM
 * accuracy has not fallen (it climbed, or held) since that best, or FGSM accuracy exceeds PGD accuracy by at least
 * `gap` after that difference widened by at least `gapGrowth` since the first evaluation (from `rampEndStep` on);
 * null when neither shows.
 */
export function detectCatastrophicOverfitting(
  series: readonly EvalPoint[],
  opts: CatastrophicOptions = {},
): CatastrophicOverfitting | null {
  checkSeries(series);
  const drop = opts.drop ?? 0.2;
  const fgsmRise = opts.fgsmRise ?? 0;
  const gap = opts.gap ?? 0.4;
  const gapGrowth = opts.gapGrowth ?? 0.3;
  if (!(drop > 0 && drop < 1)) throw new Error(`drop must be in (0, 1), got ${drop}`);
  if (!(gap > 0 && gap <= 1)) throw new Error(`gap must be in (0, 1], got ${gap}`);
  if (!(gapGrowth >= 0 && gapGrowth <= 1)) throw new Error(`gapGrowth must be in [0, 1], got ${gapGrowth}`);
  const rampEndStep = opts.rampEndStep ?? 0;
  if (!(rampEndStep >= 0)) throw new Error(`rampEndStep must be ≥ 0, got ${rampEndStep}`);
  let best: EvalPoint | null = null;
  const firstGap = series.length ? series[0].fgsm - series[0].robust : 0;
  for (const p of series) {
    const found = (kind: CatastrophicOverfitting['kind'], b: EvalPoint): CatastrophicOverfitting => ({
      kind,
      step: p.step,
      bestStep: b.step,
      bestRobust: b.robust,
      robust: p.robust,
      fgsmAtBest: b.fgsm,
      fgsm: p.fgsm,
    });
    if (best && best.robust - p.robust > drop && p.fgsm - best.fgsm >= fgsmRise) return found('collapse', best);
    if (!best || p.robust > best.robust) best = p;
    const g = p.fgsm - p.robust;
    if (p.step >= rampEndStep && g >= gap && g - firstGap >= gapGrowth) return found('gap', best);
  }
  return null;
}

/**
 * Robust overfitting as of the latest evaluation: the last `patience` evaluations all lie more than `minDrop` below
 * the best robust accuracy, which came before them. Null while robust accuracy is still at or near its best.
 */
export function detectRobustOverfitting(series: readonly EvalPoint[], opts: RobustOverfittingOptions = {}): RobustOverfitting | null {
  checkSeries(series);
  const patience = opts.patience ?? 3;
  const minDrop = opts.minDrop ?? 0.03;
  if (!(Number.isInteger(patience) && patience >= 1)) throw new Error(`patience must be a positive integer, got ${patience}`);
  if (!(minDrop >= 0 && minDrop < 1)) throw new Error(`minDrop must be in [0, 1), got ${minDrop}`);
  if (series.length < patience + 1) return null;
  let bestIndex = 0;
  series.forEach((p, i) => {
    if (p.robust > series[bestIndex].robust) bestIndex = i;
  });
  const best = series[bestIndex];
  const since = series.length - 1 - bestIndex;
  if (since < patience) return null;
  const tail = series.slice(series.length - patience);
  if (!tail.every((p) => best.robust - p.robust > minDrop)) return null;
  return { bestStep: best.step, bestRobust: best.robust, robust: series[series.length - 1].robust, evalsSinceBest: since };
}
