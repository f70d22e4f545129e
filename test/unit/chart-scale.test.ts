/**
 * The chart family's own scales (src/ui/charts/scale.ts) against d3-scale, the independent truth (Node only, here):
 * the same pixel for every value, the same ticks, the same nice domains and the same inverse, over seeded random
 * domains (ascending, descending, collapsed, tiny, huge, negative) and the tick counts charts ask for.
 */
import { describe, it, expect } from 'vitest';
import { scaleLinear, scaleLog, ticks as d3Ticks } from 'd3';
import { linear, logarithmic, ticks } from '../../src/ui/charts/scale';

/** A small seeded generator (mulberry32), so a failure names a reproducible case. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function domains(): [number, number][] {
  const r = random(12);
  const out: [number, number][] = [[0, 1], [1, 0], [0, 0.3], [0.3, 0], [5, 5], [0, 0], [-1, 1], [0.97, 0.99], [0, 1200], [-3e-7, 4e-6], [17, 1e9]];
  for (let i = 0; i < 150; i++) {
    const scale = 10 ** Math.floor(r() * 12 - 6);
    const a = (r() - 0.3) * scale;
    out.push([a, r() < 0.2 ? a : a + (r() - 0.2) * scale * 3]);
  }
  return out;
}
const RANGES: [number, number][] = [[58, 346], [262, 10], [0, 1], [400, 400]];
const COUNTS = [1, 2, 3, 4, 5, 6, 9, 10, 0.7];

describe('chart scales', () => {
  it("linear: the same pixels, inverse, ticks and nice domains as d3's scaleLinear", () => {
    let checked = 0;
    for (const d of domains()) {
      for (const rg of RANGES) {
        const own = linear(d, rg);
        const ref = scaleLinear().domain(d).range(rg);
        for (const v of [d[0], d[1], (d[0] + d[1]) / 2, d[0] - 1, 0, 1e-3, -7.5]) expect(own(v), `${d} → ${rg} at ${v}`).toBe(ref(v));
        for (const px of [rg[0], rg[1], 123.4]) expect(own.invert(px), `${d} → ${rg} invert ${px}`).toBe(ref.invert(px));
        for (const c of COUNTS) {
          expect(own.ticks(c), `${d} ticks(${c})`).toEqual(ref.ticks(c));
          const nice = own.nice(c);
          const refNice = ref.copy().nice(c);
          expect(nice.domain, `${d} nice(${c})`).toEqual(refNice.domain());
          expect(nice.ticks(c)).toEqual(refNice.ticks(c));
          expect(nice(d[0])).toBe(refNice(d[0]));
          checked++;
        }
      }
    }
    expect(linear([0, 1], [0, 1]).ticks()).toEqual(scaleLinear().domain([0, 1]).ticks()); // default count 10
    expect(checked).toBeGreaterThan(5_000);
  });

  it('ticks of the interval itself, ascending and descending, are d3-array’s', () => {
    for (const [a, b] of domains()) for (const c of COUNTS) expect(ticks(a, b, c)).toEqual(d3Ticks(a, b, c));
    expect(ticks(0, 1, 0)).toEqual([]);
  });

  it("logarithmic: the same pixels as d3's scaleLog over a positive domain", () => {
    for (const [lo, hi] of [[0.001, 0.3], [1 / 255, 1], [0.05, 0.0501], [2, 2000]] as const) {
      const own = logarithmic([lo, hi], [102, 590]);
      const ref = scaleLog().domain([lo, hi]).range([102, 590]);
      for (const v of [lo, hi, Math.sqrt(lo * hi), lo * 1.5, hi * 3]) expect(own(v)).toBe(ref(v));
    }
  });
});
