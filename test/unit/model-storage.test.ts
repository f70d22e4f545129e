/**
 * The browser's model store on a real IndexedDB implementation (fake-indexeddb): a damaged card or missing weights
 * are listed as damaged (and can be deleted) instead of breaking the list; damaged weights are refused on load
 * with a message; a model and its card are written in one transaction (a failing write leaves neither).
 */
import * as tf from '@tensorflow/tfjs';
import { IDBFactory } from 'fake-indexeddb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/lib/backend/node';
import { indexedDbModelStore, isDamaged, memoryModelStore, modelToArtifacts, type ModelArtifacts } from '../../src/lib/models/storage';
import { ValidationError } from '../../src/lib/validate/numeric';

const DB = 'test-models';
let artifacts: ModelArtifacts;

beforeAll(async () => {
  await initNodeBackend('cpu');
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 3 })] });
  artifacts = await modelToArtifacts(model);
  model.dispose();
});

beforeEach(() => {
  // A new, empty IndexedDB for every test.
  (globalThis as { indexedDB?: IDBFactory }).indexedDB = new IDBFactory();
});

/** Writes a raw record straight into an object store, as other code or a person with devtools could. */
async function putRaw(storeName: 'cards' | 'artifacts', value: unknown): Promise<void> {
  // Open through the store first so the database has its object stores.
  await indexedDbModelStore(DB).list();
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction(storeName, 'readwrite');
    tx.objectStore(storeName).put(value);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

const card = (name: string) => ({ name });
const checkCard = (c: unknown) => {
  if (typeof (c as { name?: unknown }).name !== 'string') throw new Error('it has no name');
};

describe('indexedDbModelStore', () => {
  it('saves, lists, loads and removes a model with its card', async () => {
    const store = indexedDbModelStore<{ name: string }>(DB, checkCard);
    await store.save({ id: 'a', card: card('A'), artifacts, savedAt: '2026-01-01T00:00:00Z' });
    expect(await store.list()).toEqual([{ id: 'a', card: card('A'), savedAt: '2026-01-01T00:00:00Z' }]);
    const loaded = await store.load('a');
    expect(new Uint8Array(loaded!.artifacts.weightData)).toEqual(new Uint8Array(artifacts.weightData));
    expect(await store.remove('a')).toBe(true);
    expect(await store.listAll()).toEqual([]);
  });

  it('lists a damaged card, missing weights and orphaned weights as damaged, keeps the good model, and deletes them', async () => {
    const store = indexedDbModelStore<{ name: string }>(DB, checkCard);
    await store.save({ id: 'good', card: card('Good'), artifacts, savedAt: '2026-01-02T00:00:00Z' });
    await putRaw('cards', { id: 'no-card', card: null, savedAt: '2026-01-01T00:00:00Z' });
    await putRaw('artifacts', { id: 'no-card', artifacts });
    await putRaw('cards', { id: 'bad-card', card: { name: 42 }, savedAt: '2026-01-01T00:00:00Z' });
    await putRaw('artifacts', { id: 'bad-card', artifacts });
    await putRaw('cards', { id: 'no-weights', card: card('W'), savedAt: '2026-01-01T00:00:00Z' });
    await putRaw('artifacts', { id: 'orphan', artifacts });
    await putRaw('cards', { id: 'no-time', card: card('T') });

    expect((await store.list()).map((r) => r.id)).toEqual(['good']);
    const all = await store.listAll();
    expect(all[0]).toMatchObject({ id: 'good' });
    const damaged = Object.fromEntries(all.filter(isDamaged).map((r) => [r.id, r.reason]));
    expect(damaged).toEqual({
      'no-card': 'the model card is missing',
      'bad-card': 'the model card is damaged: it has no name',
      'no-weights': 'its weights are missing',
      orphan: 'its model card is missing',
      'no-time': 'the stored record has no save time',
    });
    await expect(store.load('bad-card')).rejects.toThrow('The stored model “bad-card” is damaged (the model card is damaged: it has no name); delete it.');
    await expect(store.load('no-weights')).rejects.toThrow('has lost its weights; delete it.');
    for (const id of Object.keys(damaged)) expect(await store.remove(id)).toBe(true);
    expect((await store.listAll()).map((r) => r.id)).toEqual(['good']);
  });

  it('refuses NaN weights on load and on save, with a message naming the weight', async () => {
    const store = indexedDbModelStore<{ name: string }>(DB);
    const broken = new Float32Array(artifacts.weightData.slice(0));
    broken[1] = NaN;
    const bad = { ...artifacts, weightData: broken.buffer };
    await expect(store.save({ id: 'n', card: card('N'), artifacts: bad, savedAt: 'x' })).rejects.toThrow(ValidationError);
    await putRaw('cards', { id: 'n', card: card('N'), savedAt: 'x' });
    await putRaw('artifacts', { id: 'n', artifacts: bad });
    const err = await store.load('n').catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/^The stored model “n”: the weight “.+” contains NaN \(not a number\)/);
  });

  it('writes a model and its card in one transaction: a failing write leaves neither', async () => {
    const store = indexedDbModelStore<{ name: string }>(DB);
    // A function cannot be stored: the weights' put throws after the card's put was queued.
    const unstorable = { ...artifacts, modelTopology: { ...artifacts.modelTopology, hook: () => 1 } };
    await expect(store.save({ id: 'half', card: card('H'), artifacts: unstorable, savedAt: 'x' })).rejects.toThrow();
    expect(await store.listAll()).toEqual([]);
    expect(await store.load('half')).toBeNull();
  });
});

describe('memoryModelStore', () => {
  it('follows the same contract for damaged cards', async () => {
    const store = memoryModelStore<{ name: string }>(checkCard);
    await store.save({ id: 'a', card: card('A'), artifacts, savedAt: '1' });
    await store.save({ id: 'b', card: { name: 1 } as unknown as { name: string }, artifacts, savedAt: '2' });
    expect((await store.list()).map((r) => r.id)).toEqual(['a']);
    expect((await store.listAll()).filter(isDamaged).map((r) => r.id)).toEqual(['b']);
    expect(await store.remove('b')).toBe(true);
  });
});
