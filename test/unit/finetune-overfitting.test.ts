import { describe, it, expect } from 'vitest';
import {
  detectCatastrophicOverfitting,
  detectRobustOverfitting,
  type EvalPoint,
} from '../../src/lib/train/overfitting';

/** A series from parallel arrays of robust and FGSM accuracy, one evaluation every 20 steps. */
function series(robust: number[], fgsm: number[], clean = 0.98): EvalPoint[] {
  return robust.map((r, i) => ({ step: 20 * i, clean, robust: r, fgsm: fgsm[i] }));
}

describe('catastrophic overfitting', () => {
  it('fires at the first evaluation where PGD collapses while FGSM climbs', () => {
    // The textbook picture (Wong et al. 2020, fig. 1): PGD rises, then falls to ~0 within an epoch; FGSM goes to ~1.
    const s = series([0.1, 0.4, 0.6, 0.55, 0.3, 0.05], [0.3, 0.6, 0.75, 0.8, 0.9, 0.97]);
    const found = detectCatastrophicOverfitting(s);
    expect(found).not.toBeNull();
    expect(found!.kind).toBe('collapse');
    expect(found!.step).toBe(80); // 0.6 → 0.3 is the first drop of more than 20 points
    expect(found!.bestStep).toBe(40);
    expect(found!.bestRobust).toBe(0.6);
    expect(found!.robust).toBe(0.3);
    expect(found!.fgsm).toBeGreaterThan(found!.fgsmAtBest);
  });

  it('fires on a widening FGSM−PGD gap when PGD accuracy never rises (masking from the start)', () => {
    // Measured shape: mnist-cnn, FGSM-RS at ε = 0.3 with α = 2ε: PGD stays near 0 while FGSM climbs to 60 %.
    const s = series([0, 0, 0.005, 0, 0.005, 0.005, 0.01], [0.015, 0.085, 0.21, 0.31, 0.39, 0.435, 0.48]);
    const found = detectCatastrophicOverfitting(s);
    expect(found?.kind).toBe('gap');
    expect(found?.step).toBe(100); // the first evaluation with FGSM − PGD ≥ 40 points (0.435 − 0.005)
    // A healthy run narrows the gap (measured at ε = 0.1: 23 points at step 0, 11 at the end): silent.
    expect(detectCatastrophicOverfitting(series([0.24, 0.555, 0.695, 0.75, 0.81], [0.47, 0.755, 0.83, 0.855, 0.92]))).toBeNull();
    // A gap that was already wide at the start (an FGSM-robust but PGD-weak base model) does not count until it widens.
    expect(detectCatastrophicOverfitting(series([0.1, 0.12], [0.55, 0.6]))).toBeNull();
  });

  it('reads the gap only once an ε ramp has reached the full ε, but still sees masking after it', () => {
    // Measured shape (session 3): N-FGSM from mnist-cnn at ε = 0.3, ramped over 1 000 of 2 000 steps, checked every
    // 100 steps at the full ε: FGSM accuracy leads during the ramp, PGD catches up once training reaches ε.
    const ramped: EvalPoint[] = [0, 0, 0, 0, 0, 0.21, 0.47, 0.49, 0.48].map((r, i) => ({ step: 100 * i + (i > 4 ? 400 : 0), clean: 0.98, robust: r, fgsm: [0.015, 0.095, 0.46, 0.645, 0.7, 0.645, 0.7, 0.64, 0.645][i] }));
    expect(detectCatastrophicOverfitting(ramped)?.kind).toBe('gap'); // without the ramp's end: a false alarm at step 200
    expect(detectCatastrophicOverfitting(ramped, { rampEndStep: 1000 })).toBeNull();
    // Masking that persists after the ramp is still reported, at the first evaluation at the full ε.
    const masked = ramped.map((p) => (p.step >= 900 ? { ...p, robust: 0.02 } : p));
    expect(detectCatastrophicOverfitting(masked, { rampEndStep: 1000 })).toMatchObject({ kind: 'gap', step: 1000 });
    expect(() => detectCatastrophicOverfitting(ramped, { rampEndStep: -1 })).toThrow(/rampEndStep/);
  });

  it('stays silent when PGD and FGSM fall together (ordinary degradation, not gradient masking)', () => {
    const s = series([0.1, 0.6, 0.3, 0.2], [0.3, 0.8, 0.5, 0.4]);
    expect(detectCatastrophicOverfitting(s)).toBeNull();
  });

  it('stays silent on a healthy run and on a drop within the threshold', () => {
    expect(detectCatastrophicOverfitting(series([0.1, 0.3, 0.5, 0.6, 0.65], [0.3, 0.5, 0.7, 0.75, 0.8]))).toBeNull();
    expect(detectCatastrophicOverfitting(series([0.6, 0.45], [0.7, 0.8]))).toBeNull(); // 15 points < 20, gap 35 < 40
    expect(detectCatastrophicOverfitting(series([0.6, 0.45], [0.7, 0.8]), { drop: 0.1 })?.kind).toBe('collapse');
    expect(detectCatastrophicOverfitting([])).toBeNull();
  });

  it('rejects accuracies outside [0, 1] and steps that do not increase, naming the field', () => {
    expect(() => detectCatastrophicOverfitting(series([0.1, 45], [0.2, 0.3]))).toThrow(/series\[1\]\.robust/);
    const s = series([0.1, 0.2], [0.1, 0.2]);
    s[1].step = 0;
    expect(() => detectCatastrophicOverfitting(s)).toThrow(/step must increase/);
    expect(() => detectCatastrophicOverfitting(series([0.1], [0.1]), { drop: 2 })).toThrow(/drop/);
    expect(() => detectCatastrophicOverfitting(series([0.1], [0.1]), { gap: 0 })).toThrow(/gap/);
  });
});

