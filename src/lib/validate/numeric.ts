/**
 * Numeric parameters: one description per parameter (label, range, whole or not) and one checker for values from
 * anywhere — a number field, a URL value (a string), a worker call (anything at all). Every refusal is a
 * ValidationError whose message names the field in words, the allowed range and what was given, e.g.
 * "Steps must be a whole number from 1 to 1 000; got 1e9." No tfjs: the UI imports this too.
 */
import { LIMITS, type LimitName } from './limits';
import { formatCount } from '../util/format-count';

/** A refusal meant for a person: `message` is the sentence to show, `field` the parameter's label. */
export class ValidationError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'ValidationError';
    this.field = field;
  }
}

export interface NumberField {
  /** How the UI names it, capitalised ("Steps", "Step size", "ε (L∞)"). */
  label: string;
  min: number;
  max: number;
  integer: boolean;
  /** min itself is not allowed (a step size must be > 0). */
  exclusiveMin?: boolean;
  /** The limit behind max, whose reason the message adds. */
  limit?: LimitName;
}

function fromLimit(label: string, limit: LimitName, integer = true): NumberField {
  const l = LIMITS[limit] as { max: number; min?: number };
  return { label, min: l.min ?? 1, max: l.max, integer, limit };
}

/** The parameters the panels and the worker share. Bounds come from LIMITS where a limit exists. */
export const FIELDS = {
  steps: fromLimit('Steps', 'steps'),
  restarts: fromLimit('Restarts', 'restarts'),
  batch: fromLimit('Batch size', 'batch'),
  examples: fromLimit('Number of examples', 'examples'),
  gridSize: fromLimit('Grid size', 'gridSize'),
  queryBudget: fromLimit('Query budget', 'queryBudget'),
  draws: fromLimit('Number of random draws', 'draws'),
  fineTuneSteps: fromLimit('Training steps', 'fineTuneSteps'),
  epsilonLinf: { label: 'ε (L∞)', min: 0, max: 1, integer: false },
  epsilonStep: { label: 'ε step', min: 0, max: 1, integer: false, exclusiveMin: true },
  stepSize: { label: 'Step size', min: 0, max: 1, integer: false, exclusiveMin: true },
  learningRate: { label: 'Learning rate', min: 0, max: 1, integer: false, exclusiveMin: true },
  seed: { label: 'Seed', min: 0, max: 2 ** 31 - 1, integer: true },
} as const satisfies Record<string, NumberField>;

export type FieldName = keyof typeof FIELDS;

/**
 * Each panel's numeric parameters, one entry each: the panel's field takes its bounds from here (NumberInput, or a
 * slider's min and max), the address reads the same entry (url-schema.ts `param`), and the worker method checks
 * its argument against it (checks.ts `checkParam`) — so a value the field refuses is refused by the address and
 * the worker too, and one the field accepts is used as it is. test/unit/panel-limits.test.ts walks every entry.
 */
export const TOY_FIELDS = {
  classes: { label: 'Number of classes', min: 2, max: 8, integer: true },
  noise: { label: 'Noise', min: 0, max: 0.5, integer: false },
  n: { label: 'Training points', min: 20, max: 2000, integer: true },
  // First class : last class (data/toy.ts MAX_TOY_IMBALANCE); the shipped xor and circles sets are 4 : 1.
  imbalance: { label: 'Class imbalance', min: 1, max: 20, integer: false },
  seed: { label: 'Seed', min: 0, max: 99_999, integer: true },
  layers: { label: 'Hidden layers', min: 0, max: 6, integer: true },
  width: { label: 'Layer width', min: 1, max: 128, integer: true },
  learningRate: { label: 'Learning rate', min: 0.0001, max: 1, integer: false },
  batchSize: { label: 'Batch size', min: 1, max: 512, integer: true },
  // Up to 1 data unit: the shipped blobs models are trained and shown at 0.6 (the shapes span [−1, 1]).
  epsilon: { label: 'ε', min: 0.005, max: 1, integer: false },
  certSigma: { label: 'σ (noise level)', min: 0.005, max: 2, integer: false },
  certDraws: { label: 'Number of draws N', min: 100, max: 100_000, integer: true },
} as const satisfies Record<string, NumberField>;

/**
 * Fine-tuning: the recipe's numbers (fractions where the panel shows per cent: the field scales them) and the
 * held-out check's. The smallest steps, n and every are the engine's (short runs for tests and the command line).
 */
