/**
 * Strength orderings on one batch: PGD ≥ FGSM ≥ random noise in success at every ε; restarts (inside the loop or
 * as a wrapper) never lower success; an ensemble is at least as strong as each of its members.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { getAttack } from '../../../src/lib/attacks/registry';
import { withRestarts } from '../../../src/lib/attacks/worst-case';
import type { AttackModel, AttackResult } from '../../../src/lib/attacks/types';
import { mlpModel, ownLabels, seededUniform, successRate } from './fixtures';

const EPS = [0.02, 0.05, 0.1, 0.2];

function rates(r: AttackResult): number[] {
  return r.results.map((e) => successRate(e.success));
}

function release(...rs: AttackResult[]) {
  rs.forEach((r) => r.results.forEach((e) => e.adversarial.dispose()));
}

describe('attack strength orderings (wasm)', () => {
  let model: AttackModel;
  let x: tf.Tensor;
  let y: Int32Array;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    model = mlpModel(5, 41, 8, 24);
    x = tf.keep(seededUniform([64, 8], 42));
    y = await ownLabels(model, x);
  });

  it('PGD ≥ FGSM ≥ uniform noise, at every ε', async () => {
    // PGD as evaluations run it: random start with restarts (one random start alone can land in another basin of a
    // ReLU net and miss a vertex that FGSM hits).
    const p = await getAttack('pgd').run(model, x, y, { epsilons: EPS, steps: 20, restarts: 3, seed: 1 });
    const f = await getAttack('fgsm').run(model, x, y, { epsilons: EPS });
    const nz = await getAttack('noise').run(model, x, y, { epsilons: EPS, samples: 10, seed: 1 });
    const [rp, rf, rn] = [rates(p), rates(f), rates(nz)];
    for (let k = 0; k < EPS.length; k++) {
      expect(rp[k]).toBeGreaterThanOrEqual(rf[k]);
      expect(rf[k]).toBeGreaterThanOrEqual(rn[k]);
    }
    // Not vacuous: the attacks do break examples, and more as ε grows.
    expect(rp[EPS.length - 1]).toBeGreaterThan(0.5);
    expect(rp[EPS.length - 1]).toBeGreaterThan(rp[0]);
    release(p, f, nz);
  });

  it('restarts never lower success (in the loop, per example) and the wrapper keeps the worst case', async () => {
    for (const id of ['pgd', 'pgd-l2', 'apgd-ce']) {
      const eps = id === 'pgd-l2' ? [0.05, 0.15, 0.3] : [0.02, 0.05, 0.1];
      const one = await getAttack(id).run(model, x, y, { epsilons: eps, steps: 5, seed: 9 });
      const three = await getAttack(id).run(model, x, y, { epsilons: eps, steps: 5, seed: 9, restarts: 3 });
      // The first run of a restarted attack is the same run (same seed), so success is a superset per example.
      one.results.forEach((r, k) => r.success.forEach((s, i) => expect(three.results[k].success[i]).toBeGreaterThanOrEqual(s)));
      release(one, three);
    }
    const spec = getAttack('noise');
    const single = await spec.run(model, x, y, { epsilons: EPS, samples: 2, seed: 5 });
    const wrapped = await withRestarts(spec, 4).run(model, x, y, { epsilons: EPS, samples: 2, seed: 5 });
    single.results.forEach((r, k) => r.success.forEach((s, i) => expect(wrapped.results[k].success[i]).toBeGreaterThanOrEqual(s)));
    expect(rates(wrapped).reduce((a, b) => a + b)).toBeGreaterThan(rates(single).reduce((a, b) => a + b));
    release(single, wrapped);
  });

  it('an ensemble breaks every example any member breaks (deterministic members), and reports its members', async () => {
    const ids = ['fgsm', 'bim', 'mifgsm'];
    const opts = { epsilons: EPS, steps: 10, seed: 2 };
    const ens = await getAttack('ensemble').run(model, x, y, { ...opts, attacks: ids });
    for (const id of ids) {
      const r = await getAttack(id).run(model, x, y, opts);
      r.results.forEach((res, k) => res.success.forEach((s, i) => expect(ens.results[k].success[i]).toBeGreaterThanOrEqual(s)));
      release(r);
    }
    expect(ens.hyperparameters.attacks).toBe('fgsm,bim,mifgsm');
    release(ens);
  });
});
