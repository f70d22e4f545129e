/**
 * The trade-off worker methods with a defense in front of the model: the ε-curves of mnist-cnn behind JPEG-75 with
 * the naive gradient stay high where BPDA's fall (the same masking the Defenses panel shows, now through the
 * trade-off API), the defense is listed with the hyperparameters, and a bad defense is refused with a message that
 * names the argument. Skipped while the zoo does not list mnist-cnn.
 */
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useServedApp, zooIds } from './serve-from-disk';
import { tradeoffApi } from '../../src/worker/tradeoff-api';
import type { GradientMode } from '../../src/lib/defenses/catalog';


describe.skipIf(!zooIds().includes('mnist-cnn'))('trade-off worker API with a defense (skipped until the zoo lists mnist-cnn)', () => {
  useServedApp();

  const curves = (gradient: GradientMode) =>
    tradeoffApi.robustnessCurves('curves-defended', {
      modelIds: ['mnist-cnn'],
      attacks: [{ id: 'pgd', options: { steps: 10, restarts: 1 } }],
      epsilons: [0.3],
      n: 30,
      defense: { id: 'jpeg', gradient },
    });

  it('JPEG-75 at ε = 0.3: the naive curve stays ≥ 50 points above the BPDA one; no tensors left behind', async () => {
    await curves('naive'); // loads the model and warms the kernels
    const before = tf.memory().numTensors;
    const naive = await curves('naive');
    const bpda = await curves('bpda');
    expect(tf.memory().numTensors).toBe(before);
    const at = (r: typeof naive, e: number) => r.points.find((p) => p.epsilon === e)!.robustAccuracy;
    console.log(`mnist-cnn + JPEG-75, PGD-10 at ε=0.3 on 30 images: naive ${at(naive, 0.3)}, BPDA ${at(bpda, 0.3)}`);
    expect(at(naive, 0)).toBeGreaterThan(0.9);
    expect(at(naive, 0.3) - at(bpda, 0.3)).toBeGreaterThanOrEqual(0.5);
    expect(naive.attacks[0].hyperparameters.defense).toBe('JPEG compression, quality 75, naive gradient');
  }, 300_000);

  it('refuses a bad defense with a message naming it', async () => {
    const base = { modelIds: ['mnist-cnn'], attacks: [{ id: 'fgsm' }], epsilons: [0.1], n: 10 };
    await expect(tradeoffApi.robustnessCurves('c', { ...base, defense: { id: 'smoothing', gradient: 'naive' } })).rejects.toThrow(/request\.defense\.id must be one of/);
    await expect(tradeoffApi.robustnessCurves('c', { ...base, defense: { id: 'jpeg', gradient: 'x' as GradientMode } })).rejects.toThrow(/request\.defense\.gradient/);
    await expect(tradeoffApi.robustnessReport('r', { modelId: 'mnist-cnn', epsilon: 0.1, n: 10, defense: { id: 'jpeg', value: 1, gradient: 'naive' } })).rejects.toThrow(
      /request\.defense\.value/,
    );
    // Without a defense, a model cannot be its own transfer source; behind one, the undefended model can.
    await expect(tradeoffApi.robustnessReport('r', { modelId: 'mnist-cnn', epsilon: 0.1, n: 10, surrogateModelId: 'mnist-cnn' })).rejects.toThrow(/must differ/);
  });
});
