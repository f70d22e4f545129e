import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { getAttack } from '../../../src/lib/attacks/registry';
import { tracedAttack, MAX_FRAMES } from '../../../src/lib/attacks/traced-run';
import { convModel, ownLabels, seededUniform } from './fixtures';

/** The Attack Lab's traced run, without the worker: one image, every step recorded. */
describe('tracedAttack', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('records one trace step per iteration, each with the iterate the model saw; results respect the budget', async () => {
    const model = convModel(3, 21);
    const x = seededUniform([1, 6, 6, 1], 22);
    const image = Float32Array.from(await x.data());
    const [label] = await ownLabels(model, x);
    x.dispose();
    const progress: [number, number][] = [];
    const eps = [0.05, 0.2];
    const t = await tracedAttack(getAttack('pgd'), model, image, label, { epsilons: eps, steps: 7, restarts: 1, randomStart: false, seed: 1 }, {
      onProgress: (done, _phase, total) => progress.push([done, total]),
    });
    // PGD-7 at two budgets: at most 14 steps (a broken example stops early), each with its own frame.
    const n = t.trace.length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(14);
    expect(new Set(t.trace.map((s) => s.epsilon))).toEqual(new Set(eps));
    for (const s of t.trace) expect(s.step).toBeLessThanOrEqual(7);
    expect(t.frameCount).toBe(n);
    expect(t.frames).toHaveLength(n * image.length);
    expect(t.trace.map((s) => s.frame)).toEqual(Array.from({ length: n }, (_, i) => i));
    // Every recorded iterate lies in the ε-ball of its step and in [0, 1].
    for (const s of t.trace) {
      const frame = t.frames.subarray(s.frame * image.length, (s.frame + 1) * image.length);
      for (let j = 0; j < image.length; j++) {
        expect(Math.abs(frame[j] - image[j])).toBeLessThanOrEqual(s.epsilon + 1e-6);
        expect(frame[j]).toBeGreaterThanOrEqual(0);
        expect(frame[j]).toBeLessThanOrEqual(1);
      }
    }
    expect(t.results.map((r) => r.epsilon)).toEqual(eps);
    for (const r of t.results) {
      let linf = 0;
      for (let j = 0; j < image.length; j++) {
        expect(r.delta[j]).toBeCloseTo(r.adversarial[j] - image[j], 6);
        linf = Math.max(linf, Math.abs(r.delta[j]));
      }
      expect(linf).toBeLessThanOrEqual(r.epsilon + 1e-6);
      expect(r.linf).toBeCloseTo(linf, 5);
      expect(r.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(t.clean.predicted).toBe(label);
    // The last report says done, with the count of steps actually run.
    expect(progress[progress.length - 1]).toEqual([n, n]);
  });

  it('leaks no tensors across runs, and keeps at most MAX_FRAMES frames', async () => {
    const model = convModel(3, 31);
    const x = seededUniform([1, 6, 6, 1], 32);
    const image = Float32Array.from(await x.data());
    x.dispose();
    const run = () => tracedAttack(getAttack('pgd'), model, image, 0, { epsilons: [0.1], steps: 5, restarts: 1, seed: 1 });
    await run();
    const before = tf.memory().numTensors;
    await run();
    await run();
    expect(tf.memory().numTensors).toBe(before);
    expect(MAX_FRAMES).toBeGreaterThan(1000);
  });

  it('stops when cancelled', async () => {
    const model = convModel(3, 41);
    const image = new Float32Array(36).fill(0.5);
    const controller = new AbortController();
    controller.abort();
    await expect(tracedAttack(getAttack('pgd'), model, image, 0, { epsilons: [0.1], steps: 50, restarts: 1 }, { signal: controller.signal })).rejects.toThrow(/cancelled/);
  });

  it("an ensemble's steps say which attack they belong to, in the order the attacks ran", async () => {
    const model = convModel(3, 21);
    const x = seededUniform([1, 6, 6, 1], 22);
    const image = Float32Array.from(await x.data());
    const [label] = await ownLabels(model, x);
    x.dispose();
    // A budget too small to fool the model, so every attack of the ensemble runs.
    const t = await tracedAttack(getAttack('ensemble'), model, image, label, { epsilons: [1e-4], attacks: ['fgsm', 'pgd'], steps: 3, seed: 1 });
    expect(t.results[0].success).toBe(false);
    const stages = t.trace.map((s) => s.stage);
    expect(stages.every((s) => s === 'fgsm' || s === 'pgd')).toBe(true);
    expect([...new Set(stages)]).toEqual(['fgsm', 'pgd']);
    // In order: every FGSM step before every PGD step; within each, steps count from that attack's own start.
    const firstPgd = stages.indexOf('pgd');
    expect(stages.slice(firstPgd).every((s) => s === 'pgd')).toBe(true);
    expect(Math.max(...t.trace.filter((s) => s.stage === 'fgsm').map((s) => s.step))).toBe(1);
    expect(Math.max(...t.trace.filter((s) => s.stage === 'pgd').map((s) => s.step))).toBe(3);
  });
});
