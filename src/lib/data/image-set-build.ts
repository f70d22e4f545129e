/** Building a person's image set from what the page sends, with the same checks as the shipped test sets. */
import { validateImageDataset } from './dataset';
import { imageSetId, type ImageSet, type ImageSetSummary } from './user-image-set';

/** Checks what the page sends (grey pixels of rows×cols, labels among the class names) and makes the set. */
export function buildImageSet(name: string, rows: number, cols: number, classNames: string[], pixels: Uint8Array, labels: Uint8Array, addedAt = new Date()): ImageSet {
  if (typeof name !== 'string' || !name.trim()) throw new Error('Give the image set a name.');
  if (!Array.isArray(classNames) || classNames.length < 2) throw new Error('An image set needs the class names of the model it is for (at least two).');
  if (!(pixels instanceof Uint8Array) || !(labels instanceof Uint8Array)) throw new Error('pixels and labels must be byte arrays');
  if (labels.length === 0) throw new Error('None of the images has a label, so none can be scored. Put them in sub-folders named after their class, or add a CSV “file, label”.');
  const data = validateImageDataset({ images: pixels, labels, count: labels.length, rows, cols, channels: 1, numClasses: classNames.length }, `the images “${name}”`);
  const summary: ImageSetSummary = { id: imageSetId(name, addedAt), name: name.trim(), count: data.count, rows, cols, classNames: [...classNames], addedAt: addedAt.toISOString() };
  return { summary, data };
}

