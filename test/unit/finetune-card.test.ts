import { describe, it, expect } from 'vitest';
import { buildFinetuneCard, finetunedName, type CardInput } from '../../src/lib/train/finetune-card';
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
