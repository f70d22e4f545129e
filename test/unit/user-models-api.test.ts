import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServedApp } from './serve-from-disk';
import { IDBFactory } from 'fake-indexeddb';
import { indexedDbModelStore, memoryModelStore } from '../../src/lib/models/storage';
import { checkUserModelCard } from '../../src/lib/models/user-model-card';
import { getModel, listModels } from '../../src/worker/models';
import { setUserModelStore, syncUserModels, userModelsApi, type DroppedFile, type UserModelCard } from '../../src/worker/user-models-api';
import { attackLabApi } from '../../src/worker/attack-lab-api';
import { uniqueName, uniqueNames } from '../../src/lib/models/unique-name';
import { checkBundleArtifacts, sortModelFiles } from '../../src/lib/models/user-files';

/** A 28×28×1 → 10 model with a softmax output, as files the person would drop (two weight shards). */
async function softmaxModelFiles(seed = 1): Promise<DroppedFile[]> {
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed }) }),
    ],
  });
  let a: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (x) => ((a = x), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  model.dispose();
  const art = a as unknown as tf.io.ModelArtifacts;
  const data = new Uint8Array(art.weightData as ArrayBuffer);
  const cut = 1000;
  const json = { format: 'layers-model', modelTopology: art.modelTopology, weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: art.weightSpecs }] };
  return [
    { name: 'digits/model.json', data: new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer },
    { name: 'digits/group1-shard1of2.bin', data: data.slice(0, cut).buffer },
    { name: 'digits/group1-shard2of2.bin', data: data.slice(cut).buffer },
  ];
}

const copy = (files: DroppedFile[]) => files.map((f) => ({ name: f.name, data: f.data.slice(0) }));
const SETTINGS = { inputRange: [0, 1] as [number, number], mean: [], std: [], classNames: [] as string[] };

