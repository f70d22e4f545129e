/**
 * The chart family draws its lines and marker shapes with its own small path code (src/ui/charts/path.ts) instead of
 * d3-shape, to keep d3-shape off the page. Here d3-shape (Node only) is the independent truth: the same data give the
 * same SVG path strings, so every line and marker looks exactly as before.
 */
import { describe, it, expect } from 'vitest';
import {
  line, curveLinear, curveStepAfter, symbol, symbolCircle, symbolSquare, symbolTriangle, symbolDiamond, symbolCross, symbolStar, symbolWye,
} from 'd3';
import { polyline, markerPath } from '../../src/ui/charts/path';

type P = readonly [number, number];
const finite = ([a, b]: P) => Number.isFinite(a) && Number.isFinite(b);
const d3Line = (pts: readonly P[], step: boolean) =>
  line<P>().defined(finite).curve(step ? curveStepAfter : curveLinear).x(([a]) => a * 3.7 + 1.23456).y(([, b]) => 200 - b * 151.1)(pts) ?? '';
const ownLine = (pts: readonly P[], step: boolean) =>
  polyline(pts.map((p) => (finite(p) ? ([p[0] * 3.7 + 1.23456, 200 - p[1] * 151.1] as [number, number]) : null)), step);

describe('chart paths', () => {
  const cases: Record<string, P[]> = {
    empty: [],
    one: [[1, 0.5]],
    curve: Array.from({ length: 40 }, (_, i) => [i / 7, Math.sin(i) / 3 + 0.5] as const),
    gaps: [[0, 1], [1, NaN], [2, 0.3], [3, 0.2], [Infinity, 1], [5, 0.1], [6, -0.4], [NaN, NaN], [8, 0.9]],
    allGaps: [[0, NaN], [NaN, 1]],
    negative: [[-2, -1e-7], [-1, 1e-9], [0, -0.0001]],
  };
  for (const [name, pts] of Object.entries(cases)) {
    it(`a line (${name}) is d3's, linear and as a staircase`, () => {
      expect(ownLine(pts, false)).toBe(d3Line(pts, false));
      expect(ownLine(pts, true)).toBe(d3Line(pts, true));
    });
  }

  it("every marker shape at the sizes charts use (and others) is d3's symbol", () => {
    const types = [symbolCircle, symbolSquare, symbolTriangle, symbolDiamond, symbolCross, symbolStar, symbolWye];
    for (const size of [16, 48, 64, 80, 100, 137.5]) {
      for (let i = 0; i < 9; i++) expect(markerPath(i, size), `shape ${i}, size ${size}`).toBe(symbol(types[i % types.length], size)());
    }
  });
});
