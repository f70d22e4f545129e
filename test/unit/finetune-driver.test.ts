import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { getAttack } from '../../src/lib/attacks/registry';
import { arrayExamples, type ExampleSet } from '../../src/lib/data/examples';
import { buildModel } from '../../src/lib/models/architectures';
import { cloneLayersModel } from '../../src/lib/models/storage';
import { finetuneModel, validateRecipe, type FinetuneOptions, type FinetuneRecipe } from '../../src/lib/train/finetune';
import { trainModel } from '../../src/lib/train/train';
import { PauseGate } from '../../src/lib/util/pause';
import { createRng } from '../../src/lib/util/rng';
import { isCancelled } from '../../src/lib/util/cancel';

/** Two Gaussian blobs at (±1, 0) with σ = 0.35 inside the box [−3, 3]². */
function blobs(n: number, seed: number): { inputs: Float32Array; labels: Int32Array } {
  const rng = createRng(seed);
  const inputs = new Float32Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    inputs[2 * i] = (labels[i] ? 1 : -1) + 0.35 * rng.normal();
    inputs[2 * i + 1] = 0.35 * rng.normal();
  }
  return { inputs, labels };
}

const MLP = { kind: 'mlp' as const, inputSize: 2, hidden: [8], activation: 'relu' as const, numClasses: 2 };
const BOUNDS: [number, number] = [-3, 3];

const RECIPE: FinetuneRecipe = {
  method: 'fgsm-rs',
  epsilon: 0.3,
  epsilonRamp: 0.2,
  attackSteps: 3,
  relativeStepSize: 1.25,
  tradesBeta: 6,
  optimizer: 'adam',
  learningRate: 0.01,
  schedule: 'constant',
  batchSize: 16,
  steps: 40,
  adversarialShare: 1,
  seed: 3,
};

