import { describe, expect, it } from 'vitest';
import { compareGradients, ENGINE_CHECK_RELATIVE_TOLERANCE } from '../../src/lib/engine-check';

describe('engine check verdict', () => {
  const ref = Float32Array.from([0.2, -0.1, 0.05, 0]);
  it('passes within the tolerance relative to the largest reference value, and names it', () => {
    const near = Float32Array.from(ref, (v) => v + 0.5 * ENGINE_CHECK_RELATIVE_TOLERANCE * 0.2);
    const v = compareGradients(near, ref, 'cpu');
    expect(v.pass).toBe(true);
    expect(v.tolerance).toBeCloseTo(ENGINE_CHECK_RELATIVE_TOLERANCE * 0.2, 9);
    expect(v.maxAbsDiff).toBeCloseTo(0.5 * ENGINE_CHECK_RELATIVE_TOLERANCE * 0.2, 6);
    expect(v.reference).toBe('cpu');
  });
  it('fails when one pixel is off by more than the tolerance, or is NaN', () => {
    const off = Float32Array.from(ref);
    off[2] += 2 * ENGINE_CHECK_RELATIVE_TOLERANCE * 0.2;
    expect(compareGradients(off, ref, 'cpu').pass).toBe(false);
    const nan = Float32Array.from(ref);
    nan[3] = NaN;
    expect(compareGradients(nan, ref, 'cpu').pass).toBe(false);
  });
  it('rejects arrays of different lengths', () => {
    expect(() => compareGradients(new Float32Array(3), ref, 'cpu')).toThrow(/3 values/);
  });
});
