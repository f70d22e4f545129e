import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { fgsm } from '../../../src/lib/attacks/fgsm';
import { linearModel, ownLabels, seededUniform } from './fixtures';

describe('FGSM on a linear model', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('equals the analytic x + ε·sign(∇) clipped to [0,1], untargeted and targeted', async () => {
    const d = 12;
    const C = 4;
    const model = linearModel(d, C, 7);
    const x = seededUniform([6, d], 8);
    const labels = await ownLabels(model, x); // all correctly classified, so every row is attacked
    const W = (await model.W.array()) as number[][];
    const xs = (await x.array()) as number[][];
    const b = (await model.b.array()) as number[];
    const eps = 0.07;
    // ∂CE(y)/∂x = Σ_j (p_j − 1[j=y]) W[:, j]; its sign is computed here in float64 from the weights alone.
    const analytic = (cls: number, sgn: number, row: number) => {
      const z = b.map((bj, j) => bj + xs[row].reduce((s, xi, i) => s + xi * W[i][j], 0));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const Z = e.reduce((a, v) => a + v, 0);
      const p = e.map((v) => v / Z);
      return xs[row].map((xi, i) => {
        const g = p.reduce((s, pj, j) => s + (pj - (j === cls ? 1 : 0)) * W[i][j], 0);
        return Math.min(1, Math.max(0, xi + sgn * eps * Math.sign(g)));
      });
    };
    const untargeted = await fgsm.run(model, x, labels, { epsilons: [eps] });
    const got = (await untargeted.results[0].adversarial.array()) as number[][];
    for (let r = 0; r < 6; r++) {
      const want = analytic(labels[r], 1, r);
      for (let i = 0; i < d; i++) expect(got[r][i]).toBeCloseTo(want[i], 6);
    }
    const target = 2;
    const targeted = await fgsm.run(model, x, labels, { epsilons: [eps], targeted: true, target: { mode: 'given', label: target } });
    const gotT = (await targeted.results[0].adversarial.array()) as number[][];
    for (let r = 0; r < 6; r++) {
      if (labels[r] === target) continue; // already "successful" on the clean input
      const want = analytic(target, -1, r);
      for (let i = 0; i < d; i++) expect(gotT[r][i]).toBeCloseTo(want[i], 6);
    }
    // Towards the target: its logit margin grows.
    const margin = (t: tf.Tensor) =>
      tf.tidy(() => {
        const z = model.logits(t);
        return z.slice([0, target], [-1, 1]).squeeze().sub(z.max(1));
      });
    const before = await margin(x).data();
    const after = await margin(targeted.results[0].adversarial).data();
    for (let r = 0; r < 6; r++) if (labels[r] !== target) expect(after[r]).toBeGreaterThan(before[r]);
    // A row labelled wrongly is already a success at δ = 0 and is returned unchanged.
    const wrong = Int32Array.from(labels);
    wrong[0] = (labels[0] + 1) % C;
    const conv = await fgsm.run(model, x, wrong, { epsilons: [eps] });
    expect(conv.results[0].success[0]).toBe(1);
    expect(conv.results[0].linf[0]).toBe(0);
    conv.results[0].adversarial.dispose();
    untargeted.results[0].adversarial.dispose();
    targeted.results[0].adversarial.dispose();
    x.dispose();
  });
});