describe('the fine-tuning driver', () => {
  let train: ExampleSet;
  let heldOut: { x: tf.Tensor; y: Int32Array };
  let options: Omit<FinetuneOptions, 'recipe'>;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    const t = blobs(256, 1);
    train = arrayExamples(t.inputs, t.labels, [2], 2);
    const h = blobs(32, 2);
    heldOut = { x: tf.tensor2d(h.inputs, [32, 2]), y: h.labels };
    options = {
      heldOut: { every: 10, pgdSteps: 3, pgdRelativeStepSize: 0.5, restarts: 1, seed: 1 },
      attacks: { pgd: getAttack('pgd'), fgsm: getAttack('fgsm') },
      bounds: BOUNDS,
      earlyStop: false,
    };
  });

  it('evaluates before training and every `every` steps, reports progress, and keeps the best weights', async () => {
    const model = buildModel(MLP, 1);
    const progress: number[] = [];
    const evaluated: number[] = [];
    const result = await finetuneModel(model, train, heldOut, {
      ...options,
      recipe: RECIPE,
      onProgress: (p) => {
        progress.push(p.step);
        if (p.evaluation) evaluated.push(p.evaluation.step);
        expect(p.imagesPerSecond).toBeGreaterThan(0);
        expect(p.eta).toBeGreaterThanOrEqual(0);
      },
    });
    expect(progress).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(evaluated).toEqual([10, 20, 30, 40]);
    expect(result.evaluations.map((e) => e.step)).toEqual([0, 10, 20, 30, 40]);
    for (const e of result.evaluations) {
      // Accuracy under attack can never exceed clean accuracy (a misclassified clean input counts as broken).
      expect(e.robust).toBeLessThanOrEqual(e.clean);
      expect(e.fgsm).toBeLessThanOrEqual(e.clean);
    }
    const trained = result.evaluations.slice(1);
    const best = trained.reduce((a, b) => (b.robust > a.robust ? b : a));
    expect(result.bestStep).toBe(best.step);
    expect(result.losses).toHaveLength(40);
    model.dispose();
  });

  it('with an adversarial share of 0, FGSM-RS training is exactly standard training', async () => {
    const a = buildModel(MLP, 5);
    const b = await cloneLayersModel(a);
    const common = { epochs: 1, steps: 12, batchSize: 16, optimizer: 'adam' as const, learningRate: 0.01, schedule: { kind: 'constant' as const }, seed: 9, bounds: BOUNDS };
    const standard = await trainModel(a, train, { ...common, method: 'standard' });
    const mixed = await trainModel(b, train, { ...common, method: 'fgsm-rs', epsilon: 0.3, attack: getAttack('pgd'), adversarialShare: 0 });
    expect(mixed.losses).toEqual(standard.losses);
    const half = await trainModel(await cloneLayersModel(a), train, { ...common, method: 'fgsm-rs', epsilon: 0.3, attack: getAttack('pgd'), adversarialShare: 0.5 });
    expect(half.losses).not.toEqual(standard.losses);
    a.dispose();
    b.dispose();
  });

  it('pauses at a step boundary (calling onPause there) and resumes where it stopped', async () => {
    const model = buildModel(MLP, 2);
    const gate = new PauseGate();
    const pausedAt: number[] = [];
    let stepsSeen = 0;
    const run = finetuneModel(model, train, heldOut, {
      ...options,
      recipe: { ...RECIPE, steps: 20 },
      gate,
      onPause: (step) => {
        pausedAt.push(step);
        // While paused, no step runs: resume a little later and check nothing happened meanwhile.
        const seen = stepsSeen;
        setTimeout(() => {
          expect(stepsSeen).toBe(seen);
          gate.resume();
        }, 50);
      },
      onProgress: (p) => {
        stepsSeen = p.step;
        if (p.step === 7) gate.pause();
      },
    });
    const result = await run;
    expect(pausedAt).toEqual([7]);
    expect(result.steps).toBe(20);
    model.dispose();
  });

  it('a cancel during a pause rejects as cancelled and leaves no tensors behind', async () => {
    const model = buildModel(MLP, 3);
    const gate = new PauseGate();
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const run = finetuneModel(model, train, heldOut, {
      ...options,
      recipe: { ...RECIPE, steps: 30 },
      gate,
      signal: controller.signal,
      onPause: () => {
        setTimeout(() => controller.abort(), 20);
      },
      onProgress: (p) => {
        if (p.step === 15) gate.pause();
      },
    });
    const err = await run.catch((e: unknown) => e);
    expect(isCancelled(err)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('stops early when held-out robust accuracy keeps falling, and only if asked to', async () => {
    // Held-out labels opposite to the training labels: the better the model learns, the lower its held-out
    // accuracy, so robust accuracy peaks early and then falls, which is what the detector looks for.
    const flipped = { x: heldOut.x, y: heldOut.y.map((v) => 1 - v) };
    const run = async (earlyStop: boolean) => {
      const model = buildModel(MLP, 4);
      try {
        return await finetuneModel(model, train, flipped, {
          ...options,
          recipe: { ...RECIPE, steps: 100 },
          heldOut: { ...options.heldOut, every: 5 },
          earlyStop,
        });
      } finally {
        model.dispose();
      }
    };
    const stopped = await run(true);
    expect(stopped.stoppedEarly).toBe(true);
    expect(stopped.warnings.robustOverfitting).not.toBeNull();
    expect(stopped.steps).toBeLessThan(100);
    expect(stopped.steps % 5).toBe(0);
    const full = await run(false);
    expect(full.stoppedEarly).toBe(false);
    expect(full.steps).toBe(100);
    expect(full.warnings.robustOverfitting).not.toBeNull();
  });

  it('rejects a bad recipe by naming the parameter', () => {
    expect(() => validateRecipe({ ...RECIPE, epsilon: 0 })).toThrow(/epsilon/);
    expect(() => validateRecipe({ ...RECIPE, method: 'magic' as never })).toThrow(/method/);
    expect(() => validateRecipe({ ...RECIPE, adversarialShare: 1.5 })).toThrow(/adversarialShare/);
    expect(() => validateRecipe({ ...RECIPE, batchSize: 3.5 })).toThrow(/batchSize/);
    expect(() => validateRecipe({ ...RECIPE, schedule: 'step' as never })).toThrow(/schedule/);
  });

  it('leaks no tensors across a 500-step run with evaluations (FGSM-RS), nor across PGD and TRADES runs', async () => {
    const model = buildModel(MLP, 6);
    const before = tf.memory().numTensors;
    const result = await finetuneModel(model, train, heldOut, {
      ...options,
      recipe: { ...RECIPE, steps: 500 },
      heldOut: { ...options.heldOut, every: 50 },
    });
    expect(result.steps).toBe(500);
    expect(tf.memory().numTensors).toBe(before);
    for (const method of ['pgd', 'trades'] as const) {
      await finetuneModel(model, train, heldOut, { ...options, recipe: { ...RECIPE, method, steps: 20 } });
      expect(tf.memory().numTensors).toBe(before);
    }
    model.dispose();
  });
});
