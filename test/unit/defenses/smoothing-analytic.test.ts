/**
 * Randomized smoothing against closed forms: for the 1-D threshold classifier f(x) = [x > 0] the smoothed classifier
 * predicts class 1 at x = a > 0 with p = Φ(a/σ), so its exact certified radius is σ·Φ⁻¹(p) = a: CERTIFY's radius must
 * stay below a (it is a lower bound) and come close with many draws. At a = 0 the vote is a coin toss: CERTIFY and
 * PREDICT abstain.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { ABSTAIN, certify, noisyClassCounts, smoothedPredict } from '../../../src/lib/defenses/smoothing';
import { normalCdf } from '../../../src/lib/defenses/stats';

const threshold: AttackModel = {
  numClasses: 2,
  inputShape: [1],
  bounds: [-Infinity, Infinity],
  logits: (x) => tf.tidy(() => tf.concat([x.neg(), x], 1) as tf.Tensor2D),
};

describe('randomized smoothing, closed forms (wasm)', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('class frequencies under noise follow Φ(a/σ)', async () => {
    const x = tf.tensor2d([[0.2]]);
    const counts = await noisyClassCounts(threshold, x, 20_000, { sigma: 0.5, seed: 3 });
    const p = counts[1] / 20_000;
    // 4.5 binomial standard deviations.
    expect(Math.abs(p - normalCdf(0.4))).toBeLessThan(4.5 * Math.sqrt(0.25 / 20_000));
    x.dispose();
  });

  it('the certified radius is a lower bound on the exact radius a, and close to it with 20 000 draws', async () => {
    for (const a of [0.3, 0.8]) {
      const x = tf.tensor2d([[a]]);
      const c = await certify(threshold, x, { sigma: 0.5, n0: 100, n: 20_000, alpha: 0.001, seed: 11 });
      expect(c.prediction).toBe(1);
      expect(c.radius).toBeLessThanOrEqual(a);
      expect(c.radius).toBeGreaterThan(a - 0.06);
      x.dispose();
    }
  });

  it('abstains on a coin toss (x = 0), in CERTIFY and in PREDICT; predicts when the vote is clear', async () => {
    const zero = tf.tensor2d([[0]]);
    expect((await certify(threshold, zero, { sigma: 0.5, n0: 100, n: 2000, alpha: 0.001, seed: 2 })).prediction).toBe(ABSTAIN);
    expect(await smoothedPredict(threshold, zero, 2000, 0.001, { sigma: 0.5, seed: 2 })).toBe(ABSTAIN);
    const far = tf.tensor2d([[-1]]);
    expect(await smoothedPredict(threshold, far, 500, 0.001, { sigma: 0.5, seed: 2 })).toBe(0);
    tf.dispose([zero, far]);
  });

  it('refuses a batch, a bad σ and bad draw counts with plain messages', async () => {
    const two = tf.tensor2d([[0.1], [0.2]]);
    await expect(noisyClassCounts(threshold, two, 10, { sigma: 0.5 })).rejects.toThrow(/one example at a time/);
    const one = tf.tensor2d([[0.1]]);
    await expect(noisyClassCounts(threshold, one, 10, { sigma: 0 })).rejects.toThrow(/σ must be/);
    await expect(certify(threshold, one, { sigma: 0.5, n0: 0, n: 10, alpha: 0.01 })).rejects.toThrow(/n0 must be/);
    tf.dispose([two, one]);
  });
});
