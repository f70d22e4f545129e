/**
 * Models made in the browser (fine-tuned ones): serialising a LayersModel to plain artifacts and back, cloning,
 * export as the files of the zoo's format (model.json + weights.bin, as models/<id>/ holds, plus card.json), and a
 * store that keeps them across reloads.
 *
 * The store is our own IndexedDB database rather than tf.io's 'indexeddb://' scheme: the card must travel with the
 * weights (one transaction writes both, so a half-saved model cannot appear), and the list at start-up reads only
 * the small cards, not every model's weights. IndexedDB exists in workers; Node tests use the in-memory store,
 * which follows the same contract.
 */
import * as tf from '@tensorflow/tfjs';

/** A layers model as plain data: what model.json and weights.bin hold. */
export interface ModelArtifacts {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

export async function modelToArtifacts(model: tf.LayersModel): Promise<ModelArtifacts> {
  let out: ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      if (!a.modelTopology || !a.weightSpecs || !a.weightData) throw new Error('modelToArtifacts: the model has no topology or weights');
      out = {
        modelTopology: a.modelTopology as object,
        weightSpecs: a.weightSpecs,
        weightData: tf.io.CompositeArrayBuffer.join(a.weightData),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return out!;
}

export function artifactsToModel(a: ModelArtifacts): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weightData: a.weightData }));
}

/** An independent copy (own variables) of a model, so training it leaves the original intact. */
export async function cloneLayersModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  return artifactsToModel(await modelToArtifacts(model));
}

export const EXPORT_FILE_NAMES = { model: 'model.json', weights: 'weights.bin', card: 'card.json' } as const;

/** The three files of a downloaded model, in the zoo's layout (the weights manifest names weights.bin). */
export interface ModelFiles {
  modelJson: string;
  weights: ArrayBuffer;
  cardJson: string;
}

export function exportModelFiles(a: ModelArtifacts, card: object): ModelFiles {
  const json = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: [EXPORT_FILE_NAMES.weights], weights: a.weightSpecs }],
  };
  return { modelJson: JSON.stringify(json), weights: a.weightData.slice(0), cardJson: `${JSON.stringify(card, null, 2)}\n` };
}

/** What the store keeps per model; the card is whatever JSON-serialisable description the caller gives. */
export interface StoredModel<Card> {
  id: string;
  card: Card;
  artifacts: ModelArtifacts;
  /** ISO time of the save. */
  savedAt: string;
}

export type StoredSummary<Card> = Omit<StoredModel<Card>, 'artifacts'>;

export interface ModelStore<Card> {
  /** Adds or replaces the model with this id. */
  save(model: StoredModel<Card>): Promise<void>;
  /** Null when there is none. */
  load(id: string): Promise<StoredModel<Card> | null>;
  /** Every stored model's card, oldest save first, without weights. */
  list(): Promise<StoredSummary<Card>[]>;
  /** True when there was one. */
  remove(id: string): Promise<boolean>;
}

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id === '') throw new Error(`id must be a non-empty string, got ${JSON.stringify(id)}`);
}

function bySaveTime<T extends { savedAt: string }>(a: T, b: T): number {
  return a.savedAt < b.savedAt ? -1 : a.savedAt > b.savedAt ? 1 : 0;
}

/** A store that lives as long as the page (tests; browsers without IndexedDB). Copies on the way in and out. */
export function memoryModelStore<Card>(): ModelStore<Card> {
  const records = new Map<string, StoredModel<Card>>();
  const copy = (m: StoredModel<Card>): StoredModel<Card> => ({
    ...m,
    card: structuredClone(m.card),
    artifacts: { ...m.artifacts, weightData: m.artifacts.weightData.slice(0) },
  });
  return {
    async save(m) {
      checkId(m.id);
      records.set(m.id, copy(m));
    },
    async load(id) {
      const m = records.get(id);
      return m ? copy(m) : null;
    },
    async list() {
      return [...records.values()].map(({ id, card, savedAt }) => ({ id, card: structuredClone(card), savedAt })).sort(bySaveTime);
    },
    async remove(id) {
      return records.delete(id);
    },
  };
}

const CARDS = 'cards';
const WEIGHTS = 'artifacts';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

/** The browser's persistent store (works in a worker). Cards and weights sit in two object stores, written together. */
export function indexedDbModelStore<Card>(dbName = 'adversarial-playground-models'): ModelStore<Card> {
  let opening: Promise<IDBDatabase> | null = null;
  const open = (): Promise<IDBDatabase> => {
    if (typeof indexedDB === 'undefined') return Promise.reject(new Error('This browser offers no IndexedDB: saved models cannot be kept'));
    if (!opening) {
      opening = new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(dbName, 1);
        r.onupgradeneeded = () => {
          r.result.createObjectStore(CARDS, { keyPath: 'id' });
          r.result.createObjectStore(WEIGHTS, { keyPath: 'id' });
        };
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error ?? new Error(`IndexedDB "${dbName}" could not be opened`));
        r.onblocked = () => reject(new Error(`IndexedDB "${dbName}" is blocked by another tab`));
      });
      opening.catch(() => (opening = null));
    }
    return opening;
  };
  return {
    async save(m) {
      checkId(m.id);
      const db = await open();
      const tx = db.transaction([CARDS, WEIGHTS], 'readwrite');
      tx.objectStore(CARDS).put({ id: m.id, card: m.card, savedAt: m.savedAt });
      tx.objectStore(WEIGHTS).put({ id: m.id, artifacts: m.artifacts });
      await done(tx);
    },
    async load(id) {
      const db = await open();
      const tx = db.transaction([CARDS, WEIGHTS], 'readonly');
      const [summary, stored] = await Promise.all([
        request(tx.objectStore(CARDS).get(id) as IDBRequest<StoredSummary<Card> | undefined>),
        request(tx.objectStore(WEIGHTS).get(id) as IDBRequest<{ artifacts: ModelArtifacts } | undefined>),
      ]);
      if (!summary || !stored) return null;
      return { ...summary, artifacts: stored.artifacts };
    },
    async list() {
      const db = await open();
      const all = await request(db.transaction(CARDS, 'readonly').objectStore(CARDS).getAll() as IDBRequest<StoredSummary<Card>[]>);
      return all.sort(bySaveTime);
    },
    async remove(id) {
      const db = await open();
      const tx = db.transaction([CARDS, WEIGHTS], 'readwrite');
      const existed = (await request(tx.objectStore(CARDS).count(id))) > 0;
      tx.objectStore(CARDS).delete(id);
      tx.objectStore(WEIGHTS).delete(id);
      await done(tx);
      return existed;
    },
  };
}
