/**
 * Adversarial radius: each example's minimal adversarial ε (the smallest budget at which some attack breaks it),
 * summarised as a histogram, an empirical CDF, the median and the robust margin at a chosen ε.
 *
 * Conventions: a clean error has radius 0; an example no attack breaks within the budgets tried has radius
 * +Infinity ("beyond the largest ε", a censored value, shown in its own bar). The radii found by attacks are upper
 * bounds on the true distance to the decision boundary, so the figures are optimistic for the attacker's side only.
 * Pure: the UI uses it without tfjs.
 */
import type { CurvePoint } from './curves';

export interface RadiusBin {
  lo: number;
  hi: number;
  count: number;
}

export interface RadiusSummary {
  n: number;
  /** Clean errors (radius 0). */
  cleanErrors: number;
  /** Examples never broken within the largest ε tried (radius +∞). */
  unbroken: number;
  /** Largest ε tried: radii beyond it are censored. */
  maxEpsilon: number;
  /** Median radius over all n examples (+Infinity when more than half are unbroken). */
  median: number;
  bins: RadiusBin[];
  /** Empirical CDF at each distinct finite radius: fraction of examples with radius ≤ ε. */
  cdf: { epsilon: number; fraction: number }[];
}

/**
 * Per-example radii from curve points on an ε grid: the smallest ε at which any of `attacks` breaks the example
 * (grid resolution; curves are monotone so this is the first break). 0 for clean errors, +Infinity if never broken.
 */
export function radiiFromCurve(points: CurvePoint[], model: string, attacks: string[]): Float64Array {
  const mine = points.filter((p) => p.model === model && attacks.includes(p.attack));
  if (mine.length === 0) return new Float64Array(0);
  const n = mine[0].n;
  const radii = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  for (const p of [...mine].sort((a, b) => a.epsilon - b.epsilon)) {
    for (let i = 0; i < n; i++) if (p.success[i] && p.epsilon < radii[i]) radii[i] = p.epsilon;
  }
  return radii;
}

/** The median of the values (+Infinity sorts last; the mean of the two middle values when n is even). */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid];
  const a = sorted[mid - 1];
  const b = sorted[mid];
  return a === b ? a : (a + b) / 2;
}

/**
 * Histogram of finite, positive radii in `binCount` equal bins over (0, maxEpsilon], plus the counts of clean
 * errors and unbroken examples, the median and the CDF.
 */
export function summariseRadii(radii: ArrayLike<number>, maxEpsilon: number, binCount = 12): RadiusSummary {
  if (!(maxEpsilon > 0) || !Number.isFinite(maxEpsilon)) throw new Error(`maxEpsilon must be a positive number, got ${maxEpsilon}`);
  if (!Number.isInteger(binCount) || binCount < 1) throw new Error(`binCount must be a positive integer, got ${binCount}`);
  const n = radii.length;
  let cleanErrors = 0;
  let unbroken = 0;
  const width = maxEpsilon / binCount;
  const bins: RadiusBin[] = Array.from({ length: binCount }, (_, k) => ({ lo: k * width, hi: (k + 1) * width, count: 0 }));
  const finite: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = radii[i];
    if (Number.isNaN(r) || r < 0) throw new Error(`radii[${i}] must be ≥ 0 or Infinity, got ${r}`);
    if (r === 0) cleanErrors++;
    else if (!Number.isFinite(r) || r > maxEpsilon + 1e-12) unbroken++;
    else bins[Math.min(binCount - 1, Math.ceil(r / width - 1e-9) - 1)].count++;
    if (Number.isFinite(r) && r <= maxEpsilon + 1e-12) finite.push(r);
  }
  finite.sort((a, b) => a - b);
  const cdf: { epsilon: number; fraction: number }[] = [];
  for (let i = 0; i < finite.length; i++) {
    if (i + 1 < finite.length && finite[i + 1] === finite[i]) continue;
    cdf.push({ epsilon: finite[i], fraction: (i + 1) / n });
  }
  const censored = Array.from(radii, (r) => (r > maxEpsilon + 1e-12 ? Number.POSITIVE_INFINITY : r));
  return { n, cleanErrors, unbroken, maxEpsilon, median: n > 0 ? median(censored) : Number.NaN, bins, cdf };
}

/**
 * Robust margin at ε: how far beyond ε the median example still holds (median radius − ε). Positive: the typical
 * example survives budgets larger than ε; negative: it falls before ε. +Infinity when the median is unbroken.
 */
export function robustMargin(summary: RadiusSummary, epsilon: number): number {
  return summary.median - epsilon;
}
