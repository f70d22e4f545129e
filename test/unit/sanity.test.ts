import { describe, it, expect } from 'vitest';
import {
  checkBlackBoxBeatsWhiteBox,
  checkMoreEffortChangesResult,
  checkNoCollapseAtLargeEpsilon,
  checkNoiseMatchesAttack,
  checkSingleStepBeatsIterative,
  toleratedExamples,
  unionMask,
  SANITY_IDS,
  describeFlag,
} from '../../src/lib/eval/sanity';

/** A mask of length n with 1 at the given indices. */
function mask(n: number, ones: number[] | [number, number]): Uint8Array {
  const m = new Uint8Array(n);
  for (const i of ones) m[i] = 1;
  return m;
}
const firstK = (n: number, k: number) => mask(n, Array.from({ length: k }, (_, i) => i));
const range = (n: number, from: number, to: number) => mask(n, Array.from({ length: to - from }, (_, i) => from + i));

describe('sanity flags (pure, over per-example success masks)', () => {
  const N = 200;

  it('tolerate 1 % of N, at least two examples', () => {
    expect(toleratedExamples(200)).toBe(2);
    expect(toleratedExamples(50)).toBe(2);
    expect(toleratedExamples(1000)).toBe(10);
    expect(toleratedExamples(1000, { fraction: 0.005 })).toBe(5);
    expect(toleratedExamples(50, { min: 0 })).toBe(0);
    expect(() => toleratedExamples(10, { fraction: 1 })).toThrow(/fraction/);
  });

  it('single-step beats iterative: fires when FGSM leaves fewer robust than PGD, silent otherwise', () => {
    const fgsm = { name: 'FGSM', success: firstK(N, 60) };
    const weakPgd = { name: 'PGD', success: firstK(N, 40) };
    const f = checkSingleStepBeatsIterative([fgsm], [weakPgd]);
    expect(f.fired).toBe(true);
    expect(f.evaluated).toBe(true);
    expect(f.message).toMatch(/20 example/);
    expect(f.meaning).toMatch(/gradient masking/);
    // PGD breaks a superset: silent. A gap within the tolerance (2 of 200): silent.
    expect(checkSingleStepBeatsIterative([fgsm], [{ name: 'PGD', success: firstK(N, 90) }]).fired).toBe(false);
    expect(checkSingleStepBeatsIterative([{ name: 'FGSM', success: firstK(N, 42) }], [weakPgd]).fired).toBe(false);
    // The best iterative attack counts.
    expect(checkSingleStepBeatsIterative([fgsm], [weakPgd, { name: 'APGD', success: firstK(N, 70) }]).fired).toBe(false);
    expect(checkSingleStepBeatsIterative([], [weakPgd]).evaluated).toBe(false);
  });

  it('black-box beats white-box: counts examples only the black-box side breaks', () => {
    const white = [{ name: 'PGD', success: firstK(N, 50) }];
    // Square breaks 0–49 (same) and 150–159 (new): 10 examples > 2 tolerated.
    const square = { name: 'Square', success: unionMask([firstK(N, 50), range(N, 150, 160)]) };
    const f = checkBlackBoxBeatsWhiteBox(white, [square]);
    expect(f.fired).toBe(true);
    expect(f.message).toMatch(/^10 of 200/);
    // A subset of the white-box breaks: silent, even if it breaks many.
    expect(checkBlackBoxBeatsWhiteBox(white, [{ name: 'Square', success: firstK(N, 50) }]).fired).toBe(false);
    // Two examples are within the tolerance.
    expect(checkBlackBoxBeatsWhiteBox(white, [{ name: 'Transfer', success: range(N, 50, 52) }]).fired).toBe(false);
    expect(checkBlackBoxBeatsWhiteBox(white, []).evaluated).toBe(false);
  });

  it('no collapse at large ε: fires on a plateau, silent when accuracy falls to ~0, not evaluated without a large ε', () => {
    const plateau = [0, 0.1, 0.3, 0.5].map((epsilon) => ({ epsilon, accuracy: epsilon === 0 ? 0.99 : 0.7 }));
    const f = checkNoCollapseAtLargeEpsilon('PGD', plateau, { largeEpsilon: 0.5 });
    expect(f.fired).toBe(true);
    expect(f.message).toContain('0.5 (128/255)');
    expect(f.message).toContain('70.0 %');
    const falling = [0, 0.1, 0.3, 0.5].map((epsilon) => ({ epsilon, accuracy: Math.max(0, 0.99 - 2 * epsilon) }));
    expect(checkNoCollapseAtLargeEpsilon('PGD', falling, { largeEpsilon: 0.5 }).fired).toBe(false);
    const short = checkNoCollapseAtLargeEpsilon('PGD', plateau.slice(0, 3), { largeEpsilon: 0.5 });
    expect(short.evaluated).toBe(false);
    expect(short.fired).toBe(false);
  });

  it('noise matches attack: compares breaks beyond the clean errors', () => {
    const clean = mask(N, []).map(() => 1);
    clean[0] = 0; // one clean error, broken by everyone
    const zeroGradPgd = { name: 'PGD', success: mask(N, [0, 10, 11, 12]) };
    const noise = { name: 'Noise', success: mask(N, [0, 10, 11, 13, 14]) };
    const f = checkNoiseMatchesAttack(clean, noise, [zeroGradPgd]);
    expect(f.fired).toBe(true);
    expect(f.message).toMatch(/breaks 4 correctly classified/);
    // A real attack breaks far more than noise: silent.
    expect(checkNoiseMatchesAttack(clean, noise, [{ name: 'PGD', success: firstK(N, 80) }]).fired).toBe(false);
    // Neither breaks anything beyond the clean error: nothing to compare.
    expect(checkNoiseMatchesAttack(clean, { name: 'Noise', success: mask(N, [0]) }, [{ name: 'PGD', success: mask(N, [0]) }]).fired).toBe(false);
  });

  it('more effort changes result: fires when 2× steps breaks more than the tolerance', () => {
    const base = { name: 'PGD-20', success: firstK(N, 100) };
    expect(checkMoreEffortChangesResult(base, { name: 'PGD-40', success: firstK(N, 110) }).fired).toBe(true);
    expect(checkMoreEffortChangesResult(base, { name: 'PGD-40', success: firstK(N, 102) }).fired).toBe(false);
    // Examples the stronger run happens to miss do not count as "changed for the better".
    expect(checkMoreEffortChangesResult(base, { name: 'PGD-40', success: firstK(N, 90) }).fired).toBe(false);
  });

  it('every flag has a title, a meaning naming the likely cause, and rejects masks of different lengths', () => {
    expect(SANITY_IDS).toHaveLength(5);
    for (const id of SANITY_IDS) {
      const d = describeFlag(id);
      expect(d.title.length).toBeGreaterThan(10);
      expect(d.meaning).toMatch(/mask|weak|converged|optimis/);
    }
    expect(() => checkMoreEffortChangesResult({ name: 'a', success: new Uint8Array(3) }, { name: 'b', success: new Uint8Array(4) })).toThrow(
      /length/,
    );
  });
});
