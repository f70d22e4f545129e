/**
 * Labelled examples for a model, in the worker: image models read data/<dataset>-{train,test}.bin (fetched once
 * per file and kept), toy models regenerate their seeded split from their index entry. The same ExampleSet shape
 * serves both, so training and evaluation code need not know which kind of model it has.
 */
import { DATASET_IDS, type ImageDataset, type ImageDatasetId } from '../lib/data/dataset';
import { arrayExamples, imageExamples, type ExampleSet } from '../lib/data/examples';
import { decodeSubset } from '../lib/data/subset';
import { makeToySplit } from '../lib/data/toy';
import type { ModelEntry } from '../lib/models/registry';
import { assetUrl } from './context';
import { isImageSetId } from '../lib/data/user-image-set';
import { imageSetData } from './user-images-api';

export type Split = 'train' | 'test';

const files = new Map<string, Promise<ImageDataset>>();

export function imageSubset(dataset: ImageDatasetId, split: Split): Promise<ImageDataset> {
  const name = `data/${dataset}-${split}.bin`;
  let pending = files.get(name);
  if (!pending) {
    pending = fetch(assetUrl(name)).then(async (r) => {
      if (!r.ok) throw new Error(`The ${dataset} ${split} images (${name}) could not be loaded: HTTP ${r.status}`);
      return decodeSubset(await r.arrayBuffer(), name);
    });
    files.set(name, pending);
    // A failed fetch is forgotten, so a later call tries again.
    pending.catch(() => files.delete(name));
  }
  return pending;
}

/**
 * The examples a model was made for, with the input range attacks must respect. `evalSet` names a person's own
 * image set ("images:…") to use instead of the model's test set.
 */
export async function examplesFor(entry: ModelEntry, split: Split, evalSet?: string): Promise<{ examples: ExampleSet; bounds: [number, number] }> {
  const own = evalSet ?? (isImageSetId(entry.dataset) ? entry.dataset : undefined);
  if (own) {
    const { data, summary } = await imageSetData(own);
    const [h, w, c] = entry.inputShape;
    if (entry.kind !== 'image' || h !== data.rows || w !== data.cols || c !== 1 || entry.classNames.length !== data.numClasses) {
      throw new Error(`The images “${summary.name}” (${data.rows}×${data.cols}, ${data.numClasses} classes) do not fit ${entry.name} (${entry.inputShape.join('×')}, ${entry.classNames.length} classes).`);
    }
    return { examples: imageExamples(data), bounds: entry.bounds };
  }
  if (entry.dataset === 'user') throw new Error(`${entry.name} has no test set: add your own images for it in “Your models” and choose them as the evaluation images.`);
  if (entry.kind === 'toy') {
    if (!entry.toy) throw new Error(`${entry.id}: a toy model's entry must say how to regenerate its data (toy)`);
    const t = entry.toy;
    const { train, test } = makeToySplit(t.dataset, { n: t.n, nTest: t.nTest, noise: t.noise, seed: t.seed, classes: t.classes, gap: t.gap, imbalance: t.imbalance });
    const set = split === 'train' ? train : test;
    return { examples: arrayExamples(set.x, set.y, [2], set.numClasses), bounds: entry.bounds };
  }
  if (!(DATASET_IDS as readonly string[]).includes(entry.dataset)) {
    throw new Error(`${entry.id}: no image files for dataset "${entry.dataset}" (known: ${DATASET_IDS.join(', ')})`);
  }
  return { examples: imageExamples(await imageSubset(entry.dataset as ImageDatasetId, split)), bounds: entry.bounds };
}
