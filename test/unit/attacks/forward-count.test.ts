import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { fgsm } from '../../../src/lib/attacks/fgsm';
import { bim, pgd } from '../../../src/lib/attacks/pgd';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { inputGradientPassOf, layersModelAsAttackModel } from '../../../src/lib/attacks/model-adapter';
import { buildModel } from '../../../src/lib/models/architectures';
import { convModel, ownLabels, passCounting, seededUniform } from './fixtures';

/**
 * FGSM needs exactly one forward-backward (the gradient at x, whose logits are the clean scores) and one forward (the
 * score of x + δ); the other attacks' counts follow.
 */
const counting = passCounting;

describe('forward passes per attack', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('single-ε FGSM: one forward-backward and one forward, same result as before', async () => {
    const model = convModel(4, 31);
    const x = seededUniform([5, 6, 6, 1], 32);
    const labels = await ownLabels(model, x);
    const { wrapped, calls } = counting(model);
    const r = await fgsm.run(wrapped, x, labels, { epsilons: [0.1] });
    expect(calls).toEqual({ forwardBackward: 1, forward: 1 });
    // The reported predictions are those of the returned adversarials (scored once, inside the attack).
    const z = tf.tidy(() => model.logits(r.results[0].adversarial).argMax(1));
    expect(Array.from(await z.data())).toEqual(Array.from(r.results[0].predicted));
    z.dispose();
    // The step is still x + ε·sign(∇) in the box: ‖δ‖∞ ≤ ε.
    expect(r.results[0].linf.every((v) => v <= 0.1 + 1e-6)).toBe(true);
    r.results.forEach((e) => e.adversarial.dispose());
    x.dispose();
  });

  it('an FGSM ε-curve reuses the clean gradient at every ε', async () => {
    const model = convModel(4, 41);
    const x = seededUniform([6, 6, 6, 1], 42);
    const labels = await ownLabels(model, x);
    const { wrapped, calls } = counting(model);
    const eps = [0.05, 0.1, 0.2, 0.3];
    const r = await fgsm.run(wrapped, x, labels, { epsilons: eps });
    expect(calls.forwardBackward).toBe(1);
    expect(calls.forward).toBeLessThanOrEqual(eps.length);
    for (const e of r.results) {
      const z = tf.tidy(() => model.logits(e.adversarial).argMax(1));
      expect(Array.from(await z.data())).toEqual(Array.from(e.predicted));
      z.dispose();
      e.adversarial.dispose();
    }
    x.dispose();
  });

  it('BIM-k: k forward-backward passes and one forward, no separate scoring pass', async () => {
    const model = convModel(4, 51);
    const x = seededUniform([4, 6, 6, 1], 52);
    const labels = await ownLabels(model, x);
    const { wrapped, calls } = counting(model);
    // A tiny ε so that no example breaks early and all steps run.
    const r = await bim.run(wrapped, x, labels, { epsilons: [1e-4], steps: 5 });
    expect(calls).toEqual({ forwardBackward: 5, forward: 1 });
    r.results.forEach((e) => e.adversarial.dispose());
    // PGD with its random start cannot use the clean gradient: a clean forward, then k forward-backward, one forward.
    const c2 = counting(model);
    const r2 = await pgd.run(c2.wrapped, x, labels, { epsilons: [1e-4], steps: 5 });
    expect(c2.calls).toEqual({ forwardBackward: 5, forward: 2 });
    r2.results.forEach((e) => e.adversarial.dispose());
    // Adversarial training's FGSM-RS (maximizeLoss: every row attacked whatever its clean prediction): no clean
    // forward — one forward-backward at the random start, one forward to score the step.
    const c3 = counting(model);
    const r3 = await pgd.run(c3.wrapped, x, labels, { epsilons: [0.1], steps: 1, stepSize: 0.125, maximizeLoss: true });
    expect(c3.calls).toEqual({ forwardBackward: 1, forward: 1 });
    const z3 = tf.tidy(() => model.logits(r3.results[0].adversarial).argMax(1));
    expect(Array.from(await z3.data())).toEqual(Array.from(r3.results[0].predicted));
    expect(r3.results[0].linf.every((v) => v > 0.05 && v <= 0.1 + 1e-6)).toBe(true);
    z3.dispose();
    r3.results.forEach((e) => e.adversarial.dispose());
    x.dispose();
  });

  it('a layers model takes the tape-free forward-backward, with the same pass counts and result as autodiff', async () => {
    const net = buildModel({ kind: 'cnn', inputShape: [8, 8, 1], conv: [{ filters: 4, kernel: 3, stride: 2, pool: 0 }], dense: [8], numClasses: 4 }, 61);
    const model = layersModelAsAttackModel(net);
    expect(inputGradientPassOf(model)).not.toBeNull();
    // The same function without the written-out pass: a wrapper that replaces logits never inherits it.
    const taped: AttackModel = { ...model, logits: (x) => model.logits(x) };
    expect(inputGradientPassOf(taped)).toBeNull();
    const x = seededUniform([5, 8, 8, 1], 62);
    const labels = await ownLabels(model, x);
    const fast = counting(model);
    const slow = counting(taped);
    expect(inputGradientPassOf(fast.wrapped)).not.toBeNull();
    const a = await fgsm.run(fast.wrapped, x, labels, { epsilons: [0.1] });
    const b = await fgsm.run(slow.wrapped, x, labels, { epsilons: [0.1] });
    expect(fast.calls).toEqual({ forwardBackward: 1, forward: 1 });
    expect(slow.calls).toEqual({ forwardBackward: 1, forward: 1 });
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.results[0].adversarial, b.results[0].adversarial))));
    expect((await diff.data())[0]).toBeLessThan(1e-6);
    expect(Array.from(a.results[0].predicted)).toEqual(Array.from(b.results[0].predicted));
    tf.dispose([diff, a.results[0].adversarial, b.results[0].adversarial, x]);
    net.dispose();
  });
});
