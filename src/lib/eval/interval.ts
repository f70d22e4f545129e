/**
 * Binomial confidence intervals for accuracies measured on a sample of n examples. A robust-accuracy figure from
 * 1 000 images is ±2–3 points at 95 %: cards label such figures with their interval so they are not compared with
 * full-test-set figures as if exact.
 */

/**
 * Wilson score interval for k successes in n trials (z = 1.96 for 95 %): well-behaved near 0 and 1, unlike the
 * normal approximation, and never outside [0, 1].
 */
export function wilsonInterval(k: number, n: number, z = 1.959963984540054): [number, number] {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`n must be a positive integer, got ${n}`);
  if (!(Number.isInteger(k) && k >= 0 && k <= n)) throw new Error(`k must be an integer in 0–${n}, got ${k}`);
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Below this many examples a figure is labelled with its 95 % interval (the MNIST/Fashion-MNIST test sets are 10 000). */
export const FULL_TEST_SET = 10_000;
