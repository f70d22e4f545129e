/**
 * The margin (C&W logit) loss option of the shared gradient loop: its gradient on a linear model is the analytic
 * w_j* − w_y, it survives a saturated softmax where cross-entropy's gradient underflows to zero, and bad values
 * are refused with a plain message.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { ascentObjective } from '../../../src/lib/attacks/losses';
import { getAttack } from '../../../src/lib/attacks/registry';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { linearModel, seededUniform } from './fixtures';

describe('margin loss (wasm)', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('gradient of the untargeted margin on a linear model is w_best-other − w_label; targeted is its analogue', async () => {
    const m = linearModel(5, 4, 3);
    const x = seededUniform([3, 5], 4);
    const y = tf.tensor1d([0, 1, 2], 'int32');
    const g = await tf.grad((xi: tf.Tensor) => ascentObjective(m.logits(xi), y, false, 'margin').sum())(x).array() as number[][];
    const z = (await m.logits(x).array()) as number[][];
    const W = (await m.W.array()) as number[][];
    for (let i = 0; i < 3; i++) {
      let j = -1;
      for (let c = 0; c < 4; c++) if (c !== i && (j < 0 || z[i][c] > z[i][j])) j = c;
      for (let d = 0; d < 5; d++) expect(g[i][d]).toBeCloseTo(W[d][j] - W[d][i], 5);
    }
    const t = await tf.grad((xi: tf.Tensor) => ascentObjective(m.logits(xi), y, true, 'margin').sum())(x).array() as number[][];
    for (let i = 0; i < 3; i++) {
      let j = -1;
      for (let c = 0; c < 4; c++) if (c !== i && (j < 0 || z[i][c] > z[i][j])) j = c;
      for (let d = 0; d < 5; d++) expect(t[i][d]).toBeCloseTo(W[d][i] - W[d][j], 5);
    }
    tf.dispose([x, y]);
  });

  it('on logits scaled ×1000 (a saturated softmax) cross-entropy PGD is stuck and margin PGD is not', async () => {
    const base = linearModel(6, 3, 9);
    const hot: AttackModel = { ...base, logits: (x) => tf.tidy(() => base.logits(x).mul(1000)) };
    const x = seededUniform([8, 6], 10);
    const labels = Int32Array.from(await tf.tidy(() => hot.logits(x).argMax(1)).data());
    const opts = { epsilons: [0.5], steps: 20, stepSize: 0.05, randomStart: false, seed: 1 };
    const ce = await getAttack('pgd').run(hot, x, labels, opts);
    const margin = await getAttack('pgd').run(hot, x, labels, { ...opts, loss: 'margin' });
    const broken = (s: Uint8Array) => s.reduce((a, b) => a + b, 0);
    expect(broken(margin.results[0].success)).toBeGreaterThan(broken(ce.results[0].success));
    expect(margin.hyperparameters.loss).toBe('margin');
    [ce, margin].forEach((r) => r.results.forEach((e) => e.adversarial.dispose()));
    x.dispose();
  });

  it('refuses an unknown loss', async () => {
    const m = linearModel(2, 2, 1);
    const x = seededUniform([1, 2], 2);
    await expect(getAttack('pgd').run(m, x, [0], { epsilons: [0.1], loss: 'hinge' as never })).rejects.toThrow(/loss must be/);
    x.dispose();
  });
});
