import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as Comlink from 'comlink';
import { MessageChannel } from 'node:worker_threads';
import { api, type EngineApi } from '../../src/worker/api';
import { makeToySplit } from '../../src/lib/data/toy';
import { useServedApp, zooIds } from './serve-from-disk';
import { findModel, parseModelIndex } from '../../src/lib/models/registry';
import { readFileSync } from 'node:fs';

describe('boundaries worker API (toy playground) over a MessageChannel', () => {
  const channel = new MessageChannel();
  let remote: Comlink.Remote<EngineApi>;
  const config = { dataset: 'moons' as const, n: 100, noise: 0.1, seed: 4, classes: 2, layers: 2, width: 8, activation: 'tanh' as const };
  const attack = { attackId: 'pgd', norm: 'linf' as const, epsilon: 0.1, steps: 5 };

  beforeAll(async () => {
    Comlink.expose(api, channel.port1 as unknown as Comlink.Endpoint);
    remote = Comlink.wrap<EngineApi>(channel.port2 as unknown as Comlink.Endpoint);
    await remote.init('?backend=wasm');
  });
  afterAll(() => {
    remote[Comlink.releaseProxy]();
    channel.port1.close();
    channel.port2.close();
  });

  it('creates the seeded dataset the library makes, and a grid of the requested size', async () => {
    const setup = await remote.toyCreate(config);
    const truth = makeToySplit('moons', { n: 100, noise: 0.1, seed: 4, classes: 2 });
    expect(Array.from(setup.train.x)).toEqual(Array.from(truth.train.x));
    expect(Array.from(setup.test.y)).toEqual(Array.from(truth.test.y));
    expect(setup.description).toBe('2 → 8 tanh → 8 tanh → 2');
    const grid = await remote.toyGrid('g', { resolution: 30 });
    expect(grid.predicted.length).toBe(900);
    expect(grid.confidence.every((c) => c >= 0.5 - 1e-6 && c <= 1)).toBe(true);
    expect(setup.imbalance).toBe(1);
  });

  it('uneven classes: the library’s imbalanced split, and the imbalance reported back', async () => {
    const setup = await remote.toyCreate({ ...config, imbalance: 4 });
    const truth = makeToySplit('moons', { n: 100, noise: 0.1, seed: 4, classes: 2, imbalance: 4 });
    expect(Array.from(setup.train.y)).toEqual(Array.from(truth.train.y));
    expect(Array.from(setup.test.x)).toEqual(Array.from(truth.test.x));
    expect(setup.train.y.filter((c) => c === 1).length).toBe(20);
    expect(setup.imbalance).toBe(4);
    await expect(remote.toyCreate({ ...config, imbalance: 0.5 })).rejects.toThrow(/^Class imbalance must be a number from 1 to 20; got 0\.5\.$/);
  });

  it('trains in chunks, evaluates, attacks one point, snapshots and resets; no tensors leak', async () => {
    await remote.toyCreate(config);
    const first = await remote.toyTrain('t', { steps: 10, method: 'standard', epsilon: 0, learningRate: 0.03, batchSize: 20 });
    expect(first.step).toBe(10);
    const ev = await remote.toyEvaluate('e', { ...attack, split: 'test' });
    expect(ev.adversarial.length).toBe(2 * 50);
    expect(ev.robustAccuracy).toBeLessThanOrEqual(ev.testAccuracy + 1e-9);
    const point = await remote.toyAttackPoint('p', { ...attack, point: [0.1, 0.2], label: 1 });
    expect(Math.max(Math.abs(point.adversarial[0] - 0.1), Math.abs(point.adversarial[1] - 0.2))).toBeLessThanOrEqual(0.1 + 1e-5);
    expect(await remote.toySnapshot()).toBe(true);
    const before = (await remote.memory()).numTensors;
    for (let i = 0; i < 2; i++) {
      await remote.toyTrain('t', { steps: 5, method: 'pgd', epsilon: 0.1, learningRate: 0.03, batchSize: 20 });
      await remote.toyGrid('g', { resolution: 20, which: 'before' });
      await remote.toyEvaluate('e', { ...attack, split: 'train', which: 'before' });
      await remote.toyAttackPoint('p', { ...attack, point: [0, 0], label: 0 });
    }
    expect((await remote.memory()).numTensors).toBe(before);
    const reset = await remote.toyReset();
    expect(reset.step).toBe(0);
    await expect(remote.toyGrid('g', { resolution: 10, which: 'before' })).rejects.toThrow(/snapshot/);
  });

  it('rejects bad arguments with a message naming them', async () => {
    await expect(remote.toyCreate({ ...config, dataset: 'nope' as 'moons' })).rejects.toThrow(/^Dataset must be one of moons, .*; got “nope”\.$/);
    await expect(remote.toyCreate({ ...config, width: 0 })).rejects.toThrow(/^Layer width must be a whole number from 1 to 128; got 0\.$/);
    await remote.toyCreate(config);
    await expect(remote.toyTrain('t', { steps: 0, method: 'standard', epsilon: 0, learningRate: 0.01, batchSize: 10 })).rejects.toThrow(/^Steps must be a whole number from 1 to/);
    await expect(remote.toyTrain('t', { steps: 1, method: 'pgd', epsilon: 0, learningRate: 0.01, batchSize: 10 })).rejects.toThrow(/^ε must be a number from 0\.005 to 1; got 0\.$/);
    await expect(remote.toyEvaluate('e', { ...attack, norm: 'l2', split: 'test' })).rejects.toThrow(/l2/);
    await expect(remote.toyEvaluate('e', { ...attack, split: 'all' as 'test' })).rejects.toThrow(/^Split must be one of train, test; got “all”\.$/);
    await expect(remote.toyAttackPoint('p', { ...attack, point: [NaN, 0], label: 0 })).rejects.toThrow(/point/);
    await expect(remote.toyAttackPoint('p', { ...attack, point: [0, 0], label: 5 })).rejects.toThrow(/^Class must be a whole number from 0 to 1; got 5\.$/);
    await expect(remote.toyGrid('', { resolution: 10 })).rejects.toThrow(/jobId/);
  });

  it('a newer training chunk under the same job id cancels the older one', async () => {
    await remote.toyCreate(config);
    // Adversarial training: its attack loop yields to the event loop between steps, so the newer message gets in.
    const slow = remote.toyTrain('same', { steps: 400, method: 'pgd', epsilon: 0.1, learningRate: 0.01, batchSize: 10 });
    await new Promise((r) => setTimeout(r, 50));
    const fast = remote.toyTrain('same', { steps: 2, method: 'standard', epsilon: 0, learningRate: 0.01, batchSize: 10 });
    await expect(slow).rejects.toThrow(/cancelled/);
    const r = await fast;
    expect(r.step).toBeLessThan(400);
  });
});

describe('a shipped toy model in the playground', () => {
  useServedApp();
  const id = 'toy-xor-mlp';
  it.runIf(zooIds().includes(id))('comes with the data it was trained on, uneven classes included', async () => {
    const t = findModel(parseModelIndex(JSON.parse(readFileSync('models/index.json', 'utf8'))), id).toy!;
    const setup = await api.toyLoadShipped(id);
    const truth = makeToySplit('xor', { n: t.n, nTest: t.nTest, noise: t.noise, seed: t.seed, classes: t.classes, gap: t.gap, imbalance: t.imbalance });
    expect(Array.from(setup.train.x)).toEqual(Array.from(truth.train.x));
    expect(Array.from(setup.test.y)).toEqual(Array.from(truth.test.y));
    expect(setup.imbalance).toBe(t.imbalance ?? 1);
  });
});
