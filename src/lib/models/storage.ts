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
import { checkModelArtifacts } from '../validate/model-files';
import { ValidationError } from '../validate/numeric';

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

/** A record that cannot be used (a damaged card, weights missing): listed with its id so that it can be removed. */
export interface DamagedRecord {
  id: string;
  damaged: true;
  /** What is wrong, in words. */
  reason: string;
}

export interface ModelStore<Card> {
  /** Adds or replaces the model with this id; refuses (with a message) a model whose weights are damaged. */
  save(model: StoredModel<Card>): Promise<void>;
  /** Null when there is none; a ValidationError naming the model when its record is damaged. */
  load(id: string): Promise<StoredModel<Card> | null>;
  /** Every usable stored model's card, oldest save first, without weights. Damaged records are left out. */
  list(): Promise<StoredSummary<Card>[]>;
  /** Every record, oldest first: usable ones as summaries, damaged ones as DamagedRecord. Never throws for a bad record. */
  listAll(): Promise<(StoredSummary<Card> | DamagedRecord)[]>;
  /** True when there was one. Works for damaged records too. */
  remove(id: string): Promise<boolean>;
}

/** Checks the card the caller stores (e.g. the fields its list shows); throws an Error saying what is wrong. */
export type CardCheck = (card: unknown) => void;

/**
 * Checks the binary part of a record before it is written and after it is read; the default is the layers-model
 * check. Stores of other things kept in the same layout (a person's graph models, image sets) pass their own.
 */
export type ArtifactsCheck = (artifacts: unknown, name: string) => void;

export function isDamaged<Card>(r: StoredSummary<Card> | DamagedRecord): r is DamagedRecord {
  return (r as DamagedRecord).damaged === true;
}

/** The store's damaged records, for a panel to list with Delete; none when there is no storage at all (private mode). */
export async function damagedRecords<Card>(store: ModelStore<Card>): Promise<DamagedRecord[]> {
  try {
    return (await store.listAll()).filter(isDamaged);
  } catch {
    return [];
  }
}

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id === '') throw new Error(`id must be a non-empty string, got ${JSON.stringify(id)}`);
}

/**
 * The summary part of a stored record, or why it cannot be used. Records come from storage that other code,
 * other versions of the app or a person with the browser's developer tools may have changed: trust nothing.
 */
