import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { ToyPlayground, inferMlpArchitecture } from '../../src/lib/boundary/toy-playground';
import { getAttack } from '../../src/lib/attacks/registry';
import { buildMlp } from '../../src/lib/models/mlp';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

const DATA = { dataset: 'moons' as const, n: 120, noise: 0.1, seed: 3, classes: 2 };
const ARCH = { layers: 2, width: 12, activation: 'relu' as const };

describe('toy playground', () => {
  it('trains reproducibly: the same seeds give the same losses, and training fits the data', async () => {
    const a = ToyPlayground.create(DATA, ARCH, 5);
    const b = ToyPlayground.create(DATA, ARCH, 5);
    const settings = { method: 'standard' as const, epsilon: 0.1, learningRate: 0.03, batchSize: 30 };
    const before = await a.accuracy('train');
    const lossA = await a.trainSteps(20, settings);
    const lossB = await b.trainSteps(20, settings);
    expect(lossB).toBeCloseTo(lossA, 6);
    for (let i = 0; i < 6; i++) await a.trainSteps(20, settings);
    expect(a.step).toBe(140);
    expect(await a.accuracy('train')).toBeGreaterThan(Math.max(before, 0.9));
    a.dispose();
    b.dispose();
  });

  it('adversarial points stay in the ε-ball, and success means a changed prediction', async () => {
    const pg = ToyPlayground.create(DATA, ARCH, 1);
    for (let i = 0; i < 5; i++) await pg.trainSteps(20, { method: 'standard', epsilon: 0.1, learningRate: 0.03, batchSize: 30 });
    for (const [id, norm] of [['pgd', 'linf'], ['pgd-l2', 'l2']] as const) {
      const eps = 0.15;
      const r = await pg.splitAdversarials('test', { attack: getAttack(id), norm, epsilon: eps, steps: 10, seed: 1 });
      const set = pg.test;
      let broken = 0;
      for (let i = 0; i < set.n; i++) {
        const dx = r.adversarial[2 * i] - set.x[2 * i];
        const dy = r.adversarial[2 * i + 1] - set.x[2 * i + 1];
        const size = norm === 'linf' ? Math.max(Math.abs(dx), Math.abs(dy)) : Math.hypot(dx, dy);
        expect(size).toBeLessThanOrEqual(eps + 1e-5);
        expect(r.success[i]).toBe(r.predicted[i] !== set.y[i] ? 1 : 0);
        broken += r.success[i];
      }
      expect(r.robustAccuracy).toBeCloseTo(1 - broken / set.n, 10);
      // Robust accuracy never exceeds clean accuracy.
      expect(r.robustAccuracy).toBeLessThanOrEqual((await pg.accuracy('test')) + 1e-9);
    }
    pg.dispose();
  });

  it('the before snapshot stays frozen while training goes on; reset restores the initial model', async () => {
    const pg = ToyPlayground.create(DATA, ARCH, 2);
    const initial = await pg.grid(20);
    await pg.trainSteps(30, { method: 'standard', epsilon: 0.1, learningRate: 0.03, batchSize: 30 });
    pg.snapshot();
    const frozen = await pg.grid(20, 'before');
    await pg.trainSteps(30, { method: 'pgd', epsilon: 0.1, learningRate: 0.03, batchSize: 30, attack: getAttack('pgd') });
    expect((await pg.grid(20, 'before')).probs).toEqual(frozen.probs);
    expect((await pg.grid(20)).probs).not.toEqual(frozen.probs);
    pg.reset();
    expect(pg.hasSnapshot()).toBe(false);
    expect(pg.step).toBe(0);
    expect((await pg.grid(20)).probs).toEqual(initial.probs);
    pg.dispose();
  });

  it('leaks no tensors across training chunks, grids and attacks', async () => {
    const pg = ToyPlayground.create(DATA, ARCH, 4);
    const work = async () => {
      await pg.trainSteps(5, { method: 'fgsm-rs', epsilon: 0.1, learningRate: 0.03, batchSize: 30, attack: getAttack('pgd') });
      await pg.grid(25);
      await pg.splitAdversarials('train', { attack: getAttack('fgsm'), norm: 'linf', epsilon: 0.1, steps: 1, seed: 2 });
      await pg.accuracy('test');
    };
    await work();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await work();
    expect(tf.memory().numTensors).toBe(before);
    pg.dispose();
  });

  it('reads the architecture of a dense model back, and rejects bad input by name', () => {
    const model = buildMlp({ layers: 3, width: 7, activation: 'tanh', inputSize: 2, numClasses: 2 }, 1);
    expect(inferMlpArchitecture(model)).toEqual({ layers: 3, width: 7, activation: 'tanh' });
    const pg = ToyPlayground.withModel(DATA, model);
    expect(pg.architecture.width).toBe(7);
    pg.dispose();
    expect(() => ToyPlayground.create({ ...DATA, classes: 3 }, ARCH, 1)).toThrow(/classes/);
    expect(() => ToyPlayground.create(DATA, { ...ARCH, width: 0 }, 1)).toThrow(/width/);
  });
});
