import { describe, it, expect } from 'vitest';
import { useServedApp } from './serve-from-disk';
import * as tf from '@tensorflow/tfjs';
import { finetuneApi, setFinetuneStore, syncSavedModels, type FinetuneCard, type FinetuneEvent, type FinetuneRequest } from '../../src/worker/finetune-api';
import { memoryModelStore, modelToArtifacts, type ModelStore } from '../../src/lib/models/storage';
import { cancelJob } from '../../src/worker/jobs';
import { getModel, listModels, registerModel, unregisterModel } from '../../src/worker/models';
import { buildModel } from '../../src/lib/models/architectures';
import { isCancelled } from '../../src/lib/util/cancel';


const REQUEST: FinetuneRequest = {
  baseModelId: 'mnist-cnn',
  recipe: {
    method: 'fgsm-rs',
    epsilon: 0.1,
    epsilonRamp: 0,
    attackSteps: 2,
    relativeStepSize: 1.25,
    tradesBeta: 6,
    optimizer: 'adam',
    learningRate: 1e-3,
    schedule: 'constant',
    batchSize: 16,
    steps: 6,
    adversarialShare: 1,
    seed: 1,
  },
  heldOut: { n: 20, every: 3, pgdSteps: 2, restarts: 1 },
  earlyStop: false,
};

async function predictions(model: tf.LayersModel): Promise<Float32Array> {
  const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 3);
  const y = model.predict(x) as tf.Tensor;
  const v = (await y.data()) as Float32Array;
  x.dispose();
  y.dispose();
  return v;
}

