/**
 * The card of a model fine-tuned in the browser: its recipe, the held-out check and the measured figures, and the
 * model-index entry under which it joins the model lists. Saved with the weights and downloaded as card.json.
 * Built here, from plain values, so the worker only gathers them (and a Node test can check the card).
 */
import type { ModelEntry } from '../models/registry';
import { epsilonNumber } from '../util/format-epsilon';
import type { FinetuneRecipe, FinetuneWarnings } from './finetune';
import { FINETUNE_METHOD_LABELS } from './method-labels';
import type { EvalPoint } from './overfitting';

export interface HeldOutRequest {
  /** The first n test examples form the fixed held-out batch (all of them when the test set is smaller: toy sets). */
  n: number;
  /** Evaluate every this many steps. */
  every: number;
  /** PGD-k steps (α = 2.5 ε / k) and random restarts. */
  pgdSteps: number;
  restarts: number;
}

export interface EpsilonCurve {
  epsilons: number[];
  /** Accuracy at each ε (ε = 0: clean). */
  before: number[];
  after: number[];
  attack: string;
  n: number;
}

/** The recipe and measured figures of a fine-tuned model: saved with it and downloaded as card.json. */
export interface FinetuneCard {
  id: string;
  name: string;
  createdAt: string;
  status: 'finished' | 'paused' | 'stopped early';
  base: { id: string; name: string };
  entry: ModelEntry;
  recipe: FinetuneRecipe;
  heldOut: HeldOutRequest & { source: string; epsilon: number; pgdStepSize: number };
  figures: {
    stepsRun: number;
    /** Step whose weights the model holds. */
    weightsFromStep: number;
    before: EvalPoint;
    after: EvalPoint;
    trainSeconds: number;
    imagesPerSecond: number;
    backend: string;
    warnings: FinetuneWarnings;
  };
  evaluations: EvalPoint[];
  curve?: EpsilonCurve;
  tfjs: string;
  /** Why the model could not be kept in the browser's storage (it is still listed for this visit). */
  notSaved?: string;
}

export interface CardInput {
  /** The name in every list; defaults to finetunedName(base, recipe) (the caller makes it unique among the models). */
  name?: string;
  id: string;
  createdAt: string;
  status: FinetuneCard['status'];
  /** The entry of the model fine-tuned (a copy of it was trained). */
  base: ModelEntry;
  recipe: FinetuneRecipe;
  heldOut: HeldOutRequest;
  /** PGD's step on the held-out batch as a multiple of ε. */
  pgdRelativeStepSize: number;
  /** Every held-out evaluation so far; the first is the base model's. */
  evaluations: EvalPoint[];
  stepsRun: number;
  weightsFromStep: number;
  after: EvalPoint;
  trainSeconds: number;
  imagesPerSecond: number;
  warnings: FinetuneWarnings;
  backend: string;
  tfjs: string;
}

/** "mnist-cnn · FGSM-RS ε 0.1": how a fine-tuned model is named in every list. */
export function finetunedName(base: ModelEntry, recipe: FinetuneRecipe): string {
  return `${base.name} · ${FINETUNE_METHOD_LABELS[recipe.method]} ε ${epsilonNumber(recipe.epsilon, 3)}`;
}

export function buildFinetuneCard(c: CardInput): FinetuneCard {
  const { base, recipe, heldOut } = c;
  const name = c.name ?? finetunedName(base, recipe);
  const method = FINETUNE_METHOD_LABELS[recipe.method];
  return {
    id: c.id,
    name,
    createdAt: c.createdAt,
    status: c.status,
    base: { id: base.id, name: base.name },
    entry: {
      ...base,
      id: c.id,
      name,
      robust: true,
      epsilon: recipe.epsilon,
      description: `${base.name} fine-tuned in the browser with ${method} at ε = ${epsilonNumber(recipe.epsilon, 3)} for ${c.stepsRun} steps.`,
      card: `browser:${c.id}`,
      files: { model: 'model.json', weights: ['weights.bin'] },
    },
    recipe,
    heldOut: {
      ...heldOut,
      source: `the first ${heldOut.n} ${base.kind === 'toy' ? 'test points' : 'test images'} of ${base.dataset}`,
      epsilon: recipe.epsilon,
      pgdStepSize: c.pgdRelativeStepSize * recipe.epsilon,
    },
    figures: {
      stepsRun: c.stepsRun,
      weightsFromStep: c.weightsFromStep,
      before: c.evaluations[0],
      after: c.after,
      trainSeconds: c.trainSeconds,
      imagesPerSecond: c.imagesPerSecond,
      backend: c.backend,
      warnings: c.warnings,
    },
    evaluations: [...c.evaluations],
    tfjs: c.tfjs,
  };
}

/**
 * Checks a card read back from the browser's storage before anything shows or uses it: the fields every list and
 * the model registry read. Storage may hold a card from an older version, a half-written one or one edited by hand;
 * a card that fails is listed as damaged (with Delete) instead of breaking the list of every other model.
 */
export function checkFinetuneCard(card: unknown): void {
  const c = card as Partial<FinetuneCard> | null;
  const fail = (what: string): never => {
    throw new Error(what);
  };
  if (typeof c !== 'object' || c === null) fail('it is not a card');
  const isText = (v: unknown) => typeof v === 'string' && v !== '';
  const isFraction = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
  const isPoint = (p: unknown) => typeof p === 'object' && p !== null && ['clean', 'robust'].every((k) => isFraction((p as Record<string, unknown>)[k]));
  if (!isText(c!.id) || !isText(c!.name)) fail('it has no name');
  if (!['finished', 'paused', 'stopped early'].includes(c!.status as string)) fail('its status is unknown');
  if (typeof c!.base !== 'object' || c!.base === null || !isText(c!.base.id)) fail('it does not say which model was fine-tuned');
  const e = c!.entry;
  if (typeof e !== 'object' || e === null || e.id !== c!.id || !Array.isArray(e.inputShape)) fail('its model description is missing');
  if (typeof c!.recipe !== 'object' || c!.recipe === null || typeof c!.recipe.method !== 'string' || typeof c!.recipe.epsilon !== 'number') fail('its recipe is missing');
  const f = c!.figures;
  if (typeof f !== 'object' || f === null || !Number.isFinite(f.stepsRun) || !Number.isFinite(f.weightsFromStep) || !isPoint(f.before) || !isPoint(f.after))
    fail('its measured figures are missing');
  if (!Array.isArray(c!.evaluations)) fail('its evaluations are missing');
}