describe('robust overfitting', () => {
  it('fires once robust accuracy has stayed below its best for `patience` evaluations', () => {
    const rising = [0.2, 0.4, 0.55, 0.62];
    const fgsm = [0.3, 0.5, 0.6, 0.7, 0.72, 0.74, 0.76];
    expect(detectRobustOverfitting(series(rising, fgsm))).toBeNull();
    expect(detectRobustOverfitting(series([...rising, 0.57, 0.56], fgsm))).toBeNull(); // only 2 below the best
    const found = detectRobustOverfitting(series([...rising, 0.57, 0.56, 0.55], fgsm));
    expect(found).toEqual({ bestStep: 60, bestRobust: 0.62, robust: 0.55, evalsSinceBest: 3 });
  });

  it('treats a plateau within noise (≤ minDrop below the best) as no overfitting', () => {
    const s = series([0.2, 0.6, 0.59, 0.58, 0.6, 0.59], [0.3, 0.7, 0.7, 0.7, 0.7, 0.7]);
    expect(detectRobustOverfitting(s)).toBeNull();
    expect(detectRobustOverfitting(s, { minDrop: 0.005, patience: 1 })).toEqual({ bestStep: 20, bestRobust: 0.6, robust: 0.59, evalsSinceBest: 4 });
  });

  it('clears when robust accuracy recovers to a new best', () => {
    const s = series([0.2, 0.6, 0.5, 0.5, 0.5, 0.65], [0.3, 0.7, 0.7, 0.7, 0.7, 0.7]);
    expect(detectRobustOverfitting(s.slice(0, 5))).not.toBeNull();
    expect(detectRobustOverfitting(s)).toBeNull();
  });

  it('rejects bad options by name', () => {
    expect(() => detectRobustOverfitting([], { patience: 0 })).toThrow(/patience/);
    expect(() => detectRobustOverfitting([], { minDrop: -1 })).toThrow(/minDrop/);
  });
});
