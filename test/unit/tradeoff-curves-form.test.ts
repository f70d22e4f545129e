import { describe, expect, it } from 'vitest';
import { CURVE_FIELDS, curvesFormProblem, epsilonGrid, gridProblem, MAX_GRID_POINTS } from '../../src/ui/panels/tradeoff/curves-form';
import { LIMITS } from '../../src/lib/validate/limits';

const good = { epsMax: 0.3, epsStep: 0.05, n: 200, steps: 20, restarts: 1, queryBudget: 500 };

describe('the trade-off curves form', () => {
  it('makes the grid 0, step, … max with every point', () => {
    expect(epsilonGrid(0.3, 0.05)).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
    expect(epsilonGrid(0.4, 0.01)).toHaveLength(MAX_GRID_POINTS);
    expect(curvesFormProblem(good)).toBeNull();
  });

  it('refuses an ε step of 0 (and any non-positive or non-number step) with a message naming the field', () => {
    for (const step of [0, -0.1, Number.NaN, Number.POSITIVE_INFINITY, null, '']) {
      expect(gridProblem(0.3, step)).toMatch(/^ε step must be a number above 0/);
      expect(epsilonGrid(0.3, step as number)).toEqual([]);
    }
  });

  it('says a fine grid is too fine instead of stopping it early, and which step would do', () => {
    const msg = gridProblem(0.3, 0.001)!;
    expect(msg).toMatch(/makes 301 points; at most 41/);
    const least = Number(/at least ([\d.]*\d)/.exec(msg)![1]);
    // The suggested step really makes a grid that fits, ending at the largest ε.
    expect(gridProblem(0.3, least)).toBeNull();
    expect(epsilonGrid(0.3, least).length).toBeLessThanOrEqual(MAX_GRID_POINTS);
    expect(gridProblem(0.1, 0.2)).toMatch(/larger than the largest ε/);
  });

  it('checks N, steps, restarts and queries against the same limits as the worker', () => {
    expect(CURVE_FIELDS.n.max).toBe(LIMITS.examples.max);
    expect(curvesFormProblem({ ...good, n: LIMITS.examples.max })).toBeNull();
    expect(curvesFormProblem({ ...good, n: LIMITS.examples.max + 1 })).toMatch(/^Test images \(N\) must be a whole number from 10 to 2 000; got 2001\. The limit is there because/);
    expect(curvesFormProblem({ ...good, steps: 1e9 })).toMatch(/^Steps must be a whole number from 1 to 1 000; got 1e9/);
    expect(curvesFormProblem({ ...good, restarts: 2.5 })).toMatch(/^Restarts must be a whole number/);
    expect(curvesFormProblem({ ...good, queryBudget: null })).toMatch(/^Square queries must be .*got nothing/);
  });
});
