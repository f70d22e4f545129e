import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { loadModelFromFile } from '../../../src/lib/models/node';
import { layersModelAsAttackModel } from '../../../src/lib/attacks/model-adapter';
import { pgd } from '../../../src/lib/attacks/pgd';
import { fgsm } from '../../../src/lib/attacks/fgsm';

/**
 * At batch 1 an attack step costs its kernel count (each tfjs kernel carries ~20–30 µs of engine overhead; the
 * arithmetic is ~1 µs). This pins the count of one interactive PGD step on mnist-cnn (with onStep, as the Attack Lab
 * runs it): 100 before the cross-entropy got its written-out gradient, 93 after, 44 with the tape-free
 * forward-backward (models/input-gradient-forward.ts: no saved copies, fused forward kernels, the cross-entropy's
 * gradient as softmax − onehot), 20 with the sign step and its projection in one kernel, ReLU's backward in one,
 * the fused forward kernels called without tf.fused's gradient wrappers, weight reshapes/transposes made once per
 * run, and the progress norm and best iterate kept without kernels. A change that adds kernels to every step shows
 * up here, not as a slower benchmark weeks later.
 */
const PGD_STEP_KERNELS = 20;
/** A whole single-image FGSM: input checks, one forward-backward, one step, the scoring forward, the norms (91 before, 69 with the step fusions). */
const FGSM_KERNELS = 48;
const MODEL_JSON = path.resolve('models/mnist-cnn/model.json');

describe('kernels per attack step', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it.skipIf(!existsSync(MODEL_JSON))(`an interactive PGD step on mnist-cnn at batch 1 runs at most ${PGD_STEP_KERNELS} kernels`, async () => {
    const model = layersModelAsAttackModel(await loadModelFromFile(MODEL_JSON));
    const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 3);
    const label = Int32Array.from(await tf.tidy(() => model.logits(x).argMax(1)).data());
    let steps = 0;
    // ε tiny: no early stop, every step runs.
    const run = async (n: number) => {
      const r = await pgd.run(model, x, label, { epsilons: [0.001], steps: n, randomStart: true, onStep: () => void steps++ });
      r.results.forEach((e) => e.adversarial.dispose());
    };
    await run(2);
    const kernels = async (n: number) => {
      steps = 0;
      const p = await tf.profile(() => run(n) as unknown as tf.TensorContainer);
      return { kernels: p.kernels.length, steps };
    };
    const a = await kernels(10);
    const b = await kernels(20);
    expect(b.steps - a.steps).toBe(10);
    const perStep = (b.kernels - a.kernels) / 10;
    expect(perStep).toBeLessThanOrEqual(PGD_STEP_KERNELS);
    x.dispose();
  });

  it.skipIf(!existsSync(MODEL_JSON))(`a single-image FGSM on mnist-cnn runs at most ${FGSM_KERNELS} kernels in all`, async () => {
    const model = layersModelAsAttackModel(await loadModelFromFile(MODEL_JSON));
    const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 4);
    const label = Int32Array.from(await tf.tidy(() => model.logits(x).argMax(1)).data());
    const run = async () => {
      const r = await fgsm.run(model, x, label, { epsilons: [0.02], onStep: () => {} });
      r.results.forEach((e) => e.adversarial.dispose());
    };
    await run();
    const p = await tf.profile(() => run() as unknown as tf.TensorContainer);
    expect(p.kernels.length).toBeLessThanOrEqual(FGSM_KERNELS);
    x.dispose();
  });
});
