/**
 * The worker's model cache, keyed by id. Shipped models (models/index.json) are loaded once on first use and kept
 * with their AttackModel adapter; models made in the browser (e.g. fine-tuned by another panel) are added with
 * registerModel and listed alongside the shipped ones.
 */
import type * as tf from '@tensorflow/tfjs';
import { parseModelIndex, type ModelEntry, type ModelIndex } from '../lib/models/registry';
import { loadZooModel } from '../lib/models/load';
import { layersModelAsAttackModel } from '../lib/attacks/model-adapter';
import type { AttackModel } from '../lib/attacks/types';
import { assetUrl } from './context';
import { uniqueNames } from '../lib/models/unique-name';

export interface CachedModel {
  entry: ModelEntry;
  /** Null for models that are not tfjs layers models (a person's graph model): they cannot be copied or trained. */
  model: tf.LayersModel | null;
  attackModel: AttackModel;
  /** False when the gradient cannot pass the model: only gradient-free attacks may run on it. */
  gradients: boolean;
  /** Frees the weights (the cache calls it when the model is replaced or removed). */
  dispose: () => void;
}

/** A model listed to the UI: its index entry and where it comes from. */
export interface ModelSummary extends ModelEntry {
  source: 'shipped' | 'registered';
  gradients: boolean;
}

let indexPromise: Promise<ModelIndex> | null = null;
const shipped = new Map<string, Promise<CachedModel>>();
const registered = new Map<string, CachedModel>();
/** Ids in the shipped index, once it has been read: registered models may not take them. */
const shippedIds = new Set<string>();

async function fetchIndex(): Promise<ModelIndex> {
  const url = assetUrl('models/index.json');
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`The model zoo index (models/index.json) could not be fetched: ${(err as Error).message}`);
  }
  if (!response.ok) throw new Error(`The model zoo index (models/index.json) could not be loaded: HTTP ${response.status}`);
  const index = parseModelIndex(await response.json());
  for (const m of index.models) shippedIds.add(m.id);
  return index;
}

/** The shipped index, fetched once (a failed fetch is retried on the next call). */
export function shippedIndex(): Promise<ModelIndex> {
  if (!indexPromise) {
    indexPromise = fetchIndex();
    indexPromise.catch(() => {
      indexPromise = null;
    });
  }
  return indexPromise;
}

/**
 * Brings the registered models up to date with what another worker may have made (the engine runs in two workers,
 * and fine-tuned models are made in the background one and kept in the browser's storage). Set by the module that
 * owns that storage; failures are its own to report.
 */
const syncs: (() => Promise<void>)[] = [];
const syncRegistered = async (): Promise<void> => {
  for (const sync of syncs) await sync();
};

/** Adds a store to bring up to date before listing (fine-tuned models, a person's own models). */
export function setRegisteredSync(sync: () => Promise<void>): void {
  if (!syncs.includes(sync)) syncs.push(sync);
}

/** True when a model made in the browser is registered under this id. */
export function isRegistered(id: string): boolean {
  return registered.has(id);
}

/** Shipped models first (index order), then registered ones (registration order). */
export async function listModels(): Promise<ModelSummary[]> {
  await syncRegistered();
  const index = await shippedIndex();
  const all: ModelSummary[] = [
    ...index.models.map((m) => ({ ...m, source: 'shipped' as const, gradients: true })),
    ...[...registered.values()].map((c) => ({ ...c.entry, source: 'registered' as const, gradients: c.gradients })),
  ];
  // People choose models by name: twins (two fine-tunings with one recipe) are told apart in list order.
  const names = uniqueNames(all.map((m) => m.name));
  return all.map((m, i) => ({ ...m, name: names[i] }));
}

/** The model with this id, loading it on first use. Unknown ids are rejected with the list of known ones. */
export async function getModel(id: string): Promise<CachedModel> {
  if (typeof id !== 'string' || id === '') throw new Error(`modelId must be a non-empty string, got ${JSON.stringify(id)}`);
  let own = registered.get(id);
  if (own) return own;
  // Perhaps made a moment ago in the other worker.
  if (!shipped.has(id) && !shippedIds.has(id)) {
    await syncRegistered();
    own = registered.get(id);
    if (own) return own;
  }
  let pending = shipped.get(id);
  if (!pending) {
    const index = await shippedIndex();
    const entry = index.models.find((m) => m.id === id);
    if (!entry) {
      const known = [...index.models.map((m) => m.id), ...registered.keys()];
      throw new Error(`Unknown model id "${id}": known models are ${known.join(', ') || 'none'}`);
    }
    pending = shipped.get(id);
    if (!pending) {
      pending = loadZooModel(entry, assetUrl('models/')).then((model) => ({
        entry,
        model,
        attackModel: layersModelAsAttackModel(model, entry.bounds),
        gradients: true,
        dispose: () => model.dispose(),
      }));
      shipped.set(id, pending);
      // A failed load is forgotten, so a later call tries again instead of repeating the old error.
      pending.catch(() => shipped.delete(id));
    }
  }
  return pending;
}

/**
 * Adds (or replaces) a model made in the browser. The cache owns the LayersModel from then on: a replaced or
 * unregistered model is disposed. Ids of shipped models cannot be taken.
 */
export function registerModel(id: string, item: { entry: ModelEntry; model: tf.LayersModel; attackModel?: AttackModel }): void {
  if (typeof id !== 'string' || id === '') throw new Error(`registerModel: id must be a non-empty string, got ${JSON.stringify(id)}`);
  if (item?.entry?.id !== id) throw new Error(`registerModel: entry.id (${item?.entry?.id}) must equal the id "${id}"`);
  if (shippedIds.has(id) || shipped.has(id)) throw new Error(`registerModel: "${id}" is a shipped model; choose another id`);
  const previous = registered.get(id);
  const model = item.model;
  registered.set(id, {
    entry: item.entry,
    model,
    attackModel: item.attackModel ?? layersModelAsAttackModel(model, item.entry.bounds),
    gradients: true,
    dispose: () => model.dispose(),
  });
  if (previous && previous.model !== item.model) previous.dispose();
}

/**
 * Adds (or replaces) a model a person brought: any AttackModel (layers or graph), with whether gradients pass it
 * and how to free it. Same id rules as registerModel.
 */
export function registerOwnModel(id: string, item: { entry: ModelEntry; attackModel: AttackModel; model: tf.LayersModel | null; gradients: boolean; dispose: () => void }): void {
  if (item?.entry?.id !== id || id === '') throw new Error(`registerOwnModel: entry.id (${item?.entry?.id}) must equal the id "${id}"`);
  if (shippedIds.has(id) || shipped.has(id)) throw new Error(`registerOwnModel: "${id}" is a shipped model; choose another id`);
  const previous = registered.get(id);
  registered.set(id, { ...item });
  previous?.dispose();
}

/** A model's LayersModel, or a plain message when it has none (graph models cannot be copied or trained). */
export function layersModelOf(cached: CachedModel, purpose: string): tf.LayersModel {
  if (!cached.model) throw new Error(`${cached.entry.name} is a graph model: ${purpose} needs a tfjs layers model.`);
  return cached.model;
}

/** Removes a registered model and frees its weights; true when there was one. */
export function unregisterModel(id: string): boolean {
  const previous = registered.get(id);
  if (!previous) return false;
  registered.delete(id);
  previous.dispose();
  return true;
}
