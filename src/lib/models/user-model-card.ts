/**
 * What the playground keeps about a model a person brought: their name for it, what they stated (input range,
 * normalisation, class names), which test set its gallery and evaluations use, and what the loader noticed. The
 * index entry every panel lists is derived from it. Tfjs-free (types only from the loader).
 */
import type { ModelEntry } from './registry';
import type { UserModelReport, UserModelSettings } from './user-model';

/** Test sets a brought model may be evaluated on (same input shape and number of classes), or none. */
export const USER_MODEL_DATASETS = ['mnist', 'fashion-mnist', 'none'] as const;
export type UserModelDataset = (typeof USER_MODEL_DATASETS)[number];

export interface UserModelCard {
  id: string;
  name: string;
  settings: UserModelSettings;
  dataset: UserModelDataset;
  report: UserModelReport;
  /** ISO time it was added. */
  addedAt: string;
}

/** The shipped test sets are 28×28 grey images of 10 classes. */
export function datasetFits(dataset: UserModelDataset, report: Pick<UserModelReport, 'inputShape' | 'numClasses'>): boolean {
  if (dataset === 'none') return true;
  const [h, w, c] = report.inputShape;
  return report.inputShape.length === 3 && h === 28 && w === 28 && c === 1 && report.numClasses === 10;
}

/** The test set a new model starts with: MNIST when it fits, else none. */
export function defaultDataset(report: Pick<UserModelReport, 'inputShape' | 'numClasses'>): UserModelDataset {
  return datasetFits('mnist', report) ? 'mnist' : 'none';
}

/** A readable, stable id: "user-" + a slug of the name + the time it was added. */
export function userModelId(name: string, addedAt: Date): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 24) || 'model';
  return `user-${slug}-${addedAt.getTime().toString(36)}`;
}

/** The model-list entry of a brought model. */
export function userModelEntry(card: UserModelCard): ModelEntry {
  const r = card.report;
  const what = r.format === 'graph' ? 'graph model' : 'layers model';
  return {
    id: card.id,
    name: card.name,
    dataset: card.dataset === 'none' ? 'user' : card.dataset,
    kind: r.kind,
    inputShape: r.inputShape,
    classNames: card.settings.classNames,
    bounds: r.kind === 'image' ? [0, 1] : card.settings.inputRange,
    description: `Your tfjs ${what} (${r.inputShape.join('×')} → ${r.numClasses} classes)${r.gradients ? '' : ', gradient-free attacks only'}.`,
    robust: false,
    epsilon: null,
    card: '',
    files: { model: 'model.json', weights: ['weights.bin'] },
  };
}

/**
 * Checks a card read back from the browser's storage (the fields the lists and userModelEntry read): a card that
 * fails is kept out of the list as damaged instead of breaking every other model's entry.
 */
export function checkUserModelCard(card: unknown): void {
  const c = card as Partial<UserModelCard> | null;
  const fail = (what: string): never => {
    throw new Error(what);
  };
  if (typeof c !== 'object' || c === null) fail('it is not a card');
  if (typeof c!.id !== 'string' || c!.id === '' || typeof c!.name !== 'string' || c!.name === '') fail('it has no name');
  const r = c!.report;
  if (typeof r !== 'object' || r === null || !Array.isArray(r.inputShape) || !r.inputShape.every((d) => Number.isInteger(d) && d > 0) || !Number.isInteger(r.numClasses) || (r.kind !== 'image' && r.kind !== 'toy'))
    fail('its description of the model is missing');
  const s = c!.settings;
  if (typeof s !== 'object' || s === null || !Array.isArray(s.classNames) || !Array.isArray(s.inputRange) || s.inputRange.length !== 2) fail('its settings are missing');
  if (typeof c!.dataset !== 'string') fail('its test set is missing');
}
