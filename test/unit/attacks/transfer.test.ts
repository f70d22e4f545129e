/**
 * Transfer: crafted with the surrogate's gradients only, scored on the target by forward passes. With the target
 * itself as surrogate it is exactly PGD; a target that throws on gradient access is never differentiated.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { getAttack } from '../../../src/lib/attacks/registry';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { mlpModel, ownLabels, scoresOnly, seededUniform } from './fixtures';

describe('transfer attack (wasm)', () => {
  let model: AttackModel;
  let x: tf.Tensor;
  let y: Int32Array;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    model = mlpModel(4, 101);
    x = tf.keep(seededUniform([16, 8], 102));
    y = await ownLabels(model, x);
  });

  it('with the target as its own surrogate it equals PGD, and it never asks the target for gradients', async () => {
    const opts = { epsilons: [0.05, 0.1, 0.2], steps: 10, seed: 3 };
    const pgd = await getAttack('pgd').run(model, x, y, opts);
    const tr = await getAttack('transfer').run(scoresOnly(model), x, y, { ...opts, surrogate: model });
    for (let k = 0; k < 3; k++) {
      expect(Array.from(tr.results[k].success)).toEqual(Array.from(pgd.results[k].success));
      const a = await tr.results[k].adversarial.data();
      const b = await pgd.results[k].adversarial.data();
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 6);
    }
    // A different surrogate gives a different (here weaker or equal) attack, still within the ball.
    const other = await getAttack('transfer').run(scoresOnly(model), x, y, { ...opts, surrogate: mlpModel(4, 103) });
    other.results.forEach((r, k) => {
      expect(r.linf.every((v) => v <= opts.epsilons[k] + 1e-6)).toBe(true);
      expect(r.queries).toBeLessThanOrEqual(x.shape[0]);
    });
    [pgd, tr, other].forEach((res) => res.results.forEach((e) => e.adversarial.dispose()));
  });
});
