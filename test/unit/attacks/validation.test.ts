/** Bad input gets a clear error naming the parameter, and leaves no tensors behind. */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { ATTACKS, getAttack } from '../../../src/lib/attacks/registry';
import { minimalEpsilon } from '../../../src/lib/attacks/minimal-epsilon';
import type { AttackModel, AttackOptions } from '../../../src/lib/attacks/types';
import { mlpModel, ownLabels, seededUniform } from './fixtures';

describe('attack argument validation (wasm)', () => {
  let model: AttackModel;
  let x: tf.Tensor;
  let y: Int32Array;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    model = mlpModel(3, 81);
    x = tf.keep(seededUniform([3, 8], 82));
    y = await ownLabels(model, x);
  });

  async function rejects(run: () => Promise<unknown>, pattern: RegExp) {
    const before = tf.memory().numTensors;
    await expect(run()).rejects.toThrow(pattern);
    expect(tf.memory().numTensors).toBe(before);
  }

  it('rejects bad options for every attack, naming the parameter', async () => {
    for (const spec of ATTACKS) {
      const ok: AttackOptions = { epsilons: [spec.norm === 'l0' ? 1 : 0.1], surrogate: mlpModel(3, 83) };
      await rejects(() => spec.run(model, x, y, { ...ok, epsilons: [-0.1] }), /epsilons\[0\].*≥ 0/);
      await rejects(() => spec.run(model, x, y, { ...ok, epsilons: [NaN] }), /epsilons\[0\]/);
      await rejects(() => spec.run(model, x, y, { ...ok, epsilons: [] }), /epsilons/);
      await rejects(() => spec.run(model, x, y, { ...ok, steps: 0 }), /steps must be an integer > 0/);
      await rejects(() => spec.run(model, x, y, { ...ok, steps: 2.5 }), /steps/);
      await rejects(() => spec.run(model, x, y, { ...ok, stepSize: -1 }), /stepSize/);
      await rejects(() => spec.run(model, x, y, { ...ok, restarts: 0 }), /restarts/);
      await rejects(() => spec.run(model, x, y, { ...ok, queryBudget: 0 }), /queryBudget/);
    }
  });

  it('rejects wrong shapes, labels, inputs and models', async () => {
    const pgd = getAttack('pgd');
    const opts = { epsilons: [0.1] };
    const wrong = tf.zeros([3, 7]);
    await rejects(() => pgd.run(model, wrong, y, opts), /x has shape \[3,7\], expected \[N, 8\]/);
    await rejects(() => pgd.run(model, x, Int32Array.from([0, 1]), opts), /labels has 2 entries but x has 3/);
    await rejects(() => pgd.run(model, x, Int32Array.from([0, 1, 3]), opts), /labels\[2\] = 3 is out of range \[0, 3\)/);
    const fractional = tf.tensor1d([0, 1.5, 2]);
    await rejects(() => pgd.run(model, x, fractional, opts), /labels\[1\] must be an integer/);
    const outside = tf.fill([3, 8], 1.5);
    await rejects(() => pgd.run(model, outside, y, opts), /outside model.bounds/);
    const withNaN = tf.tensor2d([[NaN, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]);
    await rejects(() => pgd.run(model, withNaN, y, opts), /NaN/);
    const softmaxModel: AttackModel = { ...model, logits: (t) => tf.tidy(() => tf.softmax(model.logits(t))) };
    await rejects(() => pgd.run(softmaxModel, x, y, opts), /outputs probabilities.*logits/);
    await rejects(() => pgd.run(model, x, y, { ...opts, norm: 'l2' }), /norm 'l2' is not supported/);
    await rejects(() => getAttack('deepfool').run(model, x, y, { ...opts, targeted: true }), /does not support targeted/);
    await rejects(() => pgd.run(model, x, y, { ...opts, targeted: true, target: { mode: 'given', label: 5 } }), /target.label/);
    await rejects(() => getAttack('jsma').run(model, x, y, { epsilons: [1.5] }), /L0 counts changed elements/);
    await rejects(() => getAttack('transfer').run(model, x, y, opts), /opts.surrogate is required/);
    await rejects(() => getAttack('ensemble').run(model, x, y, { ...opts, attacks: ['pgd', 'nope'] }), /Unknown attack id 'nope'/);
    await rejects(() => getAttack('ensemble').run(model, x, y, { ...opts, attacks: ['pgd', 'cw-l2'] }), /cw-l2.*does not support norm 'linf'/);
    await rejects(() => minimalEpsilon(model, x, y, { maxEpsilon: -1 }), /maxEpsilon/);
    expect(() => getAttack('pgd-l3')).toThrow(/Unknown attack id 'pgd-l3'; known attacks: fgsm, bim, pgd, pgd-l2/);
    [wrong, fractional, outside, withNaN].forEach((t) => t.dispose());
  });
});
