import { describe, expect, it } from 'vitest';
import { epsilonStep, stepEpsilon } from '../../src/ui/components/epsilon-scale';

describe('ε slider steps (the presenter keys move ε by one)', () => {
  it('moves one grey level in L∞, landing on the 1/255 grid', () => {
    expect(stepEpsilon(26 / 255, 'linf', 1) * 255).toBeCloseTo(27, 9);
    // 0.1 is 25.5/255, off the grid: one step up rounds onto it first.
    expect(Math.abs(stepEpsilon(0.1, 'linf', 1) * 255 - Math.round(stepEpsilon(0.1, 'linf', 1) * 255))).toBeLessThan(1e-9);
    expect(stepEpsilon(0, 'linf', -1)).toBe(0);
    expect(stepEpsilon(0.5, 'linf', 1)).toBe(0.5);
  });
  it('uses the slider step of each norm', () => {
    expect(stepEpsilon(1, 'l2', 1)).toBeCloseTo(1 + epsilonStep('l2'), 12);
    expect(stepEpsilon(10, 'l0', -1)).toBe(9);
    expect(Number.isInteger(stepEpsilon(10, 'l0', 1))).toBe(true);
  });
  it('respects a smaller maximum', () => {
    expect(stepEpsilon(0.3, 'linf', 5, 0.3)).toBe(0.3);
  });
});