function readSummary<Card>(raw: unknown, checkCard?: CardCheck): StoredSummary<Card> | DamagedRecord {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const id = typeof r.id === 'string' ? r.id : String(r.id);
  const damaged = (reason: string): DamagedRecord => ({ id, damaged: true, reason });
  if (typeof raw !== 'object' || raw === null) return damaged('the stored record is not a model record');
  if (typeof r.id !== 'string' || r.id === '') return damaged('the stored record has no name');
  if (typeof r.savedAt !== 'string') return damaged('the stored record has no save time');
  if (typeof r.card !== 'object' || r.card === null) return damaged('the model card is missing');
  if (checkCard) {
    try {
      checkCard(r.card);
    } catch (err) {
      return damaged(`the model card is damaged: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { id: r.id, card: r.card as Card, savedAt: r.savedAt };
}

function bySaveTime<T extends { savedAt: string }>(a: T, b: T): number {
  return a.savedAt < b.savedAt ? -1 : a.savedAt > b.savedAt ? 1 : 0;
}

/** Usable records by save time, damaged ones after them (they have no trustworthy time). */
function byTimeThenDamaged<Card>(a: StoredSummary<Card> | DamagedRecord, b: StoredSummary<Card> | DamagedRecord): number {
  if (isDamaged(a) || isDamaged(b)) return Number(isDamaged(a)) - Number(isDamaged(b));
  return bySaveTime(a, b);
}

/** A store that lives as long as the page (tests; browsers without IndexedDB). Copies on the way in and out. */
export function memoryModelStore<Card>(checkCard?: CardCheck, checkArtifacts: ArtifactsCheck = checkModelArtifacts): ModelStore<Card> {
  const records = new Map<string, StoredModel<Card>>();
  const copy = (m: StoredModel<Card>): StoredModel<Card> => ({
    ...m,
    card: structuredClone(m.card),
    artifacts: { ...m.artifacts, weightData: m.artifacts.weightData.slice(0) },
  });
  const store: ModelStore<Card> = {
    async save(m) {
      checkId(m.id);
      checkArtifacts(m.artifacts, `The model “${m.id}”`);
      records.set(m.id, copy(m));
    },
    async load(id) {
      const m = records.get(id);
      return m ? copy(m) : null;
    },
    async list() {
      return (await store.listAll()).filter((r): r is StoredSummary<Card> => !isDamaged(r));
    },
    async listAll() {
      return [...records.values()].map(({ id, card, savedAt }) => readSummary<Card>({ id, card: structuredClone(card), savedAt }, checkCard)).sort(byTimeThenDamaged);
    },
    async remove(id) {
      return records.delete(id);
    },
  };
  return store;
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
export function indexedDbModelStore<Card>(dbName = 'adversarial-playground-models', checkCard?: CardCheck, checkArtifacts: ArtifactsCheck = checkModelArtifacts): ModelStore<Card> {
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
  const store: ModelStore<Card> = {
    async save(m) {
      checkId(m.id);
      checkArtifacts(m.artifacts, `The model “${m.id}”`);
      const db = await open();
      const tx = db.transaction([CARDS, WEIGHTS], 'readwrite');
      const finished = done(tx);
      try {
        tx.objectStore(CARDS).put({ id: m.id, card: m.card, savedAt: m.savedAt });
        tx.objectStore(WEIGHTS).put({ id: m.id, artifacts: m.artifacts });
      } catch (err) {
        // A put that throws (a value that cannot be stored) leaves the transaction open: without this abort the
        // card written just before would be committed alone, a model without weights.
        tx.abort();
        finished.catch(() => undefined);
        throw err;
      }
      await finished;
    },
    async load(id) {
      const db = await open();
      const tx = db.transaction([CARDS, WEIGHTS], 'readonly');
      const [rawSummary, stored] = await Promise.all([
        request(tx.objectStore(CARDS).get(id) as IDBRequest<unknown>),
        request(tx.objectStore(WEIGHTS).get(id) as IDBRequest<{ artifacts?: unknown } | undefined>),
      ]);
      if (rawSummary === undefined && stored === undefined) return null;
      const summary = readSummary<Card>(rawSummary, checkCard);
      if (isDamaged(summary)) throw new ValidationError('Stored model', `The stored model “${id}” is damaged (${summary.reason}); delete it.`);
      if (!stored || typeof stored !== 'object') throw new ValidationError('Stored model', `The stored model “${id}” has lost its weights; delete it.`);
      checkArtifacts(stored.artifacts, `The stored model “${id}”`);
      return { ...summary, artifacts: stored.artifacts as ModelArtifacts };
    },
    async list() {
      return (await store.listAll()).filter((r): r is StoredSummary<Card> => !isDamaged(r));
    },
    async listAll() {
      const db = await open();
      const tx = db.transaction([CARDS, WEIGHTS], 'readonly');
      // Only the cards and the weights' keys: the list never reads every model's weights.
      const [cards, weightKeys] = await Promise.all([
        request(tx.objectStore(CARDS).getAll() as IDBRequest<unknown[]>),
        request(tx.objectStore(WEIGHTS).getAllKeys()),
      ]);
      const withWeights = new Set(weightKeys.map(String));
      const out = cards.map((raw) => {
        const r = readSummary<Card>(raw, checkCard);
        return isDamaged(r) || withWeights.has(r.id) ? r : ({ id: r.id, damaged: true, reason: 'its weights are missing' } as DamagedRecord);
      });
      // Weights whose card is gone are damaged records too (otherwise they could never be deleted).
      const listed = new Set(out.map((r) => r.id));
      for (const k of weightKeys) if (!listed.has(String(k))) out.push({ id: String(k), damaged: true, reason: 'its model card is missing' });
      return out.sort(byTimeThenDamaged);
    },
    async remove(id) {
      const db = await open();
      const tx = db.transaction([CARDS, WEIGHTS], 'readwrite');
      // A damaged record may have only one half: either counts.
      const [cards, weights] = await Promise.all([request(tx.objectStore(CARDS).count(id)), request(tx.objectStore(WEIGHTS).count(id))]);
      const existed = cards + weights > 0;
      tx.objectStore(CARDS).delete(id);
      tx.objectStore(WEIGHTS).delete(id);
      await done(tx);
      return existed;
    },
  };
  return store;
}
