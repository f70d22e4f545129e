/**
 * The single-step training methods (FGSM-RS, N-FGSM) as their papers define them: every example perturbed, the
 * one step's result taken unscored (the loop's lastIterate) — checked against the analytic step of a linear model,
 * the methods' own bounds, the scored loop's point and a count of the model's passes.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { singleStepBatch } from '../../src/lib/train/train';
import { iterativeAttack } from '../../src/lib/attacks/iterative';
import { signStep } from '../../src/lib/attacks/step-rules';
import { linearModel, mlpModel, ownLabels, passCounting as counting, seededUniform } from './attacks/fixtures';

describe('single-step adversarial training batches (wasm)', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('FGSM-RS with α ≥ 2ε lands on the analytic corner x + ε·sign(w_other − w_label) for every row, misclassified ones too', async () => {
    // Two classes: ∇ₓCE = (1 − p_y)(w_other − w_y), whose sign does not depend on where the random start put x.
    const d = 10;
    const model = linearModel(d, 2, 21);
    const x = seededUniform([8, d], 22);
    const y = await ownLabels(model, x);
    y[0] = 1 - y[0]; // misclassified on the clean input: still attacked
    const eps = 0.08;
    const { wrapped, calls } = counting(model);
    const adv = await singleStepBatch({ method: 'fgsm-rs', stepSize: 2.5 * eps }, wrapped, x, tf.tensor1d(y, 'int32'), eps, 5);
    expect(calls).toEqual({ forwardBackward: 1, forward: 0 });
    const W = (await model.W.array()) as number[][];
    const xs = (await x.array()) as number[][];
    const got = (await adv.array()) as number[][];
    for (let r = 0; r < xs.length; r++) {
      for (let i = 0; i < d; i++) {
        const g = W[i][1 - y[r]] - W[i][y[r]];
        expect(got[r][i]).toBeCloseTo(Math.min(1, Math.max(0, xs[r][i] + eps * Math.sign(g))), 6);
      }
    }
    tf.dispose([adv, x]);
  });

  it('FGSM-RS (α = 1.25ε) stays in the ε-cube and the box and moves every row; N-FGSM leaves the ε-cube but not kε + α', async () => {
    const model = mlpModel(4, 31);
    const x = seededUniform([32, 8], 32);
    const y = await ownLabels(model, x);
    y[3] = (y[3] + 1) % 4;
    const labels = tf.tensor1d(y, 'int32');
    const eps = 0.1;
    const before = tf.memory().numTensors;
    const linf = async (adv: tf.Tensor) => {
      const [t, mn, mx] = tf.tidy(() => [adv.sub(x).abs().max(1), adv.min(), adv.max()]);
      const v = (await t.data()) as Float32Array;
      const [lo, hi] = [(await mn.data())[0], (await mx.data())[0]];
      tf.dispose([t, mn, mx]);
      adv.dispose();
      return { v, lo, hi };
    };
    const rs = await linf(await singleStepBatch({ method: 'fgsm-rs' }, model, x, labels, eps, 7));
    expect(rs.v.every((v) => v > 0 && v <= eps + 1e-6)).toBe(true);
    expect(rs.lo).toBeGreaterThanOrEqual(0);
    expect(rs.hi).toBeLessThanOrEqual(1);
    const nf = await linf(await singleStepBatch({ method: 'n-fgsm' }, model, x, labels, eps, 7));
    expect(nf.v.every((v) => v > 0 && v <= 2 * eps + eps + 1e-6)).toBe(true);
    expect(nf.v.some((v) => v > eps + 1e-3)).toBe(true);
    expect(nf.lo).toBeGreaterThanOrEqual(0);
    expect(nf.hi).toBeLessThanOrEqual(1);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([labels, x]);
  });

  it('the loop’s lastIterate gives the scored one-step point without its forward pass, and refuses restarts', async () => {
    const model = mlpModel(4, 41);
    const x = seededUniform([16, 8], 42);
    const labels = await ownLabels(model, x);
    const n = 16;
    const params = {
      norm: 'linf' as const,
      steps: 1,
      epsilon: new Float32Array(n).fill(0.1),
      stepSize: new Float32Array(n).fill(0.125),
      randomStart: true,
      restarts: 1,
      seed: 9,
      rule: signStep,
      labels,
      targets: null,
      reportEpsilon: 0.1,
    };
    const a = counting(model);
    const last = await iterativeAttack(a.wrapped, x, { ...params, lastIterate: true });
    const b = counting(model);
    const scored = await iterativeAttack(b.wrapped, x, { ...params, maximizeLoss: true });
    expect(a.calls).toEqual({ forwardBackward: 1, forward: 0 });
    expect(b.calls).toEqual({ forwardBackward: 1, forward: 1 });
    expect(Array.from(await last.adversarial.data())).toEqual(Array.from(await scored.adversarial.data()));
    expect(Array.from(last.predicted).every((p) => p === -1)).toBe(true);
    tf.dispose([last.adversarial, scored.adversarial]);
    await expect(iterativeAttack(model, x, { ...params, restarts: 2, lastIterate: true })).rejects.toThrow(/restarts/);
    x.dispose();
  });
});
