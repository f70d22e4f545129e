/**
 * The trade-off curves form as numbers: each field with its label and bounds (numeric.ts TRADEOFF_FIELDS), the ε grid
 * it makes, and the first problem with it in words naming the field. Pure (no Svelte, no engine): unit-tested.
 */
import { formatCount } from '../../../lib/util/format-count';
import { checkNumber, REPORT_FIELDS, TRADEOFF_FIELDS, ValidationError, type NumberField } from '../../../lib/validate/numeric';

/** At most this many points on a curve's ε grid (0 included): each is a full attack on N images per model. */
export const MAX_GRID_POINTS = 41;

/** The ε grid 0, step, 2·step, … up to max (inclusive within rounding); [] when the form cannot make one. */
export function epsilonGrid(max: number, step: number): number[] {
  if (gridProblem(max, step) !== null) return [];
  const out: number[] = [];
  const count = Math.floor(max / step + 1e-6);
  for (let k = 0; k <= count; k++) out.push(+(k * step).toFixed(6));
  return out;
}

/** The curves form's numbers: the trade-off table (the address and the worker read the same entries). */
export const CURVE_FIELDS = TRADEOFF_FIELDS;

/** The address keys of those fields (tradeoff-state.svelte.ts declares them in its schema). */
export const CURVE_URL_KEYS = { epsMax: 'temax', epsStep: 'testep', n: 'tn', steps: 'tsteps', restarts: 'trestarts', queryBudget: 'tqueries' } as const;

/** Whether a value passes its field (a refused one is shown with its message and not written to the address). */
export function fieldOk(v: unknown, f: NumberField): boolean {
  try {
    checkNumber(v, f);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why the grid cannot be made, in words naming the field, or null. A grid finer than MAX_GRID_POINTS is refused
 * with the step that would do, never cut short without a word.
 */
export function gridProblem(max: unknown, step: unknown): string | null {
  try {
    const m = checkNumber(max, CURVE_FIELDS.epsMax);
    const s = checkNumber(step, CURVE_FIELDS.epsStep);
    const points = Math.floor(m / s + 1e-6) + 1;
    if (points > MAX_GRID_POINTS) {
      const least = +(m / (MAX_GRID_POINTS - 1)).toPrecision(3);
      return `An ε step of ${s} up to ${m} makes ${formatCount(points)} points; at most ${MAX_GRID_POINTS} fit one run (each point is a full attack on every image): use a step of at least ${least}.`;
    }
    if (points < 2) return `An ε step of ${s} is larger than the largest ε (${m}): the curve would have only ε = 0.`;
    return null;
  } catch (e) {
    if (e instanceof ValidationError) return e.message;
    throw e;
  }
}

/** The first problem with the curves form (the grid, then N, steps, restarts, queries), or null. */
export function curvesFormProblem(f: { epsMax: unknown; epsStep: unknown; n: unknown; steps: unknown; restarts: unknown; queryBudget: unknown }): string | null {
  const grid = gridProblem(f.epsMax, f.epsStep);
  if (grid) return grid;
  for (const key of ['n', 'steps', 'restarts', 'queryBudget'] as const) {
    try {
      checkNumber(f[key], CURVE_FIELDS[key]);
    } catch (e) {
      if (e instanceof ValidationError) return e.message;
      throw e;
    }
  }
  return null;
}

/** The first problem with the report form, in words naming the field, or null. */
export function reportFormProblem(f: Record<keyof typeof REPORT_FIELDS, unknown>): string | null {
  for (const key of Object.keys(REPORT_FIELDS) as (keyof typeof REPORT_FIELDS)[]) {
    if (!fieldOk(f[key], REPORT_FIELDS[key])) {
      try {
        checkNumber(f[key], REPORT_FIELDS[key]);
      } catch (e) {
        if (e instanceof ValidationError) return e.message;
        throw e;
      }
    }
  }
  return null;
}
