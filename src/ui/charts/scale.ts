/**
 * Position scales of the chart family: linear (with round ticks, a nice domain and the inverse) and logarithmic.
 * They follow d3-scale's linear and log scales — same mapping, same ticks, same nice domains — and replace them
 * because a d3 scale brings d3-interpolate, d3-color, d3-format and d3-array onto the page (about 20 KiB in every
 * chart panel) for arithmetic that fits here. test/unit/chart-scale.test.ts holds them equal to d3's.
 */

export interface LinearScale {
  (v: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  /** About `count` round values (1, 2 or 5 × a power of ten apart) inside the domain. */
  ticks(count?: number): number[];
  /** The same scale with its domain widened outwards to round values (the ticks' step for `count` ticks). */
  nice(count?: number): LinearScale;
  /** The domain value at a range position. */
  invert(px: number): number;
}

/**
 * Straight-line map from [a0, a1] onto [b0, b1]. A collapsed interval maps to the middle. The descending case is
 * written mirrored (as d3 does), so the two give the same floating-point results.
 */
function straight(a0: number, a1: number, b0: number, b1: number): (v: number) => number {
  if (a1 < a0) [a0, a1, b0, b1] = [a1, a0, b1, b0];
  const span = a1 - a0;
  return (v) => {
    const t = span ? (v - a0) / span : Number.isNaN(span) ? NaN : 0.5;
    return b0 * (1 - t) + b1 * t;
  };
}

/**
 * The tick step for about `count` ticks over [lo, hi] (lo ≤ hi) and the first and last tick as multiples of it.
 * The raw step (hi − lo) / count is rounded to 1, 2, 5 or 10 × a power of ten, switching at the geometric means
 * √2, √10, √50. Steps below 1 are kept as their inverse (`inverse` true: tick = i / per) so that 0.1 × 3 prints 0.3.
 */
function tickPlan(lo: number, hi: number, count: number): { first: number; last: number; per: number; inverse: boolean } {
  const raw = (hi - lo) / Math.max(0, count);
  const power = Math.floor(Math.log10(raw));
  const mantissa = raw / 10 ** power;
  const factor = mantissa >= Math.sqrt(50) ? 10 : mantissa >= Math.sqrt(10) ? 5 : mantissa >= Math.sqrt(2) ? 2 : 1;
  let plan;
  if (power < 0) {
    const per = 10 ** -power / factor;
    let first = Math.round(lo * per);
    let last = Math.round(hi * per);
    if (first / per < lo) first++;
    if (last / per > hi) last--;
    plan = { first, last, per, inverse: true };
  } else {
    const per = 10 ** power * factor;
    let first = Math.round(lo / per);
    let last = Math.round(hi / per);
    if (first * per < lo) first++;
    if (last * per > hi) last--;
    plan = { first, last, per, inverse: false };
  }
  // Fewer than two ticks asked for and none found: ask for twice as many.
  if (plan.last < plan.first && count >= 0.5 && count < 2) return tickPlan(lo, hi, count * 2);
  return plan;
}

export function ticks(start: number, stop: number, count: number): number[] {
  if (!(count > 0)) return [];
  if (start === stop) return [start];
  const reverse = stop < start;
  const { first, last, per, inverse } = reverse ? tickPlan(stop, start, count) : tickPlan(start, stop, count);
  if (!(last >= first)) return [];
  const value = (i: number) => (inverse ? i / per : i * per);
  return Array.from({ length: last - first + 1 }, (_, k) => value(reverse ? last - k : first + k));
}

/** The signed step of tickPlan: the step itself when ≥ 1, else −(1/step) (so that it stays an exact integer). */
function tickIncrement(start: number, stop: number, count: number): number {
  const { per, inverse } = tickPlan(start, stop, count);
  return inverse ? -per : per;
}

export function linear(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const scale = straight(domain[0], domain[1], range[0], range[1]) as LinearScale & { domain: unknown; range: unknown };
  const inverse = straight(range[0], range[1], domain[0], domain[1]);
  return Object.assign(scale, {
    domain,
    range,
    ticks: (count = 10) => ticks(domain[0], domain[1], count),
    invert: (px: number) => inverse(px),
    nice(count = 10): LinearScale {
      const flip = domain[1] < domain[0];
      let [lo, hi] = flip ? [domain[1], domain[0]] : [domain[0], domain[1]];
      let previous: number | undefined;
      // Round outwards to the step, until the step no longer changes (at most ten rounds).
      for (let round = 0; round < 10; round++) {
        const step = tickIncrement(lo, hi, count);
        if (step === previous) return linear(flip ? [hi, lo] : [lo, hi], range);
        if (step > 0) [lo, hi] = [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
        else if (step < 0) [lo, hi] = [Math.ceil(lo * step) / step, Math.floor(hi * step) / step];
        else break;
        previous = step;
      }
      return scale;
    },
  });
}

/** A logarithmic scale over a positive domain (no ticks: its charts pick their own). */
export function logarithmic(domain: readonly [number, number], range: readonly [number, number]): (v: number) => number {
  const map = straight(Math.log(domain[0]), Math.log(domain[1]), range[0], range[1]);
  return (v) => map(Math.log(v));
}
