/**
 * The Defenses panel's worker methods in Node, with app files served from the repository: naive vs adaptive curves
 * on the same images (the adaptive attack never reports more robustness on JPEG), certified vs empirical accuracy of
 * the smoothed classifier (certified is a lower bound: never above the empirical curve), argument errors naming the
 * parameter, and no tensors left behind. Skipped while the zoo does not list mnist-cnn.
 */
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useServedApp, zooIds } from './serve-from-disk';
import { getModel } from '../../src/worker/models';
import { defensesApi } from '../../src/worker/defenses-api';
import { DEFENSES, describeGap } from '../../src/lib/defenses/catalog';

const ZOO = zooIds();

describe('defense catalog', () => {
  it('names every defense once, with a setting range that holds its default, and words the gap by its size', () => {
    expect(new Set(DEFENSES.map((d) => d.id)).size).toBe(DEFENSES.length);
    for (const d of DEFENSES) if (d.setting) expect(d.setting.default).toBeGreaterThanOrEqual(d.setting.min);
    expect(describeGap(1, 0, 0.3)).toMatch(/100 points more.*gradient masking/);
    expect(describeGap(0.82, 0.8, 0.3)).toMatch(/holds under the adaptive attack.*stronger adaptive attack may exist/);
    expect(describeGap(0.02, 0, 0.3)).toMatch(/agree/);
  });
});

describe.skipIf(!ZOO.includes('mnist-cnn'))('defenses worker API (skipped until the zoo lists mnist-cnn)', () => {
  useServedApp();

  it('JPEG: naive and BPDA curves on the same images; BPDA never reports more; no tensors left behind', async () => {
    await getModel('mnist-cnn');
    const before = tf.memory().numTensors;
    const r = await defensesApi.defenseCurves('d1', { modelId: 'mnist-cnn', defense: 'jpeg', value: 75, epsilons: [0.3, 0.15], n: 12, steps: 10 });
    expect(r.epsilons).toEqual([0, 0.15, 0.3]);
    expect(r.naive).toHaveLength(3);
    expect(r.naive[0]).toBe(r.cleanAccuracy);
    expect(r.adaptive[2]).toBeLessThanOrEqual(r.naive[2]);
    expect(r.naive[2] - r.adaptive[2]).toBeGreaterThanOrEqual(0.5);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('smoothing: certified accuracy never exceeds the empirical accuracy under attack; settings are reported', async () => {
    const before = tf.memory().numTensors;
    const r = await defensesApi.smoothingCurves('s1', { modelId: 'mnist-cnn', sigma: 0.25, radii: [0.25, 0.5], n: 4, draws: 200, n0: 20, steps: 3, samples: 2, predictDraws: 50 });
    expect(r.radii).toEqual([0, 0.25, 0.5]);
    r.certified.forEach((c, k) => expect(c).toBeLessThanOrEqual(r.empirical[k]));
    expect(r.settings).toMatchObject({ sigma: 0.25, draws: 200, n0: 20, alpha: 0.001 });
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('refuses bad arguments with messages that name them', async () => {
    await expect(defensesApi.defenseCurves('d2', { modelId: 'mnist-cnn', defense: 'magic', epsilons: [0.1], n: 2 })).rejects.toThrow(/^The defense must be one of .*; got “magic”\.$/);
    await expect(defensesApi.defenseCurves('d2', { modelId: 'mnist-cnn', defense: 'jpeg', value: 0, epsilons: [0.1], n: 2 })).rejects.toThrow(/^Quality must be a whole number from 5 to 95; got 0\.$/);
    await expect(defensesApi.defenseCurves('d2', { modelId: 'mnist-cnn', defense: 'jpeg', epsilons: [2], n: 2 })).rejects.toThrow(/^Largest ε \(L∞\) must be a number from 0\.01 to 1; got 2\.$/);
    await expect(defensesApi.smoothingCurves('s2', { modelId: 'mnist-cnn', sigma: 0, radii: [0.5], n: 2 })).rejects.toThrow(/^σ \(noise level\) must be a number from 0\.05 to 2; got 0\.$/);
    await expect(defensesApi.defenseCurves('d2', { modelId: 'toy-moons-mlp', defense: 'jpeg', epsilons: [0.1], n: 2 })).rejects.toThrow(/toy model/);
  });
});