describe('fine-tuning worker API', () => {
  useServedApp();

  it('fine-tunes a copy, registers and keeps it, exports it, measures its ε-curve and deletes it without leaks', async () => {
    const base = await getModel('mnist-cnn');
    const baseBefore = await predictions(base.model!);
    const tensorsBefore = tf.memory().numTensors;
    const events: FinetuneEvent[] = [];
    const card = await finetuneApi.finetuneStart('api-1', REQUEST, (e) => events.push(e));

    expect(events.filter((e) => e.kind === 'step').map((e) => (e.kind === 'step' ? e.progress.step : 0))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.filter((e) => e.kind === 'evaluation').map((e) => (e.kind === 'evaluation' ? e.evaluation.step : -1))).toEqual([0, 3, 6]);
    expect(card.id).toMatch(/^mnist-cnn-ft-/);
    expect(card.status).toBe('finished');
    expect(card.figures.before.step).toBe(0);
    expect(card.figures.stepsRun).toBe(6);
    expect(card.recipe).toEqual(REQUEST.recipe);
    // The shipped model is untouched.
    expect(Array.from(await predictions(base.model!))).toEqual(Array.from(baseBefore));

    // It is listed with the shipped models and loadable by id.
    expect((await listModels()).find((m) => m.id === card.id)?.source).toBe('registered');
    expect((await getModel(card.id)).entry.robust).toBe(true);
    expect((await finetuneApi.finetuneSaved()).map((m) => m.id)).toEqual([card.id]);

    const files = await finetuneApi.finetuneExport(card.id);
    expect(JSON.parse(files.modelJson).weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(JSON.parse(files.cardJson).id).toBe(card.id);
    expect(files.weights.byteLength).toBeGreaterThan(0);

    const curve = await finetuneApi.finetuneCurve('api-curve', card.id, { epsilons: [0, 0.1], steps: 2 });
    expect(curve.before).toHaveLength(2);
    // ε = 0 is clean accuracy, which matches the held-out check before training (same images).
    expect(curve.before[0]).toBeCloseTo(card.figures.before.clean, 6);
    expect(curve.after[1]).toBeLessThanOrEqual(curve.after[0]);
    expect((await finetuneApi.finetuneSaved())[0].card.curve?.epsilons).toEqual([0, 0.1]);

    expect(await finetuneApi.finetuneDelete(card.id)).toBe(true);
    expect(await finetuneApi.finetuneDelete(card.id)).toBe(false);
    await expect(getModel(card.id)).rejects.toThrow(/Unknown model id/);
    expect(await finetuneApi.finetuneSaved()).toEqual([]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('pauses (registering a snapshot), resumes, and cancels while paused', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const events: string[] = [];
    let snapshotId = '';
    const run = finetuneApi.finetuneStart('api-2', { ...REQUEST, recipe: { ...REQUEST.recipe, steps: 12 } }, (e) => {
      if (e.kind === 'step' && e.progress.step === 2 && !snapshotId) expect(finetuneApi.finetunePause('api-2')).toBe(true);
      if (e.kind === 'paused') {
        events.push(`paused@${e.step}`);
        snapshotId = e.card.id;
        expect(e.card.status).toBe('paused');
        // Resume once; the next pause is cancelled instead.
        if (events.length === 1) {
          setTimeout(() => finetuneApi.finetuneResume('api-2'), 20);
        } else {
          setTimeout(() => cancelJob('api-2'), 20);
        }
      }
      if (e.kind === 'step' && e.progress.step === 5) finetuneApi.finetunePause('api-2');
    });
    const err = await run.catch((e: unknown) => e);
    expect(isCancelled(err)).toBe(true);
    expect(events).toEqual(['paused@2', 'paused@5']);
    // The snapshot stays listed and saved after the cancel.
    expect((await listModels()).some((m) => m.id === snapshotId)).toBe(true);
    expect((await finetuneApi.finetuneSaved()).map((m) => m.card.status)).toEqual(['paused']);
    expect(finetuneApi.finetunePause('api-2')).toBe(false);
    await finetuneApi.finetuneDelete(snapshotId);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('fine-tunes a toy MLP the same way (its data regenerated from the entry; a small test set caps the held-out batch)', async () => {
    const mlp = buildModel({ kind: 'mlp', inputSize: 2, hidden: [16], activation: 'relu', numClasses: 2 }, 5);
    registerModel('toy-test', {
      entry: {
        id: 'toy-test',
        name: 'Toy moons MLP',
        dataset: 'moons',
        kind: 'toy',
        inputShape: [2],
        classNames: ['a', 'b'],
        bounds: [-2, 2],
        description: 'test',
        robust: false,
        epsilon: null,
        card: 'none',
        files: { model: 'none', weights: ['none'] },
        toy: { dataset: 'moons', classes: 2, noise: 0.1, seed: 1, n: 400, nTest: 100 },
      },
      model: mlp,
    });
    const card = await finetuneApi.finetuneStart('api-toy', { ...REQUEST, baseModelId: 'toy-test', heldOut: { ...REQUEST.heldOut, n: 200 } });
    expect(card.heldOut.n).toBe(100);
    expect(card.entry.kind).toBe('toy');
    expect(card.entry.toy?.dataset).toBe('moons');
    expect(card.evaluations.map((e) => e.step)).toEqual([0, 3, 6]);
    await finetuneApi.finetuneDelete(card.id);
    unregisterModel('toy-test');
  });

  it('when the browser refuses to store the model, it is still listed, exportable and deletable, and the card says so', async () => {
    const refusing: ModelStore<FinetuneCard> = {
      ...memoryModelStore<FinetuneCard>(),
      save: async () => {
        throw new Error('QuotaExceededError');
      },
    };
    setFinetuneStore(refusing);
    try {
      const card = await finetuneApi.finetuneStart('api-quota', REQUEST);
      expect(card.notSaved).toMatch(/Quota/);
      expect((await listModels()).some((m) => m.id === card.id)).toBe(true);
      expect((await finetuneApi.finetuneSaved()).map((m) => m.id)).toEqual([card.id]);
      expect(JSON.parse((await finetuneApi.finetuneExport(card.id)).cardJson).notSaved).toMatch(/Quota/);
      expect(await finetuneApi.finetuneDelete(card.id)).toBe(true);
      expect(await finetuneApi.finetuneSaved()).toEqual([]);
    } finally {
      setFinetuneStore(memoryModelStore<FinetuneCard>());
    }
  });

  it('two fine-tunings with the same recipe get names of their own', async () => {
    const a = await finetuneApi.finetuneStart('api-twin-1', REQUEST);
    const b = await finetuneApi.finetuneStart('api-twin-2', REQUEST);
    expect(a.name).not.toBe(b.name);
    expect(b.name).toBe(`${a.name} (2)`);
    expect(b.entry.name).toBe(b.name);
    const listed = (await listModels()).map((m) => m.name);
    expect(new Set(listed).size).toBe(listed.length);
    expect(await finetuneApi.finetuneDelete(a.id)).toBe(true);
    expect(await finetuneApi.finetuneDelete(b.id)).toBe(true);
  });

  it('a model saved or deleted by the other worker (the storage is shared) joins or leaves this worker’s list', async () => {
    // The engine runs in two workers; fine-tuning happens in the background one. Here the "other worker" is
    // played by writing to the shared store directly, as that worker's finetuneStart and finetuneDelete do.
    const shared = memoryModelStore<FinetuneCard>();
    try {
      const base = await getModel('mnist-cnn');
      const made = await finetuneApi.finetuneStart('api-sync', REQUEST);
      const artifacts = await modelToArtifacts((await getModel(made.id)).model!);
      // From here on this worker has never seen the model: an empty shared store, the model unregistered.
      setFinetuneStore(shared);
      unregisterModel(made.id);
      expect((await listModels()).some((m) => m.id === made.id)).toBe(false);
      const tensors = tf.memory().numTensors;

      const paused = { ...made, status: 'paused' as const, figures: { ...made.figures, stepsRun: 3, weightsFromStep: 3 } };
      await shared.save({ id: made.id, card: paused, artifacts, savedAt: made.createdAt });
      // Listed without a reload, and usable by id.
      expect((await listModels()).find((m) => m.id === made.id)?.source).toBe('registered');
      const first = await getModel(made.id);
      expect(Array.from(await predictions(first.model!))).toEqual(Array.from(await predictions((await getModel(made.id)).model!)));
      // Listing again loads nothing new (the version is the same).
      const loaded = tf.memory().numTensors;
      await syncSavedModels();
      expect(tf.memory().numTensors).toBe(loaded);

      // The finished model replaces the paused snapshot under the same id.
      await shared.save({ id: made.id, card: made, artifacts, savedAt: made.createdAt });
      await syncSavedModels();
      expect((await getModel(made.id)).model).not.toBe(first.model);
      expect(tf.memory().numTensors).toBe(loaded);

      // Deleted there: gone here, and its weights freed.
      await shared.remove(made.id);
      expect((await listModels()).some((m) => m.id === made.id)).toBe(false);
      await expect(getModel(made.id)).rejects.toThrow(/Unknown model id/);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(base.entry.id).toBe('mnist-cnn');
    } finally {
      setFinetuneStore(memoryModelStore<FinetuneCard>());
    }
  });

  it('rejects bad requests by naming the parameter', async () => {
    await expect(finetuneApi.finetuneStart('', REQUEST)).rejects.toThrow(/jobId/);
    await expect(finetuneApi.finetuneStart('x', { ...REQUEST, recipe: { ...REQUEST.recipe, epsilon: 2 } })).rejects.toThrow(/^ε \(L∞\) must be a number from 0\.003922 to 0\.5; got 2\.$/);
    await expect(finetuneApi.finetuneStart('x', { ...REQUEST, baseModelId: 'nope' })).rejects.toThrow(/Unknown model id "nope"/);
    await expect(finetuneApi.finetuneStart('x', { ...REQUEST, heldOut: { ...REQUEST.heldOut, every: 0 } })).rejects.toThrow(/^Evaluate every \(steps\) must be a whole number from 1 to 500; got 0\.$/);
    await expect(finetuneApi.finetuneExport('nope')).rejects.toThrow(/^There is no saved fine-tuned model “nope”\.$/);
    await expect(finetuneApi.finetuneCurve('c', 'nope', { epsilons: [0, 0.1], steps: 2 })).rejects.toThrow(/^There is no saved fine-tuned model “nope”\.$/);
  });
});
