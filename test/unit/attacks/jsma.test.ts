/**
 * JSMA changes few input elements, each moved all the way to a bound (θ = the full range), and its L0 budget is a
 * count: at ε = k at most k elements differ; at ε = its own ‖δ‖₀ the example is broken.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { getAttack } from '../../../src/lib/attacks/registry';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { convModel, ownLabels, seededUniform } from './fixtures';

describe('JSMA (wasm)', () => {
  let model: AttackModel;
  let x: tf.Tensor;
  let y: Int32Array;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    model = convModel(3, 121);
    x = tf.keep(seededUniform([10, 6, 6, 1], 122));
    y = await ownLabels(model, x);
  });

  it('breaks examples with few changed elements, each set to a bound, within the L0 budget', async () => {
    const free = await getAttack('jsma').run(model, x, y, { epsilons: [36], gamma: 1 });
    const r = free.results[0];
    expect(r.success.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5);
    const adv = await r.adversarial.data();
    const xs = await x.data();
    for (let i = 0; i < adv.length; i++) if (Math.abs(adv[i] - xs[i]) > 1e-7) expect(adv[i] === 0 || adv[i] === 1).toBe(true);
    // Budget each broken example exactly its own count: still broken; one less may not be, but never more changes.
    const counts = Array.from(r.l0);
    for (let i = 0; i < counts.length; i++) {
      if (!r.success[i]) continue;
      const exact = await getAttack('jsma').run(model, x.slice(i, 1), y.slice(i, i + 1), { epsilons: [counts[i], Math.max(0, counts[i] - 1)], gamma: 1 });
      expect(exact.results[0].success[0]).toBe(1);
      expect(exact.results[1].l0[0]).toBeLessThanOrEqual(Math.max(0, counts[i] - 1));
      exact.results.forEach((e) => e.adversarial.dispose());
    }
    r.adversarial.dispose();
  });

  it('targeted: reaches the given class', async () => {
    const res = await getAttack('jsma').run(model, x, y, { epsilons: [36], gamma: 1, targeted: true, target: { mode: 'given', label: 0 } });
    const r = res.results[0];
    for (let i = 0; i < y.length; i++) if (r.success[i]) expect(r.predicted[i]).toBe(0);
    expect(r.success.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5);
    r.adversarial.dispose();
  });
});
