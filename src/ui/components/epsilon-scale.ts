/**
 * The ε slider's scale per norm, shared by the slider (EpsilonInput) and the presenter's ε up/down keys, so one
 * key press moves ε by exactly one slider step: one grey level for L∞, 0.05 for L2, one pixel for L0.
 */
import { LAB_EPSILON_MAX } from '../../lib/validate/epsilon-limits';

export type EpsNorm = 'linf' | 'l2' | 'l0';

export function epsilonStep(norm: EpsNorm): number {
  return norm === 'linf' ? 1 / 255 : norm === 'l2' ? 0.05 : 1;
}

/** The field's upper end: the Attack Lab's limit, shared with its address and the worker. */
export function epsilonMax(norm: EpsNorm): number {
  return LAB_EPSILON_MAX[norm];
}

/** ε moved by `steps` slider steps, kept on the slider's grid and within [0, max]. */
export function stepEpsilon(value: number, norm: EpsNorm, steps: number, max = epsilonMax(norm)): number {
  const step = epsilonStep(norm);
  const next = Math.round(value / step + steps) * step;
  return Math.max(0, Math.min(max, norm === 'l0' ? Math.round(next) : next));
}
