import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { buildModel } from '../../src/lib/models/architectures';
import { loadModelFromParts } from '../../src/lib/models/load';
import {
  artifactsToModel,
  cloneLayersModel,
  exportModelFiles,
  memoryModelStore,
  modelToArtifacts,
  EXPORT_FILE_NAMES,
} from '../../src/lib/models/storage';

const CNN = { kind: 'cnn' as const, inputShape: [28, 28, 1] as [number, number, number], conv: [{ filters: 4, kernel: 3, stride: 1, pool: 2 }], dense: [8], numClasses: 10 };

async function outputs(model: tf.LayersModel, x: tf.Tensor): Promise<Float32Array> {
  const y = model.predict(x) as tf.Tensor;
  const v = (await y.data()) as Float32Array;
  y.dispose();
  return v;
}

describe('fine-tuned model storage', () => {
  let x: tf.Tensor;
  beforeAll(async () => {
    await initNodeBackend('wasm');
    x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5);
  });

  it('a clone computes the same function with its own variables, and training it leaves the original intact', async () => {
    const model = buildModel(CNN, 1);
    const clone = await cloneLayersModel(model);
    expect(Array.from(await outputs(clone, x))).toEqual(Array.from(await outputs(model, x)));
    const before = await outputs(model, x);
    // Changing the clone's weights must not touch the original.
    clone.setWeights(clone.getWeights().map((w) => tf.tidy(() => w.add(1))));
    expect(Array.from(await outputs(model, x))).toEqual(Array.from(before));
    expect(Array.from(await outputs(clone, x))).not.toEqual(Array.from(before));
    model.dispose();
    clone.dispose();
  });

  it('exported files load through the zoo loader (same format as models/) and give the same outputs', async () => {
    const model = buildModel(CNN, 2);
    const artifacts = await modelToArtifacts(model);
    const card = { id: 'ft-test', recipe: { method: 'fgsm-rs', epsilon: 0.1 } };
    const files = exportModelFiles(artifacts, card);
    const json = JSON.parse(files.modelJson);
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual([EXPORT_FILE_NAMES.weights]);
    expect(JSON.parse(files.cardJson)).toEqual(card);
    const loaded = await loadModelFromParts(json, async (p) => {
      expect(p).toBe('weights.bin');
      return files.weights;
    });
    expect(Array.from(await outputs(loaded, x))).toEqual(Array.from(await outputs(model, x)));
    model.dispose();
    loaded.dispose();
  });

  it('the store keeps, lists (cards only, oldest first), loads and removes models', async () => {
    const store = memoryModelStore<{ name: string }>();
    const model = buildModel(CNN, 3);
    const artifacts = await modelToArtifacts(model);
    await store.save({ id: 'b', card: { name: 'second' }, artifacts, savedAt: '2026-01-02T00:00:00Z' });
    await store.save({ id: 'a', card: { name: 'first' }, artifacts, savedAt: '2026-01-01T00:00:00Z' });
    const list = await store.list();
    expect(list.map((m) => m.id)).toEqual(['a', 'b']);
    expect(list[0]).not.toHaveProperty('artifacts');
    const back = await store.load('b');
    expect(back?.card.name).toBe('second');
    const restored = await artifactsToModel(back!.artifacts);
    expect(Array.from(await outputs(restored, x))).toEqual(Array.from(await outputs(model, x)));
    expect(await store.remove('b')).toBe(true);
    expect(await store.remove('b')).toBe(false);
    expect(await store.load('b')).toBeNull();
    expect((await store.list()).map((m) => m.id)).toEqual(['a']);
    await expect(store.save({ id: '', card: { name: 'x' }, artifacts, savedAt: '' })).rejects.toThrow(/id must be/);
    model.dispose();
    restored.dispose();
  });

  it('leaks no tensors across save, clone and load', async () => {
    const model = buildModel(CNN, 4);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const clone = await cloneLayersModel(model);
      clone.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
