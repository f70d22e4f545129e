/**
 * onStep streams per-step loss, confidences and ‖δ‖; an AbortSignal stops an attack within one step and leaves no
 * tensors behind. APGD's checkpoints are the paper's.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { getAttack } from '../../../src/lib/attacks/registry';
import { apgdCheckpoints } from '../../../src/lib/attacks/apgd';
import { isCancelled } from '../../../src/lib/util/cancel';
import type { AttackModel, StepInfo } from '../../../src/lib/attacks/types';
import { convModel, mlpModel, ownLabels, seededUniform } from './fixtures';

describe('progress and cancellation (wasm)', () => {
  let model: AttackModel;
  let x: tf.Tensor;
  let y: Int32Array;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    model = convModel(3, 91);
    x = tf.keep(seededUniform([1, 6, 6, 1], 92));
    y = await ownLabels(model, x);
  });

  it('PGD streams one record per step for a single example, loss rising and ‖δ‖ within ε', async () => {
    const steps: StepInfo[] = [];
    const eps = 0.05;
    const mlp = mlpModel(3, 93);
    const one = seededUniform([1, 8], 94);
    const label = await ownLabels(mlp, one);
    const r = await getAttack('pgd').run(mlp, one, label, { epsilons: [eps], steps: 12, randomStart: false, onStep: (s) => steps.push(s) });
    expect(steps.length).toBeGreaterThan(1);
    steps.forEach((s, k) => {
      expect(s.step).toBe(k);
      expect(s.steps).toBe(12);
      expect(s.epsilon).toBe(eps);
      expect(s.norm).toBeLessThanOrEqual(eps + 1e-6);
      expect(s.trueConfidence).toBeGreaterThan(0);
      expect(s.trueConfidence + s.bestOtherConfidence).toBeLessThanOrEqual(1 + 1e-6);
      expect(Number.isFinite(s.loss)).toBe(true);
    });
    expect(steps[0].norm).toBe(0); // no random start: the first record is the clean point
    expect(steps[steps.length - 1].loss).toBeGreaterThan(steps[0].loss);
    expect(steps[steps.length - 1].trueConfidence).toBeLessThan(steps[0].trueConfidence);
    r.results[0].adversarial.dispose();
    one.dispose();
  });

  it('an abort stops every iterative attack within one step, with no tensors left', async () => {
    for (const id of ['pgd', 'apgd-ce', 'cw-l2', 'deepfool', 'square', 'mifgsm']) {
      const controller = new AbortController();
      const seen: number[] = [];
      const before = tf.memory().numTensors;
      const run = getAttack(id).run(model, x, y, {
        epsilons: [id === 'cw-l2' || id === 'deepfool' ? 5 : 0.01],
        steps: 50,
        queryBudget: 500,
        binarySearchSteps: 3,
        signal: controller.signal,
        onStep: (s) => {
          seen.push(s.step);
          if (seen.length === 3) controller.abort();
        },
      });
      const err = await run.then(
        () => null,
        (e: unknown) => e,
      );
      // A run that finished before 3 steps (the example broke) is fine; otherwise it must stop right away.
      if (seen.length >= 3) {
        expect(isCancelled(err)).toBe(true);
        expect(seen.length).toBe(3);
      }
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('an abort from outside (a timer, as a worker message would be) stops long loops', async () => {
    const batch = seededUniform([8, 6, 6, 1], 95);
    const labels = await ownLabels(model, batch);
    for (const id of ['square', 'cw-l2', 'pgd', 'noise']) {
      const controller = new AbortController();
      const before = tf.memory().numTensors;
      const timer = setTimeout(() => controller.abort(), 30);
      const run = getAttack(id).run(model, batch, labels, {
        epsilons: [id === 'cw-l2' ? 5 : 0.001],
        steps: 100000,
        queryBudget: 100000,
        samples: 100000,
        signal: controller.signal,
      });
      const err = await run.then(() => null, (e: unknown) => e);
      clearTimeout(timer);
      expect(isCancelled(err)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    }
    batch.dispose();
  });

  it('APGD checkpoints follow p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06) from 0.22', () => {
    expect(apgdCheckpoints(100)).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
  });
});
