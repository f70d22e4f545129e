import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initNodeBackend } from '../../src/lib/backend/node';
import { arrayExamples } from '../../src/lib/data/examples';
import { makeToyDataset } from '../../src/lib/data/toy';
import { buildModel } from '../../src/lib/models/architectures';
import { layersModelAsAttackModel } from '../../src/lib/attacks/model-adapter';
import { iterativeAttack } from '../../src/lib/attacks/iterative';
import { signStep } from '../../src/lib/attacks/step-rules';
import { attackStepSize, trainModel, type TrainOptions, type TrainState } from '../../src/lib/train/train';
import { readCheckpoint, writeCheckpoint } from '../../scripts/train-checkpoint';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

const toy = makeToyDataset('moons', { n: 200, noise: 0.1, seed: 5 });
const data = arrayExamples(toy.x, toy.y, [2], toy.numClasses);
const mlp = { kind: 'mlp' as const, inputSize: 2, hidden: [12, 12], activation: 'relu' as const, numClasses: 2 };

async function weightsOf(model: tf.LayersModel): Promise<number[]> {
  const out: number[] = [];
  for (const w of model.getWeights()) out.push(...(await w.data()));
  return out;
}

describe('training checkpoints', () => {
  it.each([
    ['adam', 6],
    ['sgd', 6],
    ['adam', 8],
  ] as const)('a run killed after a checkpoint and resumed from disk ends with the same weights (%s, PGD-AT, killed at step %i)', async (optimizer, killAt) => {
    // 4 steps per epoch: a kill at step 6 is mid-epoch (the saved order and batch index matter) and the resumed run
    // crosses an epoch boundary (the generator's position matters); a kill at step 8 resumes exactly on a boundary.
    const opts: TrainOptions = {
      method: 'pgd', epochs: 3, batchSize: 50, optimizer, momentum: optimizer === 'sgd' ? 0.9 : undefined,
      learningRate: 0.02, schedule: { kind: 'cosine' }, epsilon: 0.1, attackSteps: 2, seed: 11, maximizeLoss: true, bounds: [-3, 3],
    };
    const straight = buildModel(mlp, 3);
    const full = await trainModel(straight, data, opts);
    const expected = await weightsOf(straight);
    straight.dispose();

    const dir = mkdtempSync(path.join(tmpdir(), 'ckpt-'));
    try {
      const first = buildModel(mlp, 3);
      const controller = new AbortController();
      await expect(
        trainModel(first, data, {
          ...opts,
          signal: controller.signal,
          checkpoint: { every: 2, save: async (s: TrainState) => { writeCheckpoint(dir, s); if (s.step === killAt) controller.abort(); } },
        }),
      ).rejects.toThrow();
      first.dispose();
      const state = readCheckpoint(dir);
      expect(state.step).toBe(killAt);
      const second = buildModel(mlp, 99); // other initial weights: all of them must come from the checkpoint
      const before = tf.memory().numTensors;
      const resumed = await trainModel(second, data, { ...opts, resume: state });
      expect(tf.memory().numTensors).toBe(before);
      expect(resumed.steps).toBe(full.steps);
      expect(resumed.losses).toEqual(full.losses);
      const got = await weightsOf(second);
      second.dispose();
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a checkpoint of another run in plain words', async () => {
    const model = buildModel(mlp, 3);
    const opts: TrainOptions = { method: 'standard', epochs: 1, batchSize: 50, optimizer: 'adam', learningRate: 0.01, schedule: { kind: 'constant' }, seed: 1 };
    let state: TrainState | null = null;
    await trainModel(model, data, { ...opts, steps: 2, checkpoint: { every: 2, save: async (s) => { state = s; } } });
    await expect(trainModel(model, data, { ...opts, seed: 2, resume: state! })).rejects.toThrow(/seed/);
    await expect(trainModel(model, data, { ...opts, steps: 5, resume: state! })).rejects.toThrow(/steps/);
    model.dispose();
  });
});

describe('N-FGSM', () => {
  it('steps α·sign(∇) from a start in the 2ε cube and never projects back onto the ε-cube', async () => {
    // A linear model z = [0, w·x]: the CE gradient of label 0 is along +w, so one sign step moves every coordinate by +α.
    const w = tf.tensor2d([[0, 1], [0, -1], [0, 1]]);
    const model = { logits: (x: tf.Tensor) => tf.matMul(x as tf.Tensor2D, w) as tf.Tensor2D, numClasses: 2, inputShape: [3], bounds: [-10, 10] as [number, number] };
    const n = 400;
    const eps = 0.1;
    const x = tf.zeros([n, 3]);
    const out = await iterativeAttack(model, x, {
      norm: 'linf', steps: 1, epsilon: new Float32Array(n).fill(3 * eps), startRadius: new Float32Array(n).fill(2 * eps),
      stepSize: new Float32Array(n).fill(eps), randomStart: true, restarts: 1, seed: 3, rule: signStep,
      labels: new Int32Array(n), targets: null, reportEpsilon: eps, maximizeLoss: true,
    });
    const d = await out.adversarial.data();
    const sign = [1, -1, 1];
    let beyond = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 3; j++) {
        const start = d[i * 3 + j] - sign[j] * eps; // undo the step
        expect(Math.abs(start)).toBeLessThanOrEqual(2 * eps + 1e-6);
        if (Math.abs(d[i * 3 + j]) > eps + 1e-6) beyond++;
      }
    }
    // Uniform starts s in [−2ε, 2ε] shifted by ε end outside the ε-cube when s > 0: half of them (0 if projected).
    expect(beyond / (3 * n)).toBeGreaterThan(0.4);
    tf.dispose([w, x, out.adversarial]);
  });

  it('trains on perturbed inputs, not clean ones', async () => {
    // Same weights, same batches: the first step's loss on N-FGSM inputs (a loss-ascent step from noise) must be
    // above the clean loss. A method missing from the adversarial set silently trains on clean inputs.
    const opts = { epochs: 1, steps: 1, batchSize: 100, optimizer: 'adam' as const, learningRate: 0.01, schedule: { kind: 'constant' as const }, seed: 4, bounds: [-1.5, 1.5] as [number, number] };
    const clean = buildModel(mlp, 2);
    await trainModel(clean, data, { method: 'standard', ...opts, steps: 60 });
    const noisy = buildModel(mlp, 2);
    noisy.setWeights(clean.getWeights());
    const a = await trainModel(clean, data, { method: 'standard', ...opts });
    const b = await trainModel(noisy, data, { method: 'n-fgsm', epsilon: 0.3, ...opts });
    expect(b.losses[0]).toBeGreaterThan(a.losses[0] + 0.05);
    clean.dispose();
    noisy.dispose();
  });

  it('takes its step relative to the ramped ε unless an absolute step is given', () => {
    // During a ramp ε_t < ε: a relative step shrinks with it (an N-FGSM step is never projected back).
    expect(attackStepSize({ method: 'n-fgsm', relativeStepSize: 1 }, 0.06)).toBeCloseTo(0.06, 12);
    expect(attackStepSize({ method: 'n-fgsm' }, 0.06)).toBeCloseTo(0.06, 12);
    expect(attackStepSize({ method: 'n-fgsm', stepSize: 0.3, relativeStepSize: 1 }, 0.06)).toBe(0.3);
    expect(attackStepSize({ method: 'fgsm-rs' }, 0.2)).toBeCloseTo(0.25, 12);
    expect(attackStepSize({ method: 'pgd', attackSteps: 10 }, 0.2)).toBeCloseTo(0.05, 12);
    expect(attackStepSize({ method: 'trades' }, 0.7)).toBeCloseTo(0.25, 12);
    expect(attackStepSize({ method: 'pgd', attackSteps: 10, relativeStepSize: 0.1 }, 0.3)).toBeCloseTo(0.03, 12);
  });

  it('trains through the loop without leaking tensors and keeps x+δ in the input box', async () => {
    const model = buildModel(mlp, 2);
    const before = tf.memory().numTensors;
    const r = await trainModel(model, data, { method: 'n-fgsm', epochs: 1, steps: 6, batchSize: 50, optimizer: 'adam', learningRate: 0.01, schedule: { kind: 'constant' }, epsilon: 0.2, seed: 4, bounds: [-1.5, 1.5] });
    expect(r.steps).toBe(6);
    expect(tf.memory().numTensors).toBe(before);
    const target = layersModelAsAttackModel(model, [-1.5, 1.5]);
    const x = tf.fill([8, 2], 1.45);
    const adv = await iterativeAttack(target, x, {
      norm: 'linf', steps: 1, epsilon: new Float32Array(8).fill(0.6), startRadius: new Float32Array(8).fill(0.4),
      stepSize: new Float32Array(8).fill(0.2), randomStart: true, restarts: 1, seed: 1, rule: signStep,
      labels: new Int32Array(8), targets: null, reportEpsilon: 0.2, maximizeLoss: true,
    });
    const v = await adv.adversarial.data();
    for (const a of v) expect(a).toBeLessThanOrEqual(1.5 + 1e-6);
    tf.dispose([x, adv.adversarial]);
    model.dispose();
  });
});
