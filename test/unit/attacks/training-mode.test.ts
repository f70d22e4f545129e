/**
 * maximizeLoss (adversarial-training mode): every example is attacked — misclassified ones too — for all steps, and
 * the returned point has at least the loss of the early-stopped attack's point.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { getAttack } from '../../../src/lib/attacks/registry';
import { crossEntropy } from '../../../src/lib/attacks/losses';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { mlpModel, ownLabels, seededUniform } from './fixtures';

describe('adversarial-training mode (wasm)', () => {
  let model: AttackModel;
  let x: tf.Tensor;
  let y: Int32Array;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    model = mlpModel(4, 111);
    x = tf.keep(seededUniform([24, 8], 112));
    y = await ownLabels(model, x);
    y[0] = (y[0] + 1) % 4; // one example misclassified on the clean input
  });

  async function losses(adv: tf.Tensor): Promise<Float32Array> {
    const t = tf.tidy(() => crossEntropy(model.logits(adv), tf.tensor1d(y, 'int32')));
    const v = (await t.data()) as Float32Array;
    t.dispose();
    return v;
  }

  it('PGD and FGSM-RS perturb every example and reach at least the early-stopped loss', async () => {
    for (const [id, extra] of [['pgd', { steps: 10 }], ['fgsm', { randomStart: true }]] as const) {
      const eps = 0.1;
      const early = await getAttack(id).run(model, x, y, { epsilons: [eps], seed: 4, ...extra });
      const full = await getAttack(id).run(model, x, y, { epsilons: [eps], seed: 4, maximizeLoss: true, ...extra });
      expect(early.results[0].linf[0]).toBe(0); // the early-stopped attack leaves the misclassified example alone
      expect(full.results[0].linf[0]).toBeGreaterThan(0);
      expect(Array.from(full.results[0].linf).every((v) => v > 0 && v <= eps + 1e-6)).toBe(true);
      const [le, lf] = [await losses(early.results[0].adversarial), await losses(full.results[0].adversarial)];
      const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
      expect(sum(lf)).toBeGreaterThan(sum(le));
      if (id === 'pgd') for (let i = 1; i < lf.length; i++) expect(lf[i]).toBeGreaterThanOrEqual(le[i] - 1e-5);
      early.results[0].adversarial.dispose();
      full.results[0].adversarial.dispose();
    }
  });
});
