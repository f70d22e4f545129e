/**
 * Square Attack is score-based: it runs through a model whose gradient throws (so any gradient access fails the
 * test), spends at most queryBudget queries per example (counted here independently by the model wrapper), and
 * still breaks examples.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { getAttack } from '../../../src/lib/attacks/registry';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { convModel, ownLabels, scoresOnly, seededUniform, successRate } from './fixtures';

describe('Square Attack (wasm)', () => {
  let model: AttackModel;
  let x: tf.Tensor;
  let y: Int32Array;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    model = convModel(3, 61);
    x = tf.keep(seededUniform([12, 6, 6, 1], 62));
    y = await ownLabels(model, x);
  });

  it('the score-only wrapper does catch gradient access', async () => {
    await expect(getAttack('fgsm').run(scoresOnly(model), x, y, { epsilons: [0.1] })).rejects.toThrow(/gradient access/);
  });

  it('uses scores only and never exceeds its query budget', async () => {
    const epsilons = [0.05, 0.15, 0.3];
    for (const budget of [1, 7, 50]) {
      const oracle = scoresOnly(model);
      const r = await getAttack('square').run(oracle, x, y, { epsilons, queryBudget: budget, seed: 4 });
      const n = x.shape[0];
      // The driver's own passes: one clean forward plus one scoring forward per ε; the rest are the attack's queries.
      const attackQueries = oracle.evaluated - n - n * epsilons.length;
      expect(attackQueries).toBe(r.results.reduce((a, e) => a + e.queries, 0));
      let robustBefore = n;
      for (const e of r.results) {
        expect(e.queries).toBeLessThanOrEqual(budget * robustBefore);
        robustBefore = e.success.reduce((a, s) => a + (s ? 0 : 1), 0);
      }
      if (budget === 50) expect(successRate(r.results[2].success)).toBeGreaterThan(0);
      r.results.forEach((e) => e.adversarial.dispose());
    }
  });

  it('queries until success or budget: a larger budget breaks at least as many examples', async () => {
    const small = await getAttack('square').run(model, x, y, { epsilons: [0.2], queryBudget: 5, seed: 8 });
    const large = await getAttack('square').run(model, x, y, { epsilons: [0.2], queryBudget: 200, seed: 8 });
    expect(successRate(large.results[0].success)).toBeGreaterThanOrEqual(successRate(small.results[0].success));
    expect(large.results[0].queries).toBeGreaterThan(small.results[0].queries);
    [small, large].forEach((r) => r.results[0].adversarial.dispose());
  });
});
