/**
 * Minimal-ε search against an analytic truth: for a two-class linear model without a box the adversarial radius of
 * x is |f(x)|/‖w‖_q (q dual to the norm). Bisection with PGD and the minimisation methods must find it.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { minimalEpsilon } from '../../../src/lib/attacks/minimal-epsilon';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { ownLabels } from './fixtures';

describe('minimal-ε search (wasm)', () => {
  const w = [1.2, -0.7, 0.4, 0.9];
  const bias = -0.3;
  let model: AttackModel;
  let x: tf.Tensor2D;
  let y: Int32Array;
  let points: number[][];

  beforeAll(async () => {
    await initNodeBackend('wasm');
    const W = tf.keep(tf.tensor2d(w.map((v) => [0, v])));
    model = {
      numClasses: 2,
      inputShape: [4],
      bounds: [-Infinity, Infinity],
      logits: (t) => tf.tidy(() => t.matMul(W).add(tf.tensor1d([0, bias])) as tf.Tensor2D),
    };
    points = [
      [0.1, 0.2, 0.3, 0.1],
      [0.5, 0.1, -0.2, 0.3],
      [-0.4, 0.3, 0.2, 0.0],
      [0.05, 0.05, 0.05, 0.05],
      [3, -3, 3, 3],
    ];
    x = tf.keep(tf.tensor2d(points));
    y = await ownLabels(model, x);
  });

  const truth = (p: number[], norm: 'linf' | 'l2') => {
    const f = Math.abs(p.reduce((a, v, j) => a + v * w[j], 0) + bias);
    return f / (norm === 'l2' ? Math.hypot(...w) : w.reduce((a, v) => a + Math.abs(v), 0));
  };

  for (const norm of ['linf', 'l2'] as const) {
    it(`bisection with PGD finds the ${norm} radius; beyond maxEpsilon it is Infinity`, async () => {
      const maxEpsilon = 1;
      const r = await minimalEpsilon(model, x, y, { norm, maxEpsilon, rounds: 12, steps: 20, seed: 1 });
      points.forEach((p, i) => {
        const want = truth(p, norm);
        if (want > maxEpsilon) expect(r.radius[i]).toBe(Infinity);
        else {
          expect(r.radius[i]).toBeGreaterThanOrEqual(want * (1 - 1e-4));
          // Upper end: bisection precision plus PGD's own slack just above the radius (slow on the L2 sphere).
          expect(r.radius[i]).toBeLessThanOrEqual(want * 1.02 + maxEpsilon / 2 ** 12);
        }
      });
      r.adversarial.dispose();
    });
  }

  it('DeepFool and C&W give the L2 radius; a misclassified input has radius 0', async () => {
    const wrong = Int32Array.from(y);
    wrong[0] = 1 - y[0];
    const df = await minimalEpsilon(model, x, wrong, { norm: 'l2', method: 'deepfool', maxEpsilon: 100 });
    const cw = await minimalEpsilon(model, x, y, { norm: 'l2', method: 'cw-l2', maxEpsilon: 100, steps: 100 });
    expect(df.radius[0]).toBe(0);
    points.forEach((p, i) => {
      const want = truth(p, 'l2');
      if (i > 0) expect(df.radius[i]).toBeCloseTo(want * 1.02, 3);
      expect(cw.radius[i]).toBeGreaterThanOrEqual(want * (1 - 1e-4));
      expect(cw.radius[i]).toBeLessThanOrEqual(want * 1.05 + 1e-2);
    });
    df.adversarial.dispose();
    cw.adversarial.dispose();
  });
});
