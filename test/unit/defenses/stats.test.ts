/**
 * The smoothing statistics against computations that share no code with them: the Clopper–Pearson bound via the
 * exact binomial tail (I_p(k, n−k+1) = P(Bin(n, p) ≥ k), summed term by term with a multiplicative pmf recurrence)
 * and bisection; Φ via Simpson integration of the density; closed forms (k = n: α^(1/n)); tabulated quantiles.
 */
import { describe, it, expect } from 'vitest';
import { betaQuantile, binomialTestHalf, clopperPearsonLower, normalCdf, normalQuantile, regularizedBeta } from '../../../src/lib/defenses/stats';
import { certifiedRadius } from '../../../src/lib/defenses/smoothing';

/** P(Bin(n, p) ≥ k), summing pmf terms from the mode outwards in log space by the ratio recurrence. */
function binomialUpperTail(k: number, n: number, p: number): number {
  // log pmf(j) from log pmf(0) = n log(1−p) and pmf(j+1)/pmf(j) = (n−j)/(j+1) · p/(1−p).
  const logs: number[] = [n * Math.log1p(-p)];
  for (let j = 0; j < n; j++) logs.push(logs[j] + Math.log((n - j) / (j + 1)) + Math.log(p) - Math.log1p(-p));
  const top = Math.max(...logs.slice(k));
  let s = 0;
  for (let j = k; j <= n; j++) s += Math.exp(logs[j] - top);
  return Math.exp(top) * s;
}

/** Clopper–Pearson lower bound: the p with P(Bin(n, p) ≥ k) = α, by bisection on the exact tail. */
function independentLower(k: number, n: number, alpha: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (binomialUpperTail(k, n, mid) < alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Φ(x) by composite Simpson on the density from 0 to x (20 000 panels). */
function simpsonCdf(x: number): number {
  const f = (t: number) => Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
  const m = 20_000;
  const h = x / m;
  let s = f(0) + f(x);
  for (let i = 1; i < m; i++) s += f(i * h) * (i % 2 ? 4 : 2);
  return 0.5 + (s * h) / 3;
}

function independentQuantile(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (simpsonCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe('smoothing statistics', () => {
  it('Φ and Φ⁻¹ agree with tabulated values and with each other', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 10);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 13);
    for (const p of [1e-6, 0.01, 0.3, 0.7, 0.99, 0.999999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 13);
  });

  it('the incomplete beta matches the binomial tail, and the beta quantile inverts it', () => {
    for (const [k, n, p] of [[3, 10, 0.2], [50, 100, 0.45], [990, 1000, 0.985], [1, 1, 0.3]]) {
      expect(regularizedBeta(p, k, n - k + 1)).toBeCloseTo(binomialUpperTail(k, n, p), 10);
    }
    const q = betaQuantile(0.05, 7, 4);
    expect(regularizedBeta(q, 7, 4)).toBeCloseTo(0.05, 14);
  });

  it('Clopper–Pearson: k = n gives α^(1/n); other counts match an exact-tail bisection', () => {
    expect(clopperPearsonLower(100, 100, 0.001)).toBeCloseTo(Math.pow(0.001, 1 / 100), 13);
    expect(clopperPearsonLower(0, 50, 0.01)).toBe(0);
    for (const [k, n] of [[80, 100], [990, 1000], [9_950, 10_000], [600, 1000]]) {
      expect(Math.abs(clopperPearsonLower(k, n, 0.001) - independentLower(k, n, 0.001))).toBeLessThan(1e-9);
    }
    expect(() => clopperPearsonLower(5, 4, 0.01)).toThrow(/k must be/);
  });

  it('certified radius σ·Φ⁻¹(p̲A) matches the independent computation to 1e-6, and is 0 when p̲A ≤ ½', () => {
    for (const [nA, n, sigma] of [[1000, 1000, 0.25], [9_900, 10_000, 0.5], [700, 1000, 0.25], [99_990, 100_000, 1]]) {
      const { pA, radius } = certifiedRadius(nA, n, 0.001, sigma);
      const pInd = independentLower(nA, n, 0.001);
      expect(Math.abs(pA - pInd)).toBeLessThan(1e-9);
      expect(Math.abs(radius - sigma * independentQuantile(pInd))).toBeLessThan(1e-6);
    }
    expect(certifiedRadius(520, 1000, 0.001, 0.5).radius).toBe(0);
  });

  it('binomial test (two-sided, p = ½) matches the exact tail and is 1 at a tie', () => {
    expect(binomialTestHalf(5, 10)).toBe(1);
    expect(binomialTestHalf(9, 10)).toBeCloseTo(2 * binomialUpperTail(9, 10, 0.5), 12);
    expect(binomialTestHalf(1, 10)).toBeCloseTo(2 * binomialUpperTail(9, 10, 0.5), 12);
    expect(binomialTestHalf(60, 100)).toBeCloseTo(2 * binomialUpperTail(60, 100, 0.5), 12);
  });
});
