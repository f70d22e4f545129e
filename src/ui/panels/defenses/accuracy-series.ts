/**
 * The Defenses panel's curves as the ε chart draws them: one model, several named accuracy rows measured at the same
 * x values (ε for attacks, L2 radii for certificates) on the same n images.
 */
import type { CurveSeries } from '../tradeoff/CurveChart.svelte';

/** [series id, label, accuracy per x] for each row. */
export type AccuracyRow = [attack: string, label: string, accuracy: number[]];

export function accuracySeries(model: string, rows: AccuracyRow[], xs: number[], n: number): CurveSeries[] {
  return rows.map(([attack, label, acc], i) => ({
    model,
    attack,
    attackLabel: label,
    modelIndex: 0,
    attackIndex: i,
    points: xs.map((x, k) => ({ epsilon: x, accuracy: acc[k], robust: Math.round(acc[k] * n), n })),
  }));
}
