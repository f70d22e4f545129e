/**
 * Learning-rate schedules and the ε curriculum, as pure functions of the step (0-based) and the total step count.
 */
export type LrSchedule =
  | { kind: 'constant' }
  /** Triangular one-cycle (Smith; used by fast adversarial training): 0 → peak at `peakFraction` of training → 0. */
  | { kind: 'cyclic'; peakFraction?: number }
  /** Cosine decay from the base rate to 0 over training. */
  | { kind: 'cosine' };

export const LR_SCHEDULES = ['constant', 'cyclic', 'cosine'] as const;

/** The learning rate at `step` for a maximum rate `baseLr`. */
export function learningRateAt(schedule: LrSchedule, baseLr: number, step: number, totalSteps: number): number {
  if (totalSteps < 1) throw new Error(`totalSteps must be ≥ 1, got ${totalSteps}`);
  const t = Math.min(1, Math.max(0, (step + 0.5) / totalSteps));
  switch (schedule.kind) {
    case 'constant':
      return baseLr;
    case 'cyclic': {
      const peak = schedule.peakFraction ?? 0.4;
      if (!(peak > 0 && peak < 1)) throw new Error(`peakFraction must be in (0, 1), got ${peak}`);
      return t <= peak ? (baseLr * t) / peak : (baseLr * (1 - t)) / (1 - peak);
    }
    case 'cosine':
      return 0.5 * baseLr * (1 + Math.cos(Math.PI * t));
    default: {
      const never: never = schedule;
      throw new Error(`unknown learning-rate schedule ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Curriculum ε: a linear ramp from `startFraction`·ε to ε over the first `rampFraction` of training, then ε.
 * rampFraction 0 means the full ε from the first step.
 */
export interface EpsilonRamp {
  rampFraction: number;
  startFraction?: number;
}

export function epsilonAt(epsilon: number, ramp: EpsilonRamp | undefined, step: number, totalSteps: number): number {
  if (!ramp || ramp.rampFraction <= 0) return epsilon;
  const start = ramp.startFraction ?? 0;
  const rampSteps = ramp.rampFraction * totalSteps;
  const t = Math.min(1, (step + 1) / rampSteps);
  return epsilon * (start + (1 - start) * t);
}
