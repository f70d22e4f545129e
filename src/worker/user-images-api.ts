/**
 * Worker methods for a person's own images: add a labelled set (pixels decoded and resized in the page), list,
 * remove. Sets are kept in IndexedDB (the model store's layout: the summary as the card, pixels then labels as the
 * one binary buffer), so both workers find them: the gallery asks the interactive one, curves and reports the
 * background one. datasets.ts resolves "images:" ids through imageSetData.
 */
import { checkImageSetArtifacts, isImageSetId, type ImageSetSummary } from '../lib/data/user-image-set';
import { buildImageSet } from '../lib/data/image-set-build';
import type { ImageDataset } from '../lib/data/dataset';
import { indexedDbModelStore, memoryModelStore, type ModelStore } from '../lib/models/storage';
import { fail } from './checks';
import { describeGiven } from '../lib/validate/numeric';

export type { ImageSetSummary };

export interface ImageSetRequest {
  name: string;
  rows: number;
  cols: number;
  classNames: string[];
  /** count × rows × cols grey bytes. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

let store: ModelStore<ImageSetSummary> | null = null;
const cache = new Map<string, ImageDataset>();

export function setImageSetStore(next: ModelStore<ImageSetSummary>): void {
  store = next;
  cache.clear();
}

function setStore(): ModelStore<ImageSetSummary> {
  store ??= typeof indexedDB === 'undefined' ? memoryModelStore<ImageSetSummary>(undefined, checkImageSetArtifacts) : indexedDbModelStore<ImageSetSummary>('adversarial-playground-user-images', undefined, checkImageSetArtifacts);
  return store;
}

/** The images of a set by its id (read once per worker); a plain message when it is gone. */
export async function imageSetData(id: string): Promise<{ data: ImageDataset; summary: ImageSetSummary }> {
  const stored = await setStore().load(id);
  if (!stored) {
    cache.delete(id);
    fail(`The image set "${id}" is not in this browser any more: add your images again in “Your models”.`);
  }
  let data = cache.get(id);
  if (!data) {
    const s = stored.card;
    const bytes = new Uint8Array(stored.artifacts.weightData);
    const px = s.count * s.rows * s.cols;
    data = { images: bytes.slice(0, px), labels: bytes.slice(px, px + s.count), count: s.count, rows: s.rows, cols: s.cols, channels: 1, numClasses: s.classNames.length };
    cache.set(id, data);
  }
  return { data, summary: stored.card };
}

export const userImagesApi = {
  /** Keeps a labelled set of images; returns its summary (its id is a dataset id). */
  async imageSetAdd(request: ImageSetRequest): Promise<ImageSetSummary> {
    if (typeof request !== 'object' || request === null) fail('request must be an object {name, rows, cols, classNames, pixels, labels}');
    const { summary, data } = buildImageSet(request.name, request.rows, request.cols, request.classNames, request.pixels, request.labels);
    const buffer = new Uint8Array(data.images.length + data.labels.length);
    buffer.set(data.images, 0);
    buffer.set(data.labels, data.images.length);
    await setStore().save({ id: summary.id, card: summary, artifacts: { modelTopology: {}, weightSpecs: [], weightData: buffer.buffer }, savedAt: summary.addedAt });
    cache.set(summary.id, data);
    return summary;
  },

  async imageSetList(): Promise<ImageSetSummary[]> {
    return (await setStore().list()).map((s) => s.card);
  },

  async imageSetRemove(id: string): Promise<boolean> {
    if (!isImageSetId(id)) fail(`${describeGiven(id)} is not one of your image sets.`);
    cache.delete(id);
    return setStore().remove(id);
  },
};
