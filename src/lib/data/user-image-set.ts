/**
 * A person's own images as a labelled set the engine can show in the Attack Lab gallery and evaluate on, in the
 * same form as the shipped test sets (ImageDataset: grey bytes, one label per image). Its dataset id starts with
 * "images:", so every place that takes a dataset id (gallery, curves, report) can take one. Tfjs-free (the UI
 * imports it); building a set, which uses the dataset checks, is image-set-build.ts.
 */
import type { ImageDataset } from './dataset';

export const IMAGE_SET_PREFIX = 'images:';

export interface ImageSetSummary {
  /** The dataset id: "images:" + a slug + the time it was added. */
  id: string;
  name: string;
  count: number;
  rows: number;
  cols: number;
  classNames: string[];
  addedAt: string;
}

export interface ImageSet {
  summary: ImageSetSummary;
  data: ImageDataset;
}

export function isImageSetId(id: string): boolean {
  return typeof id === 'string' && id.startsWith(IMAGE_SET_PREFIX);
}

export function imageSetId(name: string, addedAt: Date): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 24) || 'images';
  return `${IMAGE_SET_PREFIX}${slug}-${addedAt.getTime().toString(36)}`;
}

/** Whether a set fits a model: same image size, grey input, the same number of classes. */
export function imageSetFits(s: Pick<ImageSetSummary, 'rows' | 'cols' | 'classNames'>, model: { kind: string; inputShape: number[]; classNames: string[] }): boolean {
  const [h, w, c] = model.inputShape;
  return model.kind === 'image' && h === s.rows && w === s.cols && c === 1 && model.classNames.length === s.classNames.length;
}

/**
 * The storage check of a kept set (the model store's layout: `weightData` holds the pixels, then the labels; the
 * summary is the card). The full checks ran when the set was added (buildImageSet).
 */
export function checkImageSetArtifacts(a: unknown, name: string): void {
  const r = a as { weightData?: unknown } | null;
  if (typeof r !== 'object' || r === null || !(r.weightData instanceof ArrayBuffer)) throw new Error(`${name} has no image data.`);
}
