/**
 * APGD with the DLR loss, APGD-T and the autoattack suite: the loss against hand computations and finite
 * differences, a crafted model on which untargeted DLR ascent is led to an unreachable class while APGD-T's ranked
 * targets find the reachable one, and the suite's per-example worst case and stage log.
 * (‖δ‖∞ ≤ ε, x+δ ∈ [0,1], monotone success and tensor hygiene are checked for every registry entry in
 * invariants.test.ts and memory.test.ts, these included.)
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { getAttack } from '../../../src/lib/attacks/registry';
import { rankedTargets } from '../../../src/lib/attacks/apgd';
import { dlrLoss, dlrRows, dlrTargetedLoss } from '../../../src/lib/attacks/losses';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { mlpModel, ownLabels, seededUniform } from './fixtures';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

async function values(t: tf.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

describe('DLR loss', () => {
  const z = [
    [3, 1, 2, 0.5],
    [0.2, -1, 4, 1],
  ];
  it('matches a hand computation, untargeted and targeted, as tensors and on read-back rows', async () => {
    const logits = tf.tensor2d(z);
    const labels = tf.tensor1d([0, 2], 'int32');
    const targets = tf.tensor1d([3, 0], 'int32');
    // Row 0: sorted 3, 2, 1, 0.5. Label 0 wins: −(3 − 2)/(3 − 1) = −0.5. Target 3: −(3 − 0.5)/(3 − (1 + 0.5)/2).
    // Row 1: sorted 4, 1, 0.2, −1. Label 2 wins: −(4 − 1)/(4 − 0.2). Target 0: −(4 − 0.2)/(4 − (0.2 − 1)/2).
    const untargeted = [-0.5, -3 / 3.8];
    const targeted = [-2.5 / 2.25, -3.8 / 4.4];
    expect(await values(dlrLoss(logits, labels))).toEqual(untargeted.map((v) => expect.closeTo(v, 6)));
    expect(await values(dlrTargetedLoss(logits, labels, targets))).toEqual(targeted.map((v) => expect.closeTo(v, 6)));
    const flat = z.flat();
    expect(Array.from(dlrRows(flat, 2, 4, Int32Array.from([0, 2]), null))).toEqual(untargeted.map((v) => expect.closeTo(v, 6)));
    expect(Array.from(dlrRows(flat, 2, 4, Int32Array.from([0, 2]), Int32Array.from([3, 0])))).toEqual(targeted.map((v) => expect.closeTo(v, 6)));
    // A misclassified row has positive DLR: label 1 of row 0 → −(1 − 3)/(3 − 1) = 1.
    expect(dlrRows(flat, 1, 4, Int32Array.from([1]), null)[0]).toBeCloseTo(1, 6);
    tf.dispose([logits, labels, targets]);
  });

  it('is invariant to shifting and positively rescaling the logits', async () => {
    const logits = tf.tensor2d(z);
    const moved = tf.tensor2d(z.map((r) => r.map((v) => 7 * v - 3)));
    const labels = tf.tensor1d([1, 2], 'int32');
    const a = await values(dlrLoss(logits, labels));
    const b = await values(dlrLoss(moved, labels));
    b.forEach((v, i) => expect(v).toBeCloseTo(a[i], 5));
    tf.dispose([logits, moved, labels]);
  });

  it('its gradient matches central finite differences (through the masked order statistics)', async () => {
    const base = [0.3, -0.7, 1.1, 0.55, -0.2];
    const labels = tf.tensor1d([3], 'int32');
    const targets = tf.tensor1d([0], 'int32');
    for (const f of [(l: tf.Tensor2D) => dlrLoss(l, labels), (l: tf.Tensor2D) => dlrTargetedLoss(l, labels, targets)]) {
      const g = await values(tf.grad((l: tf.Tensor) => f(l as tf.Tensor2D).sum())(tf.tensor2d([base])));
      const h = 1e-3;
      for (let j = 0; j < base.length; j++) {
        const plus = base.slice();
        const minus = base.slice();
        plus[j] += h;
        minus[j] -= h;
        const fp = (await values(f(tf.tensor2d([plus]))))[0];
        const fm = (await values(f(tf.tensor2d([minus]))))[0];
        expect(g[j]).toBeCloseTo((fp - fm) / (2 * h), 2);
      }
    }
    tf.dispose([labels, targets]);
  });

  it('says plainly that it needs three classes', async () => {
    const two: AttackModel = { numClasses: 2, inputShape: [2], bounds: [0, 1], logits: (x) => tf.tidy(() => tf.concat([x, x.neg()], 1).slice([0, 0], [-1, 2]) as tf.Tensor2D) };
    const x = tf.tensor2d([[0.5, 0.5]]);
    await expect(getAttack('apgd-dlr').run(two, x, [0], { epsilons: [0.1] })).rejects.toThrow(/at least 3 classes/);
    await expect(getAttack('apgd-t').run(two, x, [0], { epsilons: [0.1] })).rejects.toThrow(/at least 3 classes/);
    x.dispose();
  });
});

describe('APGD-T', () => {
  /**
   * A linear model on [0,1]²: z0 = 1 (the true class), z1 = 2x₁ − 0.5, z2 = −10x₁ + 12x₂ − 1, z3 = −5. At x = (½, ½):
   * z = (1, 0.5, 0, −5). Class 1 is the runner-up but unreachable within ε = 0.1 (z1 ≤ 0.7); untargeted DLR ascent
   * raises z1 and — through its denominator z_π1 − z_π3 = 1 − z2 — lowers z2, so it walks to (0.6, 0.4) and stays.
   * Class 2 is reachable: z2(0.4, 0.6) = 2.2 > 1. APGD-T's second-ranked target is class 2.
   */
  const W = [
    [0, 2, -10, 0],
    [0, 0, 12, 0],
  ];
  const b = [1, -0.5, -1, -5];
  let model: AttackModel;
  beforeAll(() => {
    const Wt = tf.keep(tf.tensor2d(W));
    const bt = tf.keep(tf.tensor1d(b));
    model = { numClasses: 4, inputShape: [2], bounds: [0, 1], logits: (x) => tf.tidy(() => x.matMul(Wt).add(bt) as tf.Tensor2D) };
  });

  it('ranks the other classes by clean logit', () => {
    const ranked = rankedTargets([1, 0.5, 0, -5], Int32Array.from([0]), 4, 3);
    expect(ranked.map((r) => r[0])).toEqual([1, 2, 3]);
  });

  it('breaks the crafted example that untargeted APGD-DLR cannot, and stays inside the ε-cube', async () => {
    const x = tf.tensor2d([[0.5, 0.5]]);
    const opts = { epsilons: [0.1], steps: 20, randomStart: false, seed: 1 };
    const untargeted = await getAttack('apgd-dlr').run(model, x, [0], opts);
    const targeted = await getAttack('apgd-t').run(model, x, [0], opts);
    expect(untargeted.results[0].success[0]).toBe(0);
    expect(targeted.results[0].success[0]).toBe(1);
    expect(targeted.results[0].predicted[0]).toBe(2);
    expect(targeted.results[0].linf[0]).toBeLessThanOrEqual(0.1 + 1e-6);
    tf.dispose([x, untargeted.results[0].adversarial, targeted.results[0].adversarial]);
  });
});

