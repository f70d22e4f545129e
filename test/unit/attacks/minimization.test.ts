/**
 * Minimisation attacks find smaller perturbations than a fixed-budget attack: at the first ε where PGD-L2 breaks
 * at least half of the batch, C&W-L2 and DeepFool reach success on the same examples with a smaller median ‖δ‖₂.
 * DeepFool on a linear two-class model without a box lands on the analytic boundary distance × (1 + overshoot).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { getAttack } from '../../../src/lib/attacks/registry';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { mlpModel, ownLabels, seededUniform, successRate } from './fixtures';

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

describe('minimisation attacks (wasm)', () => {
  let model: AttackModel;
  let x: tf.Tensor;
  let y: Int32Array;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    model = mlpModel(4, 51);
    x = tf.keep(seededUniform([32, 8], 52));
    y = await ownLabels(model, x);
  });

  it('C&W-L2 and DeepFool beat PGD-L2 in median ‖δ‖₂ where PGD first succeeds', async () => {
    const grid = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8, 1.2];
    const pgd = await getAttack('pgd-l2').run(model, x, y, { epsilons: grid, steps: 20, seed: 1 });
    const k = pgd.results.findIndex((r) => successRate(r.success) >= 0.5);
    expect(k).toBeGreaterThanOrEqual(0);
    const atK = pgd.results[k];
    const big = [10];
    const cw = await getAttack('cw-l2').run(model, x, y, { epsilons: big, steps: 60, binarySearchSteps: 6, seed: 1 });
    const df = await getAttack('deepfool').run(model, x, y, { epsilons: big, steps: 30 });
    for (const minimiser of [cw, df]) {
      const r = minimiser.results[0];
      const both = Array.from(atK.success.keys()).filter((i) => atK.success[i] && r.success[i]);
      expect(both.length).toBeGreaterThanOrEqual(Math.ceil(0.8 * atK.success.reduce((a, b) => a + b, 0)));
      const mine = median(both.map((i) => r.l2[i]));
      const theirs = median(both.map((i) => atK.l2[i]));
      expect(mine).toBeLessThan(theirs);
    }
    [pgd, cw, df].forEach((res) => res.results.forEach((e) => e.adversarial.dispose()));
  });

  it('DeepFool finds the analytic distance to a linear boundary', async () => {
    const w = [0.8, -1.5, 0.3];
    const W = tf.keep(tf.tensor2d([[0, w[0]], [0, w[1]], [0, w[2]]]));
    const linear: AttackModel = {
      numClasses: 2,
      inputShape: [3],
      bounds: [-Infinity, Infinity],
      logits: (xs) => tf.tidy(() => xs.matMul(W).add(tf.tensor1d([0, -0.2])) as tf.Tensor2D),
    };
    const pts = tf.tensor2d([[0.1, 0.2, 0.3], [0.5, -0.4, 0.1], [-0.2, 0.3, 0.9]]);
    const labels = await ownLabels(linear, pts);
    const p = (await pts.array()) as number[][];
    for (const norm of ['l2', 'linf'] as const) {
      const r = await getAttack('deepfool').run(linear, pts, labels, { epsilons: [100], norm, overshoot: 0.02 });
      const dual = norm === 'l2' ? Math.hypot(...w) : w.reduce((a, v) => a + Math.abs(v), 0);
      for (let i = 0; i < 3; i++) {
        const f = Math.abs(p[i].reduce((a, v, j) => a + v * w[j], 0) - 0.2);
        const want = (f / dual) * 1.02;
        const got = norm === 'l2' ? r.results[0].l2[i] : r.results[0].linf[i];
        expect(r.results[0].success[i]).toBe(1);
        expect(got).toBeCloseTo(want, 3);
      }
      r.results[0].adversarial.dispose();
    }
    pts.dispose();
  });
});
