import { describe, it, expect } from 'vitest';
import { buildFinetuneCard, checkFinetuneCard, finetunedName, type CardInput } from '../../src/lib/train/finetune-card';
import { isDamaged, memoryModelStore } from '../../src/lib/models/storage';
import type { ModelEntry } from '../../src/lib/models/registry';

const base = {
  id: 'mnist-cnn',
  name: 'MNIST CNN',
  kind: 'image',
  dataset: 'mnist',
  robust: false,
  epsilon: null,
  bounds: [0, 1],
  inputShape: [28, 28, 1],
  description: 'a small CNN',
  card: 'models/mnist-cnn/card.json',
  files: { model: 'model.json', weights: ['w.bin'] },
} as unknown as ModelEntry;

const point = (step: number, robust: number) => ({ step, clean: 0.98, robust, fgsm: robust + 0.1 });

function input(over: Partial<CardInput> = {}): CardInput {
  return {
    id: 'mnist-cnn-ft-abc',
    createdAt: '2026-01-01T00:00:00.000Z',
    status: 'finished',
    base,
    recipe: { method: 'pgd', epsilon: 0.125, epsilonRamp: 0, attackSteps: 5, relativeStepSize: 0.5, tradesBeta: 6, optimizer: 'adam', learningRate: 1e-3, schedule: 'constant', batchSize: 64, steps: 100, adversarialShare: 1, seed: 1 },
    heldOut: { n: 200, every: 20, pgdSteps: 10, restarts: 1 },
    pgdRelativeStepSize: 0.25,
    evaluations: [point(0, 0.1), point(20, 0.4), point(40, 0.5)],
    stepsRun: 40,
    weightsFromStep: 40,
    after: point(40, 0.5),
    trainSeconds: 12,
    imagesPerSecond: 800,
    warnings: { catastrophic: null, robustOverfitting: null },
    backend: 'wasm',
    tfjs: '4.22.0',
    ...over,
  } as CardInput;
}

describe('the fine-tuned model card', () => {
  it('names the model and its new index entry after the base, the method and ε; figures come from the evaluations', () => {
    const card = buildFinetuneCard(input());
    expect(card.name).toBe('MNIST CNN · PGD-AT ε 0.125');
    expect(finetunedName(base, input().recipe)).toBe(card.name);
    expect(card.entry).toMatchObject({ id: 'mnist-cnn-ft-abc', name: card.name, robust: true, epsilon: 0.125, kind: 'image', dataset: 'mnist', card: 'browser:mnist-cnn-ft-abc' });
    expect(card.entry.files).toEqual({ model: 'model.json', weights: ['weights.bin'] });
    expect(card.entry.description).toContain('PGD-AT at ε = 0.125 for 40 steps');
    expect(card.base).toEqual({ id: 'mnist-cnn', name: 'MNIST CNN' });
    // The held-out check: PGD's absolute step is the relative step times ε.
    expect(card.heldOut.pgdStepSize).toBeCloseTo(0.25 * 0.125, 12);
    expect(card.heldOut.source).toBe('the first 200 test images of mnist');
    expect(card.figures.before).toEqual(point(0, 0.1));
    expect(card.figures.after).toEqual(point(40, 0.5));
    expect(card.evaluations).toHaveLength(3);
  });

  it('copies the evaluations (a later one does not change a saved card) and says "test points" for toy models', () => {
    const evaluations = [point(0, 0.2)];
    const card = buildFinetuneCard(input({ evaluations, base: { ...base, kind: 'toy', dataset: 'spiral' } as ModelEntry }));
    evaluations.push(point(20, 0.3));
    expect(card.evaluations).toHaveLength(1);
    expect(card.heldOut.source).toBe('the first 200 test points of spiral');
  });
});

describe('a fine-tuned card read back from storage', () => {
  it('passes when the app made it, and each damage is named', () => {
    const card = buildFinetuneCard(input());
    expect(() => checkFinetuneCard(structuredClone(card))).not.toThrow();
    const broken: [string, (c: Record<string, unknown>) => void, RegExp][] = [
      ['no name', (c) => delete c.name, /no name/],
      ['an unknown status', (c) => (c.status = 'weird'), /status/],
      ['no base', (c) => (c.base = null), /which model/],
      ['an entry of another id', (c) => ((c.entry as Record<string, unknown>).id = 'other'), /model description/],
      ['no figures', (c) => delete c.figures, /figures/],
      ['NaN figures', (c) => ((c.figures as Record<string, unknown>).stepsRun = Number.NaN), /figures/],
      ['an accuracy above 1', (c) => (((c.figures as Record<string, Record<string, number>>).after).robust = 7), /figures/],
      ['no evaluations', (c) => (c.evaluations = 'x'), /evaluations/],
    ];
    for (const [what, damage, message] of broken) {
      const c = structuredClone(card) as unknown as Record<string, unknown>;
      damage(c);
      expect(() => checkFinetuneCard(c), what).toThrow(message);
    }
    for (const v of [null, 3, 'card', []]) expect(() => checkFinetuneCard(v)).toThrow();
  });

  it('a damaged one is listed apart and hides no other model', async () => {
    // The weights check is not what this is about: any artifacts pass.
    const store = memoryModelStore(checkFinetuneCard, () => undefined);
    const artifacts = { modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(0) };
    const good = buildFinetuneCard(input());
    await store.save({ id: good.id, card: good, artifacts, savedAt: '2026-01-01T00:00:00Z' });
    await store.save({ id: 'bad', card: { ...good, id: 'bad', entry: { ...good.entry, id: 'bad' }, figures: undefined } as never, artifacts, savedAt: '2026-01-02T00:00:00Z' });
    expect((await store.list()).map((r) => r.id)).toEqual([good.id]);
    const damaged = (await store.listAll()).filter(isDamaged);
    expect(damaged.map((r) => r.id)).toEqual(['bad']);
    expect(damaged[0].reason).toMatch(/card is damaged: its measured figures are missing/);
    expect(await store.remove('bad')).toBe(true);
    expect((await store.listAll()).map((r) => r.id)).toEqual([good.id]);
  });
});
