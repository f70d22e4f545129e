/**
 * Invariants every attack must keep, for each norm it supports, on small random models: ‖δ‖ ≤ ε (+1e-6) and
 * x + δ ∈ [0,1] at every ε (recomputed here from the returned batch, not taken from the report), reported success
 * and predictions agree with a fresh forward pass, and success is non-decreasing in ε.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { ATTACKS } from '../../../src/lib/attacks/registry';
import type { AttackModel, AttackOptions, AttackResult, Norm } from '../../../src/lib/attacks/types';
import { convModel, mlpModel, ownLabels, seededUniform } from './fixtures';

const EPSILONS: Record<Norm, number[]> = {
  linf: [0, 0.03, 0.1, 0.25],
  l2: [0, 0.1, 0.4, 1],
  l0: [0, 1, 3],
};

/** Cheap settings so the whole matrix stays fast. */
const CHEAP: Partial<AttackOptions> = { steps: 8, queryBudget: 60, binarySearchSteps: 3, samples: 4, seed: 3 };

export async function checkInvariants(model: AttackModel, x: tf.Tensor, labels: Int32Array, result: AttackResult, norm: Norm, epsilons: number[]) {
  const n = x.shape[0];
  const xs = await x.data();
  const d = xs.length / n;
  let previous: Uint8Array | null = null;
  const order = epsilons.map((e, i) => i).sort((a, b) => epsilons[a] - epsilons[b]);
  for (const k of order) {
    const r = result.results[k];
    expect(r.epsilon).toBe(epsilons[k]);
    expect(r.adversarial.shape).toEqual(x.shape);
    const adv = await r.adversarial.data();
    const logits = tf.tidy(() => model.logits(r.adversarial).argMax(1));
    const pred = await logits.data();
    logits.dispose();
    for (let i = 0; i < n; i++) {
      let linf = 0;
      let l2 = 0;
      let l0 = 0;
      for (let j = 0; j < d; j++) {
        const v = adv[i * d + j];
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        const dv = Math.abs(v - xs[i * d + j]);
        linf = Math.max(linf, dv);
        l2 += dv * dv;
        if (dv > 1e-7) l0++;
      }
      const size = norm === 'linf' ? linf : norm === 'l2' ? Math.sqrt(l2) : l0;
      expect(size).toBeLessThanOrEqual(r.epsilon + 1e-6);
      expect(r.linf[i]).toBeCloseTo(linf, 5);
      expect(r.l2[i]).toBeCloseTo(Math.sqrt(l2), 4);
      expect(r.predicted[i]).toBe(pred[i]);
      const want = result.targets ? pred[i] === result.targets[i] : pred[i] !== labels[i];
      expect(r.success[i]).toBe(want ? 1 : 0);
      if (previous) expect(r.success[i]).toBeGreaterThanOrEqual(previous[i]);
    }
    previous = r.success;
  }
}

describe('attack invariants on random small models (wasm)', () => {
  let mlp: AttackModel;
  let conv: AttackModel;
  let x8: tf.Tensor;
  let x66: tf.Tensor;
  let y8: Int32Array;
  let y66: Int32Array;
  let surrogate: AttackModel;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    mlp = mlpModel(4, 11);
    conv = convModel(3, 21);
    surrogate = mlpModel(4, 12);
    x8 = tf.keep(seededUniform([16, 8], 31));
    x66 = tf.keep(seededUniform([8, 6, 6, 1], 32));
    y8 = await ownLabels(mlp, x8);
    y66 = await ownLabels(conv, x66);
  });

  for (const spec of ATTACKS) {
    for (const norm of spec.norms) {
      for (const which of ['mlp', 'conv'] as const) {
        // Stickers are rectangles of pixels: the sticker attack needs images (its own tests: sticker.test.ts).
        if (spec.id === 'sticker' && which === 'mlp') continue;
        it(`${spec.id} (${norm}) on the ${which} model`, async () => {
          const model = which === 'mlp' ? mlp : conv;
          const x = which === 'mlp' ? x8 : x66;
          const y = which === 'mlp' ? y8 : y66;
          const epsilons = EPSILONS[norm];
          const extra: Partial<AttackOptions> = spec.id === 'transfer' ? { surrogate: which === 'mlp' ? surrogate : convModel(3, 22) } : {};
          if (spec.id === 'ensemble') extra.attacks = norm === 'l0' ? ['jsma', 'noise'] : norm === 'l2' ? ['deepfool', 'pgd-l2'] : ['fgsm', 'pgd', 'square'];
          const before = tf.memory().numTensors;
          const result = await spec.run(model, x, y, { ...CHEAP, ...extra, epsilons, norm });
          expect(result.results).toHaveLength(epsilons.length);
          await checkInvariants(model, x, y, result, norm, epsilons);
          // ε = 0 changes nothing and breaks nothing (all clean inputs are correct here).
          expect(result.results[0].success.every((s) => s === 0)).toBe(true);
          result.results.forEach((r) => r.adversarial.dispose());
          expect(tf.memory().numTensors).toBe(before);
        });
      }
    }
  }

  it('targeted runs (random and least-likely) keep the invariants and report their targets', async () => {
    for (const id of ['pgd', 'apgd-ce', 'cw-l2', 'square', 'jsma']) {
      const spec = ATTACKS.find((a) => a.id === id)!;
      for (const mode of ['random', 'least-likely'] as const) {
        const result = await spec.run(mlp, x8, y8, { ...CHEAP, epsilons: EPSILONS[spec.norm], targeted: true, target: { mode } });
        expect(result.targets).toBeDefined();
        for (let i = 0; i < y8.length; i++) expect(result.targets![i]).not.toBe(y8[i]);
        await checkInvariants(mlp, x8, y8, result, spec.norm, EPSILONS[spec.norm]);
        result.results.forEach((r) => r.adversarial.dispose());
      }
    }
  });
});
