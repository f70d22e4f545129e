import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { getAttack } from '../../src/lib/attacks/registry';
import { arrayExamples, type ExampleSet } from '../../src/lib/data/examples';
import { buildModel } from '../../src/lib/models/architectures';
import { cloneLayersModel, memoryModelStore } from '../../src/lib/models/storage';
import { finetuneModel, type FinetuneOptions, type FinetuneRecipe } from '../../src/lib/train/finetune';
import { checkCheckpointArtifacts, packCheckpoint, unpackCheckpoint, type CheckpointMeta, type FinetuneCheckpoint } from '../../src/lib/train/finetune-checkpoint';
import { isCancelled } from '../../src/lib/util/cancel';
import { makeToyDataset } from '../../src/lib/data/toy';

/**
 * A fine-tuning run saved mid-way and continued from the saved state — after a trip through the store's packing,
 * as a reload does — ends exactly where the same run without the interruption ends: same weights, same held-out
 * history, same losses. The independent truth is the uninterrupted run.
 */
const MLP = { kind: 'mlp' as const, inputSize: 2, hidden: [10, 10], activation: 'relu' as const, numClasses: 2 };
const BOUNDS: [number, number] = [-3, 3];

async function weightsOf(model: tf.LayersModel): Promise<number[]> {
  const out: number[] = [];
  for (const w of model.getWeights()) out.push(...(await w.data()));
  return out;
}

describe('fine-tuning checkpoints', () => {
  let train: ExampleSet;
  let heldOut: { x: tf.Tensor; y: Int32Array };
  let base: tf.LayersModel;
  let options: Omit<FinetuneOptions, 'recipe'>;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    const t = makeToyDataset('moons', { n: 240, noise: 0.15, seed: 4 });
    train = arrayExamples(t.x, t.y, [2], t.numClasses);
    const h = makeToyDataset('moons', { n: 40, noise: 0.15, seed: 9 });
    heldOut = { x: tf.tensor2d(h.x, [40, 2]), y: Int32Array.from(h.y) };
    base = buildModel(MLP, 2);
    options = {
      heldOut: { every: 6, pgdSteps: 3, pgdRelativeStepSize: 0.5, restarts: 1, seed: 1 },
      attacks: { pgd: getAttack('pgd'), fgsm: getAttack('fgsm') },
      bounds: BOUNDS,
      earlyStop: false,
    };
  });

  // 240 examples, batch 16: 15 steps an epoch, so a save at step 18 resumes mid-epoch and crosses into the third.
  it.each([
    ['fgsm-rs', 'adam', 18],
    ['pgd', 'sgd', 12],
    ['trades', 'adam', 24],
  ] as const)('%s with %s: stopped after the checkpoint at step %i and resumed from the packed state, it ends as the straight run', async (method, optimizer, stopAt) => {
    const recipe: FinetuneRecipe = {
      method, epsilon: 0.3, epsilonRamp: 0.25, attackSteps: 2, relativeStepSize: 1.25, tradesBeta: 6, optimizer,
      learningRate: 0.02, schedule: 'cosine', batchSize: 16, steps: 36, adversarialShare: 1, seed: 5,
    };
    const straight = await cloneLayersModel(base);
    const full = await finetuneModel(straight, train, heldOut, { ...options, recipe });
    const expected = await weightsOf(straight);
    straight.dispose();

    const before = tf.memory().numTensors;
    const store = memoryModelStore<CheckpointMeta>(undefined, checkCheckpointArtifacts);
    const first = await cloneLayersModel(base);
    const controller = new AbortController();
    const saved: number[] = [];
    const stopped = await finetuneModel(first, train, heldOut, {
      ...options,
      recipe,
      signal: controller.signal,
      checkpoint: {
        every: 6,
        save: async (c: FinetuneCheckpoint) => {
          const { meta, artifacts } = packCheckpoint(c);
          await store.save({ id: 'run', card: meta, artifacts, savedAt: new Date().toISOString() });
          saved.push(c.train.step);
          if (c.train.step === stopAt) controller.abort();
        },
      },
    }).then(() => 'finished', (e) => (isCancelled(e) ? 'cancelled' : String(e)));
    expect(stopped).toBe('cancelled');
    first.dispose();
    expect(saved).toEqual(Array.from({ length: stopAt / 6 }, (_, i) => 6 * (i + 1)));

    // A fresh copy of the base model, as after a reload; the checkpoint comes back from the store.
    const stored = (await store.load('run'))!;
    const resume = unpackCheckpoint(stored.card, stored.artifacts);
    expect(resume.train.step).toBe(stopAt);
    expect(resume.evaluations.map((e) => e.step)).toEqual(full.evaluations.filter((e) => e.step <= stopAt).map((e) => e.step));
    const second = await cloneLayersModel(base);
    const steps: number[] = [];
    const resumed = await finetuneModel(second, train, heldOut, { ...options, recipe, resume, onProgress: (p) => steps.push(p.step) });
    expect(steps[0]).toBe(stopAt + 1);
    expect(steps[steps.length - 1]).toBe(36);
    expect(resumed.evaluations).toEqual(full.evaluations);
    // Losses agree to float32 rounding, not bit for bit (train-resume.test.ts compares its weights the same way).
    expect(resumed.losses.length).toBe(full.losses.length);
    resumed.losses.forEach((l, i) => expect(l).toBeCloseTo(full.losses[i], 5));
    expect(resumed.bestStep).toBe(full.bestStep);
    const got = await weightsOf(second);
    expect(got.length).toBe(expected.length);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i], 5);
    second.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the store refuses damaged checkpoints with a message, and a resume of another recipe is refused', async () => {
    const recipe: FinetuneRecipe = {
      method: 'fgsm-rs', epsilon: 0.3, epsilonRamp: 0, attackSteps: 1, relativeStepSize: 1.25, tradesBeta: 6, optimizer: 'adam',
      learningRate: 0.02, schedule: 'constant', batchSize: 16, steps: 12, adversarialShare: 1, seed: 5,
    };
    let last: FinetuneCheckpoint | null = null;
    const model = await cloneLayersModel(base);
    await finetuneModel(model, train, heldOut, { ...options, recipe, checkpoint: { every: 6, save: async (c) => void (last = c) } });
    model.dispose();
    const { meta, artifacts } = packCheckpoint(last!);
    expect(() => checkCheckpointArtifacts(artifacts, 'The checkpoint')).not.toThrow();

    const nan = artifacts.weightData.slice(0);
    new Float32Array(nan)[3] = NaN;
    expect(() => checkCheckpointArtifacts({ ...artifacts, weightData: nan }, 'The checkpoint')).toThrow(/not a finite number/);
    expect(() => checkCheckpointArtifacts({ ...artifacts, weightData: artifacts.weightData.slice(8) }, 'The checkpoint')).toThrow(/claims \d+ bytes/);
    expect(() => checkCheckpointArtifacts({ ...artifacts, modelTopology: {} }, 'The checkpoint')).toThrow(/not a fine-tuning checkpoint/);
    expect(() => checkCheckpointArtifacts(null, 'The checkpoint')).toThrow(/no saved state/);
    expect(() => unpackCheckpoint({ ...meta, train: { ...meta.train, step: 99 } }, artifacts)).toThrow(/which step/);

    const again = await cloneLayersModel(base);
    await expect(finetuneModel(again, train, heldOut, { ...options, recipe: { ...recipe, steps: 20 }, resume: unpackCheckpoint(meta, artifacts) })).rejects.toThrow(/12 steps/);
    again.dispose();
  });
});
