/** No attack leaks tensors: tf.memory().numTensors is the same before and after 20 runs of each. */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { ATTACKS } from '../../../src/lib/attacks/registry';
import { minimalEpsilon } from '../../../src/lib/attacks/minimal-epsilon';
import type { AttackModel, AttackOptions } from '../../../src/lib/attacks/types';
import { convModel, mlpModel, ownLabels, seededUniform } from './fixtures';

describe('tensor hygiene (wasm)', () => {
  let model: AttackModel;
  let surrogate: AttackModel;
  let x: tf.Tensor;
  let y: Int32Array;
  let conv: AttackModel;
  let xImg: tf.Tensor;
  let yImg: Int32Array;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    model = mlpModel(3, 71);
    surrogate = mlpModel(3, 72);
    x = tf.keep(seededUniform([4, 8], 73));
    y = await ownLabels(model, x);
    conv = convModel(3, 74);
    xImg = tf.keep(seededUniform([3, 6, 6, 1], 75));
    yImg = await ownLabels(conv, xImg);
  });

  for (const spec of ATTACKS) {
    it(`${spec.id}: numTensors flat over 20 runs`, async () => {
      const eps = spec.norm === 'l0' ? [0, 2] : spec.norm === 'l2' ? [0.1, 0.5] : [0.05, 0.2];
      const opts: AttackOptions = {
        epsilons: eps,
        steps: 3,
        restarts: 2,
        queryBudget: 5,
        binarySearchSteps: 2,
        samples: 2,
        surrogate,
        gamma: 0.5,
        ...(spec.id === 'ensemble' ? { attacks: ['fgsm', 'pgd', 'square'] } : {}),
      };
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) {
        // The sticker attack needs images: the conv model's [N, 6, 6, 1] batch.
        const r = spec.id === 'sticker' ? await spec.run(conv, xImg, yImg, { ...opts, seed: i }) : await spec.run(model, x, y, { ...opts, seed: i });
        r.results.forEach((e) => e.adversarial.dispose());
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('minimal-ε search: numTensors flat over 20 runs', async () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      const r = await minimalEpsilon(model, x, y, { maxEpsilon: 0.5, rounds: 2, steps: 3, seed: i });
      r.adversarial.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