export const FINETUNE_FIELDS = {
  epsilon: { label: 'ε (L∞)', min: 1 / 255, max: 0.5, integer: false },
  epsilonRamp: { label: 'ε ramp', min: 0, max: 1, integer: false },
  attackSteps: { label: 'Attack steps k', min: 1, max: 50, integer: true },
  tradesBeta: { label: 'TRADES β', min: 0.1, max: 20, integer: false },
  adversarialShare: { label: 'Adversarial share', min: 0.1, max: 1, integer: false },
  relativeStepSize: { label: 'Step α (× ε)', min: 0.05, max: 4, integer: false },
  learningRate: { label: 'Learning rate', min: 0.00001, max: 0.5, integer: false },
  steps: { label: 'Training steps', min: 1, max: LIMITS.fineTuneSteps.max, integer: true, limit: 'fineTuneSteps' },
  seed: { label: 'Seed', min: 0, max: 2 ** 31 - 1, integer: true },
  heldOutN: { label: 'Held-out images', min: 10, max: 1000, integer: true },
  every: { label: 'Evaluate every (steps)', min: 1, max: 500, integer: true },
  pgdSteps: { label: 'PGD steps of the held-out check', min: 1, max: 100, integer: true },
} as const satisfies Record<string, NumberField>;

export const DEFENSE_FIELDS = {
  maxEpsilon: { label: 'Largest ε (L∞)', min: 0.01, max: 1, integer: false },
  n: { label: 'Number of test images', min: 1, max: 1000, integer: true },
  steps: { label: 'PGD steps', min: 1, max: 200, integer: true },
  sigma: { label: 'σ (noise level)', min: 0.05, max: 2, integer: false },
  smoothingN: { label: 'Number of test images', min: 1, max: 500, integer: true },
  draws: { label: 'Number of draws N', min: 100, max: 100_000, integer: true },
} as const satisfies Record<string, NumberField>;

/**
 * The trade-off panel's curves form. The worker takes the grid the form makes, not max and step: it checks the
 * grid's largest ε against epsMax (a curve needs one ε above 0) and each attack's budget against these entries.
 */
export const TRADEOFF_FIELDS = {
  epsMax: { label: 'Largest ε', min: 0.001, max: 1, integer: false },
  epsStep: { label: 'ε step', min: 0, max: 1, integer: false, exclusiveMin: true },
  // At least 10: fewer make accuracies in steps of 10 % or more. Own image sets with fewer images use them all.
  n: { label: 'Test images (N)', min: 10, max: LIMITS.examples.max, integer: true, limit: 'examples' },
  steps: FIELDS.steps,
  restarts: FIELDS.restarts,
  queryBudget: { ...FIELDS.queryBudget, label: 'Square queries' },
} as const satisfies Record<string, NumberField>;

/** The robustness report: its ε and N, and the suite settings (SuiteSettings keys) a person may change. */
export const REPORT_FIELDS = {
  // At least one pixel level: at ε = 0 the report is the clean accuracy; up to 0.5, where any image can turn grey.
  epsilon: { label: 'ε (L∞)', min: 1 / 255, max: 0.5, integer: false },
  reportN: TRADEOFF_FIELDS.n,
  steps: { ...FIELDS.steps, label: 'PGD steps' },
  restarts: FIELDS.restarts,
  apgdSteps: { ...FIELDS.steps, label: 'APGD steps' },
  queryBudget: TRADEOFF_FIELDS.queryBudget,
  cwSteps: { ...FIELDS.steps, label: 'C&W iterations' },
  noiseSamples: { ...FIELDS.draws, label: 'Noise draws' },
} as const satisfies Record<string, NumberField>;

/** Image-space slices (the boundaries panel's second view). Extent and grid are picked from lists in the panel. */
export const SLICE_FIELDS = {
  epsilon: { label: 'ε (L∞)', min: 1 / 255, max: 0.5, integer: false },
  extent: { label: 'Extent ±', min: 0.05, max: 1, integer: false },
  resolution: { label: 'Grid', min: 64, max: 128, integer: true },
  // The strip offers the shipped test images; the worker also checks the image exists in the chosen set.
  imageIndex: { label: 'Test image number', min: 0, max: LIMITS.examples.max - 1, integer: true },
  planeSeed: { label: 'Seed of the random direction', min: 0, max: 99_999, integer: true },
} as const satisfies Record<string, NumberField>;

