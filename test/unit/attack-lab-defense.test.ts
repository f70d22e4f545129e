/**
 * A defended model attacked in the Attack Lab's worker method: behind JPEG, PGD with the naive gradient leaves the
 * deployed defense's prediction unchanged on every image, BPDA fools it on most; the reported prediction and success
 * are the deployed defense's; bad defense arguments are refused by name. Skipped while the zoo does not list mnist-cnn.
 */
import { describe, it, expect } from 'vitest';
import { useServedApp, zooIds } from './serve-from-disk';
import { attackLabApi } from '../../src/worker/attack-lab-api';

describe.skipIf(!zooIds().includes('mnist-cnn'))('Attack Lab on a defended model (skipped until the zoo lists mnist-cnn)', () => {
  useServedApp();

  it('JPEG: naive PGD never fools the deployed defense, BPDA fools most images', async () => {
    const page = await attackLabApi.getTestImages('mnist', { count: 6 });
    let naiveFooled = 0;
    let bpdaFooled = 0;
    for (let i = 0; i < 6; i++) {
      const image = Float32Array.from(page.pixels.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
      const base = { modelId: 'mnist-cnn', attackId: 'pgd', options: { epsilons: [0.3], steps: 20 }, image, label: page.labels[i] };
      const naive = await attackLabApi.runAttack('lab-def', { ...base, defense: { id: 'jpeg', value: 75, gradient: 'naive' } });
      const bpda = await attackLabApi.runAttack('lab-def', { ...base, defense: { id: 'jpeg', value: 75, gradient: 'bpda' } });
      for (const r of [naive, bpda]) {
        const p = r.results[0].probabilities;
        expect(r.results[0].predicted).toBe(p.indexOf(Math.max(...p)));
        expect(r.results[0].success).toBe(r.results[0].predicted !== page.labels[i]);
        expect(r.results[0].linf).toBeLessThanOrEqual(0.3 + 1e-6);
      }
      if (naive.results[0].success) naiveFooled++;
      if (bpda.results[0].success) bpdaFooled++;
    }
    expect(naiveFooled).toBe(0);
    expect(bpdaFooled).toBeGreaterThanOrEqual(4);
  }, 180_000);

  it('refuses an unknown defense or gradient mode by name', async () => {
    const page = await attackLabApi.getTestImages('mnist', { count: 1 });
    const base = { modelId: 'mnist-cnn', attackId: 'fgsm', options: { epsilons: [0.1] }, image: Float32Array.from(page.pixels, (v) => v / 255), label: page.labels[0] };
    await expect(attackLabApi.runAttack('lab-def', { ...base, defense: { id: 'magic' } })).rejects.toThrow(/^The defense must be one of .*; got “magic”\.$/);
    await expect(attackLabApi.runAttack('lab-def', { ...base, defense: { id: 'jpeg', gradient: 'guess' as never } })).rejects.toThrow(/defense.gradient/);
    await expect(attackLabApi.runAttack('lab-def', { ...base, defense: { id: 'distillation' } })).rejects.toThrow(/not an input transform/);
  });
});
