import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { getAttack } from '../../src/lib/attacks/registry';
import { arrayExamples } from '../../src/lib/data/examples';
import { makeToyDataset } from '../../src/lib/data/toy';
import { wilsonInterval } from '../../src/lib/eval/interval';
import { robustAccuracy, type BatchCache, type BatchOutcome } from '../../src/lib/eval/robust-accuracy';
import { buildModel } from '../../src/lib/models/architectures';
import { layersModelAsAttackModel } from '../../src/lib/attacks/model-adapter';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('Wilson interval', () => {
  it('matches published values and stays inside [0, 1]', () => {
    // Agresti & Coull / Newcombe 1998 tables (z = 1.96): 0/10 → [0, 0.2775]; 5/10 → [0.2366, 0.7634]; 81/263 → [0.2553, 0.3662].
    const near = (a: [number, number], b: [number, number]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 4));
    near(wilsonInterval(0, 10), [0, 0.2775]);
    near(wilsonInterval(5, 10), [0.2366, 0.7634]);
    near(wilsonInterval(81, 263), [0.2553, 0.3662]);
    near(wilsonInterval(10, 10), [0.7225, 1]);
    expect(() => wilsonInterval(3, 2)).toThrow(/k must be/);
  });
});

describe('per-batch evaluation cache', () => {
  it('a run killed after some batches resumes from the cache and gives the figures of an uninterrupted run', async () => {
    const toy = makeToyDataset('spiral', { n: 120, noise: 0.02, seed: 1, classes: 3 });
    const data = arrayExamples(toy.x, toy.y, [2], toy.numClasses);
    const net = buildModel({ kind: 'mlp', inputSize: 2, hidden: [16], activation: 'relu', numClasses: 3 }, 2);
    const model = layersModelAsAttackModel(net, [-2, 2]);
    const opts = { epsilons: [0.05, 0.2], steps: 5, queryBudget: 20, seed: 3, batchSize: 40, n: 120 };
    const straight = await robustAccuracy(model, data, getAttack('autoattack'), opts);
    expect(straight.stages!.map((s) => s.attack)).toEqual(['apgd-ce', 'apgd-t', 'square']);
    expect(straight.points[0].ci95).toEqual(wilsonInterval(Math.round(straight.points[0].robust_accuracy * 120), 120).map((v) => Math.round(v * 1e4) / 1e4));

    const store = new Map<string, BatchOutcome>();
    const controller = new AbortController();
    const cache: BatchCache = {
      get: (s, e) => store.get(`${s}-${e}`),
      put: (s, e, o) => {
        store.set(`${s}-${e}`, o);
        if (store.size === 2) controller.abort();
      },
    };
    await expect(robustAccuracy(model, data, getAttack('autoattack'), { ...opts, cache, signal: controller.signal })).rejects.toThrow();
    expect(store.size).toBe(2);
    const resumed = await robustAccuracy(model, data, getAttack('autoattack'), { ...opts, cache });
    expect(resumed.cachedBatches).toBe(2);
    expect(resumed.points).toEqual(straight.points);
    expect(resumed.stages).toEqual(straight.stages);
    expect(resumed.clean_accuracy).toBe(straight.clean_accuracy);
    net.dispose();
    tf.disposeVariables();
  });

  it('shards computed apart (as parallel processes would) add up to the figures of one run', async () => {
    const toy = makeToyDataset('moons', { n: 100, noise: 0.1, seed: 2 });
    const data = arrayExamples(toy.x, toy.y, [2], toy.numClasses);
    const net = buildModel({ kind: 'mlp', inputSize: 2, hidden: [8], activation: 'relu', numClasses: 2 }, 5);
    const model = layersModelAsAttackModel(net, [-2, 2]);
    const opts = { epsilons: [0, 0.1, 0.3], steps: 5, seed: 1, batchSize: 30, n: 100 };
    const whole = await robustAccuracy(model, data, getAttack('pgd'), opts);
    const store = new Map<string, BatchOutcome>();
    const cache: BatchCache = { get: (s, e) => store.get(`${s}-${e}`), put: (s, e, o) => void store.set(`${s}-${e}`, o) };
    // Batches 0, 2 (examples 0–29, 60–89) and 1, 3 (30–59, 90–99).
    const first = await robustAccuracy(model, data, getAttack('pgd'), { ...opts, cache, shard: { index: 0, count: 2 } });
    const second = await robustAccuracy(model, data, getAttack('pgd'), { ...opts, cache, shard: { index: 1, count: 2 } });
    expect(first.n).toBe(60);
    expect(second.n).toBe(40);
    expect([...store.keys()].sort()).toEqual(['0-30', '30-60', '60-90', '90-100']);
    const combined = await robustAccuracy(model, data, getAttack('pgd'), { ...opts, cache });
    expect(combined.cachedBatches).toBe(4);
    expect(combined.points).toEqual(whole.points);
    expect(combined.clean_accuracy).toBe(whole.clean_accuracy);
    await expect(robustAccuracy(model, data, getAttack('pgd'), { ...opts, shard: { index: 2, count: 2 } })).rejects.toThrow(/shard/);
    await expect(robustAccuracy(model, data, getAttack('pgd'), { ...opts, shard: { index: 0, count: 9 }, n: 30 })).resolves.toHaveProperty('n', 30);
    await expect(robustAccuracy(model, data, getAttack('pgd'), { ...opts, shard: { index: 1, count: 9 }, n: 30 })).rejects.toThrow(/holds none/);
    net.dispose();
    tf.disposeVariables();
  });
});