/** What was given, quoted for a message: short, never code-like (no JSON of objects, no stack). */
export function describeGiven(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'something that is not a number';
    if (!Number.isFinite(v)) return v > 0 ? 'infinity' : 'minus infinity';
    // 1e9 rather than 1000000000: the size is what matters and the exponent is how people type it.
    if (Math.abs(v) >= 1e6 && Number.isInteger(v)) return v.toExponential().replace('e+', 'e');
    return String(+v.toPrecision(8));
  }
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return 'an empty value';
    return `“${t.length > 24 ? `${t.slice(0, 24)}…` : t}”`;
  }
  if (typeof v === 'boolean') return v ? '“true”' : '“false”';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v === 'object' ? 'set of values' : typeof v}`;
}

export function rangeText(f: NumberField): string {
  const kind = f.integer ? 'a whole number' : 'a number';
  // 1/255 as 0.003922, not 0.00392156862745098; whole numbers exactly (2 147 483 647).
  const show = (v: number) => formatCount(Number.isInteger(v) ? v : +v.toPrecision(4));
  if (f.exclusiveMin) return `${kind} above ${show(f.min)} and at most ${show(f.max)}`;
  return `${kind} from ${show(f.min)} to ${show(f.max)}`;
}

/** The message for a refused value (also what a UI field shows beside itself). */
export function fieldMessage(f: NumberField, given: unknown): string {
  const base = `${f.label} must be ${rangeText(f)}; got ${describeGiven(given)}.`;
  const reason = f.limit ? LIMITS[f.limit].reason : '';
  const tooBig = typeof given === 'number' ? given > f.max : typeof given === 'string' && Number(given) > f.max;
  return tooBig && reason ? `${base} The limit is there because ${reason}.` : base;
}

/**
 * Checks one value against a field: numbers as they are, strings as a person or a URL writes them ("0.3", " 40 ").
 * Returns the number to use; throws a ValidationError otherwise. Nothing is clamped: a field shows what is used.
 */
export function checkNumber(value: unknown, f: NumberField): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && value.trim() !== '' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value.trim())) n = Number(value);
  else throw new ValidationError(f.label, fieldMessage(f, value));
  const ok = Number.isFinite(n) && (!f.integer || Number.isInteger(n)) && n <= f.max && (f.exclusiveMin ? n > f.min : n >= f.min);
  if (!ok) throw new ValidationError(f.label, fieldMessage(f, value));
  return n;
}

/** checkNumber by field name. */
export function checkField(value: unknown, name: FieldName): number {
  return checkNumber(value, FIELDS[name]);
}

/**
 * Checks an object of optional numeric parameters, e.g. a worker request's `settings`: every key must be one of
 * `fields` (an unknown key is refused with the list of known ones, by label) and every value must pass.
 */
export function checkParams<K extends string>(params: unknown, fields: Record<K, NumberField>, what = 'The settings'): Partial<Record<K, number>> {
  if (params === undefined) return {};
  if (params === null || typeof params !== 'object' || Array.isArray(params))
    throw new ValidationError(what, `${what} must be a set of named values; got ${describeGiven(params)}.`);
  const out: Partial<Record<K, number>> = {};
  for (const [key, v] of Object.entries(params as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (!Object.hasOwn(fields, key)) {
      const known = Object.values<NumberField>(fields).map((f) => f.label).join(', ');
      throw new ValidationError(what, `${what} include an unknown setting “${key.slice(0, 24)}”; known settings: ${known}.`);
    }
    out[key as K] = checkNumber(v, fields[key as K]);
  }
  return out;
}

/** A list of budgets ε (each a field value), at most LIMITS.epsilonCount of them. */
export function checkEpsilons(values: unknown, f: NumberField = FIELDS.epsilonLinf): number[] {
  if (!Array.isArray(values) || values.length === 0)
    throw new ValidationError(f.label, `Give at least one budget ${f.label}; got ${describeGiven(values)}.`);
  if (values.length > LIMITS.epsilonCount.max)
    throw new ValidationError(f.label, `At most ${LIMITS.epsilonCount.max} budgets ${f.label} per run; got ${formatCount(values.length)}. The limit is there because ${LIMITS.epsilonCount.reason}.`);
  return values.map((v) => checkNumber(v, f));
}