describe('your models (worker API)', () => {
  useServedApp();
  beforeAll(() => {
    setUserModelStore(memoryModelStore<UserModelCard>(undefined, checkBundleArtifacts));
  });

  it('unique names: twins get (2), (3) in list order, case-insensitively', () => {
    expect(uniqueNames(['a', 'b', 'A', 'a', 'a (2)'])).toEqual(['a', 'b', 'A (2)', 'a (3)', 'a (2) (2)']);
    expect(uniqueName('  ', [])).toBe('model');
  });

  it('inspects, adds, lists in every panel, attacks, renames, exports and removes — without leaking tensors', async () => {
    const files = await softmaxModelFiles();
    const inspection = await userModelsApi.userModelInspect(copy(files));
    expect(inspection.report).toMatchObject({ format: 'layers', softmax: 'removed', gradients: true, inputShape: [28, 28, 1], numClasses: 10 });
    expect(inspection.report.notes.join(' ')).toMatch(/softmax/i);
    expect(inspection.dataset).toBe('mnist');
    expect(inspection.name).toBe('digits');

    const before = tf.memory().numTensors;
    const card = await userModelsApi.userModelAdd(copy(files), { name: 'digits', settings: { ...SETTINGS, classNames: inspection.classNames }, dataset: 'mnist' });
    const listed = (await listModels()).find((m) => m.id === card.id);
    expect(listed).toMatchObject({ name: 'digits', dataset: 'mnist', source: 'registered', gradients: true });

    // A second upload of the same files gets a name of its own.
    const twin = await userModelsApi.userModelAdd(copy(files), { name: 'digits', settings: SETTINGS, dataset: 'mnist' });
    expect(twin.name).toBe('digits (2)');

    // The stored model predicts what the original does (softmax of the logits the attacks see).
    const m = await getModel(card.id);
    const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 5);
    const p = await attackLabApi.predict(card.id, (await x.data()) as Float32Array);
    const logits = m.attackModel.logits(x);
    const probs = tf.softmax(logits);
    const expected = await probs.data();
    tf.dispose([x, logits, probs]);
    p.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));

    const renamed = await userModelsApi.userModelRename(card.id, 'Digits v2');
    expect(renamed.name).toBe('Digits v2');
    expect((await listModels()).find((x) => x.id === card.id)?.name).toBe('Digits v2');
    expect((await userModelsApi.userModelRename(twin.id, 'digits v2')).name).toBe('digits v2 (2)');

    const out = await userModelsApi.userModelExport(card.id);
    const again = sortModelFiles([{ name: 'model.json', data: new TextEncoder().encode(out.modelJson).buffer as ArrayBuffer }, { name: 'weights.bin', data: out.weights }]);
    expect((again.json.weightsManifest as { paths: string[] }[])[0].paths).toEqual(['weights.bin']);
    expect(out.weights.byteLength).toBe(files[1].data.byteLength + files[2].data.byteLength);
    expect(JSON.parse(out.settingsJson).name).toBe('Digits v2');

    expect(await userModelsApi.userModelRemove(card.id)).toBe(true);
    expect(await userModelsApi.userModelRemove(twin.id)).toBe(true);
    expect((await listModels()).some((x) => x.id === card.id || x.id === twin.id)).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a malformed or incomplete model changes nothing and says why plainly', async () => {
    const files = await softmaxModelFiles(2);
    const listBefore = (await listModels()).map((m) => m.id);
    const tensors = tf.memory().numTensors;
    const broken = [{ name: 'model.json', data: new TextEncoder().encode('{"modelTopology": ').buffer as ArrayBuffer }];
    await expect(userModelsApi.userModelAdd(broken, { name: 'x', settings: SETTINGS, dataset: 'none' })).rejects.toThrow(/not valid JSON/);
    await expect(userModelsApi.userModelInspect(copy(files.slice(0, 2)))).rejects.toThrow(/group1-shard2of2\.bin/);
    await expect(userModelsApi.userModelAdd(copy(files), { name: 'x', settings: { ...SETTINGS, classNames: ['a', 'b'] }, dataset: 'mnist' })).rejects.toThrow(/10 outputs; give 10 class names/);
    expect((await listModels()).map((m) => m.id)).toEqual(listBefore);
    expect(await userModelsApi.userModelList()).toEqual([]);
    expect(tf.memory().numTensors).toBe(tensors);
    // A kept record whose weights were cut short is refused by the store's check.
    expect(() => checkBundleArtifacts({ modelTopology: {}, weightSpecs: [{ name: 'w', shape: [2], dtype: 'float32' }], weightData: new ArrayBuffer(4) }, 'X')).toThrow(/4 bytes of weights but its model.json needs 8/);
  });

  it('a gradient-free model is refused gradient attacks by name, and rejoins a second worker from the store', async () => {
    // A graph model that rounds its input: the gradient cannot pass Round.
    const f = { type: 'DT_FLOAT' };
    const json = {
      format: 'graph-model',
      modelTopology: {
        node: [
          { name: 'x', op: 'Placeholder', attr: { dtype: f, shape: { shape: { dim: [{ size: '-1' }, { size: '2' }] } } } },
          { name: 'W', op: 'Const', attr: { dtype: f, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '2' }, { size: '2' }] } } } } },
          { name: 'r', op: 'Round', input: ['x'], attr: { T: f } },
          { name: 'mm', op: 'MatMul', input: ['r', 'W'], attr: { T: f, transpose_a: { b: false }, transpose_b: { b: false } } },
        ],
        library: {},
        versions: { producer: 1 },
      },
      weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'W', shape: [2, 2], dtype: 'float32' }] }],
    };
    const files = [
      { name: 'model.json', data: new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer },
      { name: 'w.bin', data: new Float32Array([1, -1, 0.5, 2]).buffer },
    ];
    const card = await userModelsApi.userModelAdd(files, { name: 'rounder', settings: { inputRange: [-3, 3], mean: [], std: [], classNames: ['a', 'b'] }, dataset: 'none' });
    expect(card.report.gradients).toBe(false);
    expect(card.report.noGradientOps).toContain('Round');
    const listed = (await listModels()).find((m) => m.id === card.id)!;
    expect(listed).toMatchObject({ gradients: false, kind: 'toy', bounds: [-3, 3] });
    await expect(
      attackLabApi.runAttack('grad-free', { modelId: card.id, attackId: 'pgd', options: { epsilons: [0.1] }, image: new Float32Array([0.2, 0.4]), label: 0 }),
    ).rejects.toThrow(/needs the model's gradient/);
    // Another worker sharing the store registers it on its next sync (here: after this one forgets it).
    await syncUserModels();
    expect(await userModelsApi.userModelRemove(card.id)).toBe(true);
  });

  it('a damaged or unreadable stored model is listed as damaged, hides no other model, and can be deleted', async () => {
    (globalThis as { indexedDB?: IDBFactory }).indexedDB = new IDBFactory();
    const DB = 'test-user-models';
    const store = indexedDbModelStore<UserModelCard>(DB, checkUserModelCard, checkBundleArtifacts);
    setUserModelStore(store);
    try {
      const good = await userModelsApi.userModelAdd(await softmaxModelFiles(3), { name: 'good', settings: SETTINGS, dataset: 'mnist' });
      const kept = (await store.load(good.id))!;
      // Planted as other code or a person with the developer tools could leave them, bypassing the store's checks:
      // a card that is not one, a model whose weights were cut short (saved first, so the sync meets it first), and
      // a good model that this worker has not loaded yet (after the cut one).
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(DB, 1);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction(['cards', 'artifacts'], 'readwrite');
        tx.objectStore('cards').put({ id: 'user-garbage', card: 'not a card', savedAt: '2020-01-01T00:00:00Z' });
        tx.objectStore('cards').put({ id: 'user-cut', card: { ...good, id: 'user-cut', name: 'cut' }, savedAt: '2020-01-02T00:00:00Z' });
        tx.objectStore('artifacts').put({ id: 'user-cut', artifacts: { ...kept.artifacts, weightData: kept.artifacts.weightData.slice(0, 100) } });
        tx.objectStore('cards').put({ id: 'user-late', card: { ...good, id: 'user-late', name: 'late' }, savedAt: '2099-01-01T00:00:00Z' });
        tx.objectStore('artifacts').put({ id: 'user-late', artifacts: kept.artifacts });
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();

      expect((await userModelsApi.userModelList()).map((c) => c.id)).toEqual([good.id, 'user-late']);
      const damaged = Object.fromEntries((await userModelsApi.userModelDamaged()).map((d) => [d.id, d.reason]));
      expect(Object.keys(damaged).sort()).toEqual(['user-cut', 'user-garbage']);
      expect(damaged['user-garbage']).toBe('the model card is missing');
      expect(damaged['user-cut']).toBe('the model does not load (The stored model “user-cut” holds 100 bytes of weights but its model.json needs 31400)');
      // The cut record did not stop the sync: the model saved after it is in every panel's list.
      const ids = (await listModels()).map((m) => m.id);
      expect(ids).toEqual(expect.arrayContaining([good.id, 'user-late']));
      expect(ids).not.toContain('user-cut');

      for (const id of ['user-cut', 'user-garbage']) expect(await userModelsApi.userModelRemove(id)).toBe(true);
      expect(await userModelsApi.userModelDamaged()).toEqual([]);
      expect((await userModelsApi.userModelList()).map((c) => c.id)).toEqual([good.id, 'user-late']);
      for (const id of [good.id, 'user-late']) expect(await userModelsApi.userModelRemove(id)).toBe(true);
      expect(await store.listAll()).toEqual([]);
    } finally {
      setUserModelStore(memoryModelStore<UserModelCard>(undefined, checkBundleArtifacts));
      delete (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    }
  });
});
