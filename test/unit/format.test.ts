import { describe, it, expect } from 'vitest';
import { formatEpsilon, formatPercent, formatSeconds } from '../../src/ui/format';

describe('shared number formats', () => {
  it('shows L∞ ε in [0,1] and in pixel levels /255', () => {
    expect(formatEpsilon(0.3)).toBe('0.3 (77/255)');
    expect(formatEpsilon(8 / 255)).toBe('0.031 (8/255)');
    expect(formatEpsilon(1.5, 'l2')).toBe('1.5');
    expect(formatEpsilon(12, 'l0')).toBe('12 px');
  });
  it('rounds seconds before splitting minutes (never "1 min 60 s")', () => {
    expect(formatSeconds(119.6)).toBe('2 min 0 s');
    expect(formatSeconds(95)).toBe('1 min 35 s');
    expect(formatSeconds(0.25)).toBe('250 ms');
    expect(formatSeconds(Number.NaN)).toBe('—');
  });
  it('formats percentages', () => {
    expect(formatPercent(0.8725)).toBe('87.3 %');
  });
});
