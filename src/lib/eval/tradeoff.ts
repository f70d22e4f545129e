/**
 * Clean vs robust trade-off, computed from streamed curve points (pure: the UI uses it without tfjs).
 *
 * For each model the robust figure at an ε is the per-example worst case over the chosen attacks — an example is
 * robust only if it is correct and no attack breaks it — and the Pareto front keeps the models no other model
 * beats on both clean and robust accuracy.
 */
import type { CurvePoint } from './curves';

export interface TradeoffPoint {
  model: string;
  clean: number;
  robust: number;
}

function findPoint(points: CurvePoint[], model: string, attack: string, epsilon: number): CurvePoint | undefined {
  return points.find((p) => p.model === model && p.attack === attack && Math.abs(p.epsilon - epsilon) < 1e-9);
}

/**
 * Worst case over `attacks` at `epsilon` for one model: robust examples and accuracy. Null until every attack has
 * a point there.
 */
export function worstCaseAt(
  points: CurvePoint[],
  model: string,
  epsilon: number,
  attacks: string[],
): { accuracy: number; robust: number; n: number } | null {
  if (attacks.length === 0) return null;
  const found = attacks.map((a) => findPoint(points, model, a, epsilon));
  if (found.some((p) => !p)) return null;
  const series = found as CurvePoint[];
  const n = series[0].n;
  let robust = 0;
  for (let i = 0; i < n; i++) if (series.every((p) => !p.success[i])) robust++;
  return { accuracy: robust / n, robust, n };
}

/** (clean, worst-case robust at ε) for every model that has both. */
export function tradeoffPoints(points: CurvePoint[], models: string[], attacks: string[], epsilon: number): TradeoffPoint[] {
  const out: TradeoffPoint[] = [];
  for (const model of models) {
    const clean = worstCaseAt(points, model, 0, attacks);
    const robust = worstCaseAt(points, model, epsilon, attacks);
    if (clean && robust) out.push({ model, clean: clean.accuracy, robust: robust.accuracy });
  }
  return out;
}

/**
 * The models on the Pareto front (higher is better on both axes): none other is at least as good on both and
 * strictly better on one. Returned sorted by clean accuracy, for drawing the front as a line.
 */
export function paretoFront<T extends { clean: number; robust: number }>(items: T[]): T[] {
  const front = items.filter(
    (a) => !items.some((b) => b !== a && b.clean >= a.clean && b.robust >= a.robust && (b.clean > a.clean || b.robust > a.robust)),
  );
  return front.sort((a, b) => a.clean - b.clean || b.robust - a.robust);
}