describe('autoattack suite', () => {
  it('is the per-example worst case of its components, logs each stage, and reports its hyperparameters', async () => {
    const model = mlpModel(4, 41);
    const x = tf.keep(seededUniform([24, 8], 42));
    const y = await ownLabels(model, x);
    const eps = [0.05, 0.15];
    const opts = { epsilons: eps, steps: 10, queryBudget: 50, seed: 5 };
    const before = tf.memory().numTensors;
    const suite = await getAttack('autoattack').run(model, x, y, opts);
    expect(suite.stages!.map((s) => s.attack)).toEqual(['apgd-ce', 'apgd-t', 'square']);
    expect(suite.hyperparameters).toMatchObject({ components: 'apgd-ce,apgd-t,square', squareQueries: 50, steps: 10 });
    // Stages only ever lose robust examples, and the last stage is the final figure.
    for (let k = 0; k < eps.length; k++) {
      const counts = suite.stages!.map((s) => s.robust[k]);
      for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]);
      expect(counts[counts.length - 1]).toBe(suite.results[k].success.reduce((a, s) => a + (s ? 0 : 1), 0));
    }
    // Its first component alone, with the same options, breaks a subset of what the suite breaks.
    const first = await getAttack('apgd-ce').run(model, x, y, { epsilons: eps, steps: 10, restarts: 1, randomStart: true, seed: 5 });
    for (let k = 0; k < eps.length; k++) {
      expect(suite.stages![0].robust[k]).toBe(first.results[k].success.reduce((a, s) => a + (s ? 0 : 1), 0));
      for (let i = 0; i < y.length; i++) if (first.results[k].success[i]) expect(suite.results[k].success[i]).toBe(1);
    }
    [...suite.results, ...first.results].forEach((r) => r.adversarial.dispose());
    expect(tf.memory().numTensors).toBe(before);
    await expect(getAttack('autoattack').run(model, x, y, { ...opts, targeted: true })).rejects.toThrow(/untargeted/);
    x.dispose();
  });
});
