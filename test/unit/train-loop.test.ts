import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { arrayExamples, imageExamples } from '../../src/lib/data/examples';
import { makeToyDataset } from '../../src/lib/data/toy';
import { buildModel } from '../../src/lib/models/architectures';
import { epsilonAt, learningRateAt } from '../../src/lib/train/schedule';
import { trainModel, type TrainOptions } from '../../src/lib/train/train';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

const toy = makeToyDataset('moons', { n: 256, noise: 0.1, seed: 3 });
const toyData = arrayExamples(toy.x, toy.y, [2], toy.numClasses);
const mlp = { kind: 'mlp' as const, inputSize: 2, hidden: [16, 16], activation: 'relu' as const, numClasses: 2 };

async function meanLoss(model: tf.LayersModel): Promise<number> {
  const { x, y } = toyData.batch(Int32Array.from({ length: toy.n }, (_, i) => i));
  const loss = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 2), model.predict(x) as tf.Tensor));
  const v = (await loss.data())[0];
  tf.dispose([x, y, loss]);
  return v;
}

const base: TrainOptions = {
  method: 'standard',
  epochs: 1,
  steps: 40,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: 0.02,
  schedule: { kind: 'constant' },
  seed: 7,
};

describe('schedules', () => {
  it('cyclic rises linearly to the peak and falls back to zero; cosine halves at mid-training', () => {
    const cyc = { kind: 'cyclic' as const, peakFraction: 0.5 };
    expect(learningRateAt(cyc, 1, 49.5, 100)).toBeCloseTo(1, 6);
    expect(learningRateAt(cyc, 1, 24.5, 100)).toBeCloseTo(0.5, 6);
    expect(learningRateAt(cyc, 1, 74.5, 100)).toBeCloseTo(0.5, 6);
    expect(learningRateAt({ kind: 'cosine' }, 2, 49.5, 100)).toBeCloseTo(1, 6);
    expect(learningRateAt({ kind: 'constant' }, 3, 10, 100)).toBe(3);
  });

  it('ε ramps linearly over the ramp fraction, then stays', () => {
    expect(epsilonAt(0.3, { rampFraction: 0.5 }, 49, 100)).toBeCloseTo(0.3, 9);
    expect(epsilonAt(0.3, { rampFraction: 0.5 }, 24, 100)).toBeCloseTo(0.15, 9);
    expect(epsilonAt(0.3, { rampFraction: 0.5, startFraction: 0.5 }, -1, 100)).toBeCloseTo(0.15, 9);
    expect(epsilonAt(0.3, { rampFraction: 0.5 }, 90, 100)).toBe(0.3);
    expect(epsilonAt(0.3, undefined, 0, 100)).toBe(0.3);
  });
});

describe('training loop', () => {
  it('lowers the loss of a toy MLP, reports progress, and leaks no tensors', async () => {
    const model = buildModel(mlp, 1);
    const before = await meanLoss(model);
    const progress: number[] = [];
    const tensorsBefore = tf.memory().numTensors;
    const result = await trainModel(model, toyData, { ...base, onProgress: (p) => progress.push(p.step) });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(result.steps).toBe(40);
    expect(progress).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await meanLoss(model)).toBeLessThan(0.6 * before);
    await trainModel(model, toyData, { ...base, optimizer: 'sgd', momentum: 0.9, learningRate: 0.05, schedule: { kind: 'cosine' } });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    model.dispose();
  });

  it('is reproducible from the seed', async () => {
    const run = async () => {
      const model = buildModel(mlp, 4);
      const r = await trainModel(model, toyData, { ...base, steps: 10 });
      const w = await model.getWeights()[0].data();
      model.dispose();
      return { losses: r.losses, w: Array.from(w) };
    };
    const a = await run();
    const b = await run();
    expect(a.losses).toEqual(b.losses);
    expect(a.w).toEqual(b.w);
  });

  it('keeps the weights of the best held-out score and stops after `patience` evaluations without improvement', async () => {
    const model = buildModel(mlp, 2);
    const scores = [0.5, 0.9, 0.4, 0.3, 0.2];
    let calls = 0;
    let snapshot: number[] = [];
    const result = await trainModel(model, toyData, {
      ...base,
      validation: {
        every: 5,
        patience: 2,
        evaluate: async (m) => {
          if (calls === 1) snapshot = Array.from(await m.getWeights()[0].data());
          return scores[calls++];
        },
      },
    });
    expect(result.stoppedEarly).toBe(true);
    expect(result.steps).toBe(20);
    expect(result.bestStep).toBe(10);
    expect(result.bestValidation).toBe(0.9);
    expect(Array.from(await model.getWeights()[0].data())).toEqual(snapshot);
    model.dispose();
  });

  it('trains a small CNN on image bytes for a few steps (conv filter gradient on wasm) and stops on abort', async () => {
    const count = 64;
    const labels = Uint8Array.from({ length: count }, (_, i) => i % 2);
    // Two classes separable by brightness of the left half.
    const images = new Uint8Array(count * 784);
    for (let n = 0; n < count; n++) for (let p = 0; p < 784; p++) images[n * 784 + p] = labels[n] && p % 28 < 14 ? 200 : (n * 7 + p) % 50;
    const data = imageExamples({ images, labels, count, rows: 28, cols: 28, channels: 1, numClasses: 2 });
    const cnn = buildModel(
      { kind: 'cnn', inputShape: [28, 28, 1], conv: [{ filters: 4, kernel: 4, stride: 2, pool: 0 }, { filters: 4, kernel: 3, stride: 1, pool: 2 }], dense: [8], numClasses: 2 },
      3,
    );
    const tensorsBefore = tf.memory().numTensors;
    const r = await trainModel(cnn, data, { ...base, steps: 12, batchSize: 16, learningRate: 0.01 });
    expect(r.losses[r.losses.length - 1]).toBeLessThan(r.losses[0]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const controller = new AbortController();
    const pending = trainModel(cnn, data, { ...base, steps: 50, batchSize: 16, signal: controller.signal, onProgress: (p) => p.step === 2 && controller.abort() });
    await expect(pending).rejects.toThrow(/cancelled/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    cnn.dispose();
  });

  it('adversarial methods (FGSM-RS, PGD, TRADES) train through the attack library without leaking tensors', async () => {
    for (const method of ['fgsm-rs', 'pgd', 'trades'] as const) {
      const model = buildModel(mlp, 6);
      const before = await meanLoss(model);
      const tensorsBefore = tf.memory().numTensors;
      const epsilons: number[] = [];
      const r = await trainModel(model, toyData, {
        ...base,
        method,
        steps: 20,
        epsilon: 0.1,
        epsilonRamp: { rampFraction: 0.5 },
        attackSteps: 3,
        bounds: [-2, 2],
        onProgress: (p) => epsilons.push(p.epsilon),
      });
      expect(tf.memory().numTensors, method).toBe(tensorsBefore);
      expect(r.losses.every(Number.isFinite), method).toBe(true);
      expect(epsilons[0]).toBeCloseTo(0.01, 9);
      expect(epsilons[19]).toBe(0.1);
      expect(await meanLoss(model), method).toBeLessThan(before);
      model.dispose();
    }
  });

  it('names the bad parameter', async () => {
    const model = buildModel(mlp, 1);
    await expect(trainModel(model, toyData, { ...base, batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(trainModel(model, toyData, { ...base, method: 'pgd' })).rejects.toThrow(/epsilon must be positive/);
    await expect(trainModel(model, toyData, { ...base, method: 'fgsm-rs', epsilon: 0.1, attackSteps: 0 })).rejects.toThrow(/attackSteps/);
    model.dispose();
  });
});
