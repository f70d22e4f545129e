/**
 * Argument checks shared by the engine's façades (src/worker/*-api.ts). Every failure is a ValidationError whose
 * message names the setting in words (not as code: "Steps", not "request.settings.steps"), says what was expected
 * and what was given, so the UI can show it as it is. Bounds that are limits of the app come from
 * src/lib/validate/limits.ts through FIELDS, so the fields, the address and the worker agree. Attack options are
 * also checked by the library (src/lib/attacks/validate.ts) when the attack runs.
 */
import { describeGiven, fieldMessage, FIELDS, ValidationError, checkNumber as checkField, type NumberField } from '../lib/validate/numeric';

export function fail(message: string): never {
  throw new ValidationError('', message);
}

/** Words for the argument names the façades use; others are turned from camelCase into words. */
const LABELS: Record<string, string> = {
  n: 'Number of test images',
  n0: 'Number of selection draws',
  epsilon: 'ε',
  maxEpsilon: 'Largest ε',
  epsilons: 'ε',
  steps: FIELDS.steps.label,
  restarts: FIELDS.restarts.label,
  batchSize: FIELDS.batch.label,
  queryBudget: FIELDS.queryBudget.label,
  samples: 'Number of samples',
  draws: FIELDS.draws.label,
  predictDraws: 'Number of prediction draws',
  seed: 'Seed',
  modelSeed: 'Model seed',
  rounds: 'Bisection rounds',
  noise: 'Noise',
  classes: 'Number of classes',
  layers: 'Hidden layers',
  width: 'Layer width',
  learningRate: FIELDS.learningRate.label,
  resolution: 'Resolution',
  sigma: 'σ (noise level)',
  alpha: 'Significance level α',
  label: 'Class',
  goal: 'Goal class',
  views: 'Number of views',
  index: 'Image number',
  extent: 'Extent',
  count: 'Number of images',
  offset: 'First image',
  apgdSteps: 'APGD steps',
  cwSteps: 'C&W iterations',
  noiseSamples: 'Noise draws',
  stepSize: FIELDS.stepSize.label,
  every: 'Evaluate every (steps)',
  pgdSteps: 'PGD steps of the held-out check',
};

/** The limit behind a setting, whose reason a "too large" message adds. */
const LIMIT_OF: Record<string, NumberField['limit']> = { steps: 'steps', restarts: 'restarts', batchSize: 'batch', queryBudget: 'queryBudget', draws: 'draws', apgdSteps: 'steps', cwSteps: 'steps' };

/** "request.attacks[0].options.steps" → "Steps"; "planeModelId" → "Plane model id". */
export function labelFor(name: string): string {
  const last = name.replace(/\[\d+\]/g, '').split('.').filter(Boolean).pop() ?? name;
  if (LABELS[last]) return LABELS[last];
  const words = last.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A job id chosen by the UI (see jobs.ts). */
export function checkJobId(jobId: unknown): string {
  if (typeof jobId !== 'string' || jobId === '' || jobId.length > 200) fail(`The job id (jobId) must be a non-empty short text; got ${describeGiven(jobId)}.`);
  return jobId;
}

/** A finite number in [lo, hi] (a whole number when asked): a number, never a string that looks like one. */
export function checkNumber(v: unknown, name: string, lo: number, hi: number, integer = false): number {
  const last = name.replace(/\[\d+\]/g, '').split('.').pop() ?? name;
  const field: NumberField = { label: labelFor(name), min: lo, max: hi, integer, limit: LIMIT_OF[last] };
  if (typeof v !== 'number') throw new ValidationError(field.label, fieldMessage(field, v));
  return checkField(v, field);
}

/** A parameter of a panel's table (numeric.ts TOY_FIELDS, …): a number within the entry's bounds, never a string. */
export function checkParam(v: unknown, f: NumberField): number {
  if (typeof v !== 'number') throw new ValidationError(f.label, fieldMessage(f, v));
  return checkField(v, f);
}

/** One of a fixed set of strings. */
export function checkChoice<T extends string>(v: unknown, name: string, choices: readonly T[]): T {
  if (!(choices as readonly unknown[]).includes(v)) fail(`${labelFor(name)} must be one of ${choices.join(', ')}; got ${describeGiven(v)}.`);
  return v as T;
}

/** A request argument that must be an object (its fields are checked one by one afterwards). */
export function checkObject(v: unknown, name: string, shape: string): Record<string, unknown> {
  if (v == null || typeof v !== 'object' || Array.isArray(v)) fail(`${labelFor(name)} must be a set of named values ${shape}; got ${describeGiven(v)}.`);
  return v as Record<string, unknown>;
}
