/**
 * One table per panel of numeric parameters (src/lib/validate/numeric.ts): the panel's field, its address key and
 * the worker method must accept exactly the same values. For every entry this walks the edges — min, max, just
 * outside each, a fraction where a whole number is due, 1e9 — and asks each of the three:
 * - the field: NumberInput checks with checkNumber on the entry it is given (the panels pass these entries; the
 *   e2e consistency.spec types into one field per panel);
 * - the address: the panel's URL schema reads the key (through `param` on the same entry: checked below);
 * - the worker: the method is called with that value and everything else valid; a refusal must be the field's own
 *   message, and an accepted value must get past the checks (the call then fails later on a model that does not
 *   exist, or succeeds).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useServedApp } from './serve-from-disk';
import { epsilonMax } from '../../src/ui/components/epsilon-scale';
import { api } from '../../src/worker/api';
import { checkNumber, DEFENSE_FIELDS, fieldMessage, FINETUNE_FIELDS, REPORT_FIELDS, SLICE_FIELDS, TOY_FIELDS, TRADEOFF_FIELDS, ValidationError, type NumberField } from '../../src/lib/validate/numeric';
import { DEFAULT_HELD_OUT_REQUEST, DEFAULT_RECIPE, RECIPE_URL } from '../../src/ui/panels/finetune/recipe-state';
import { TOY_URL } from '../../src/ui/panels/boundaries/toy-state.svelte';
import { CURVES_URL, SMOOTHING_URL, settingUrl } from '../../src/ui/panels/defenses/defenses-state.svelte';
import { DEFENSES, settingField } from '../../src/lib/defenses/catalog';
import { SLICE_URL } from '../../src/ui/panels/boundaries/slice-state.svelte';
import { CURVES_URL as TRADEOFF_URL, REPORT_URL } from '../../src/ui/panels/tradeoff/tradeoff-state.svelte';
import { labSchema } from '../../src/ui/panels/attack-lab/lab-state';
import type { Field, UrlState } from '../../src/ui/state/url-schema';
import type { ParamField } from '../../src/ui/state/param';

/** Values at and around the entry's edges. */
function probes(f: NumberField): number[] {
  const d = f.integer ? 1 : Math.max(f.max * 1e-3, 1e-6);
  const out = [f.min, f.max, f.min - d, f.max + d, (f.min + f.max) / 2, 1e9, -1];
  if (f.integer) out.push(f.min + 0.5);
  return [...new Set(out)];
}

const accepts = (f: NumberField, v: number) => {
  try {
    checkNumber(v, f);
    return true;
  } catch {
    return false;
  }
};

/** What the worker said: 'accepted' when the checks passed, else the refusal's message. */
async function workerVerdict(call: () => Promise<unknown>, f: NumberField): Promise<string> {
  try {
    await call();
    return 'accepted';
  } catch (err) {
    const message = (err as Error).message;
    // Past the checks, the call meets the model that does not exist (or another later problem): accepted.
    if (!(err instanceof ValidationError) || !message.startsWith(f.label)) return 'accepted';
    return message;
  }
}

interface Case {
  /** The entry of the panel's table. */
  field: NumberField;
  /** The panel's address schema and key for it. */
  url: [AnyUrl, string];
  /**
   * The worker call with this value and everything else valid; null for a number the worker never receives (the
   * trade-off ε step: the worker gets the grid the form makes from it, and checks the grid's top).
   */
  worker: ((v: number) => Promise<unknown>) | null;
}

const TOY_SETUP = { dataset: 'blobs' as const, n: 100, noise: 0.1, seed: 4, classes: 3, layers: 1, width: 4, activation: 'tanh' as const };
const TOY_ATTACK = { attackId: 'pgd', norm: 'linf' as const, epsilon: 0.1, steps: 2, point: [0.1, 0.2] as [number, number], label: 0 };
const TOY_TRAIN = { steps: 1, method: 'pgd' as const, epsilon: 0.1, learningRate: 0.01, batchSize: 16 };
const NO_MODEL = 'no-such-model';
const jpeg = DEFENSES.find((d) => d.id === 'jpeg')!;

type AnyUrl = UrlState<Record<string, Field<unknown>>>;
const toy = TOY_URL as unknown as AnyUrl;
const curves = CURVES_URL as unknown as AnyUrl;
const smoothing = SMOOTHING_URL as unknown as AnyUrl;
const jpegSetting = settingUrl('jpeg') as unknown as AnyUrl;
const recipe = RECIPE_URL as unknown as AnyUrl;
const slice = SLICE_URL as unknown as AnyUrl;
const curvesT = TRADEOFF_URL as unknown as AnyUrl;
const reportT = REPORT_URL as unknown as AnyUrl;
const SLICE = { dataset: 'mnist' as const, imageIndex: 0, modelIds: [NO_MODEL], planeModelId: NO_MODEL, direction: 'gradient-sign' as const, epsilon: 0.1, extent: 0.5, resolution: 64, seed: 1 };
const sliceWith = (change: object) => () => api.imageSlice('slice', { ...SLICE, ...change });
const CURVES = { modelIds: [NO_MODEL], attacks: [{ id: 'pgd' }], epsilons: [0.1], n: 10 };
const curvesWith = (change: object) => () => api.robustnessCurves('curves', { ...CURVES, ...change });
const reportWith = (change: object, settings?: object) => () => api.robustnessReport('report', { modelId: NO_MODEL, epsilon: 0.1, n: 10, ...change, settings });
/** A fine-tuning request with one recipe or held-out number changed; the base model does not exist. */
const finetune = (change: { recipe?: object; heldOut?: object }) => () =>
  api.finetuneStart(`ft-${Math.random()}`, {
    baseModelId: NO_MODEL,
    recipe: { ...DEFAULT_RECIPE, ...change.recipe },
    heldOut: { ...DEFAULT_HELD_OUT_REQUEST, ...change.heldOut },
    earlyStop: true,
  });

const CASES: Record<string, Case> = {
  'toy classes': { field: TOY_FIELDS.classes, url: [toy, 'b-classes'], worker: (v) => api.toyCreate({ ...TOY_SETUP, classes: v }) },
  'toy noise': { field: TOY_FIELDS.noise, url: [toy, 'b-noise'], worker: (v) => api.toyCreate({ ...TOY_SETUP, noise: v }) },
  'toy n': { field: TOY_FIELDS.n, url: [toy, 'b-n'], worker: (v) => api.toyCreate({ ...TOY_SETUP, n: v }) },
  'toy imbalance': { field: TOY_FIELDS.imbalance, url: [toy, 'b-imb'], worker: (v) => api.toyCreate({ ...TOY_SETUP, imbalance: v }) },
  'toy seed': { field: TOY_FIELDS.seed, url: [toy, 'b-seed'], worker: (v) => api.toyCreate({ ...TOY_SETUP, seed: v }) },
  'toy layers': { field: TOY_FIELDS.layers, url: [toy, 'b-layers'], worker: (v) => api.toyCreate({ ...TOY_SETUP, layers: v }) },
  'toy width': { field: TOY_FIELDS.width, url: [toy, 'b-width'], worker: (v) => api.toyCreate({ ...TOY_SETUP, width: v }) },
  'toy learning rate': { field: TOY_FIELDS.learningRate, url: [toy, 'b-lr'], worker: (v) => api.toyTrain('t', { ...TOY_TRAIN, learningRate: v }) },
  'toy batch': { field: TOY_FIELDS.batchSize, url: [toy, 'b-batch'], worker: (v) => api.toyTrain('t', { ...TOY_TRAIN, batchSize: v }) },
  'toy ε (attack)': { field: TOY_FIELDS.epsilon, url: [toy, 'b-eps'], worker: (v) => api.toyAttackPoint('p', { ...TOY_ATTACK, epsilon: v }) },
  'toy ε (training)': { field: TOY_FIELDS.epsilon, url: [toy, 'b-eps'], worker: (v) => api.toyTrain('t', { ...TOY_TRAIN, epsilon: v }) },
  'toy σ': { field: TOY_FIELDS.certSigma, url: [toy, 'b-csigma'], worker: (v) => api.toyCertifyPoint('c', { point: [0, 0], sigma: v, draws: 100 }) },
  'toy draws': { field: TOY_FIELDS.certDraws, url: [toy, 'b-cdraws'], worker: (v) => api.toyCertifyPoint('c', { point: [0, 0], sigma: 0.1, draws: v }) },
  'defense largest ε': {
    field: DEFENSE_FIELDS.maxEpsilon,
    url: [curves, 'deps'],
    worker: (v) => api.defenseCurves('d', { modelId: NO_MODEL, defense: 'jpeg', epsilons: [0, v], n: 10, steps: 5 }),
  },
  'defense images': { field: DEFENSE_FIELDS.n, url: [curves, 'dn'], worker: (v) => api.defenseCurves('d', { modelId: NO_MODEL, defense: 'jpeg', epsilons: [0, 0.1], n: v, steps: 5 }) },
  'defense steps': { field: DEFENSE_FIELDS.steps, url: [curves, 'dsteps'], worker: (v) => api.defenseCurves('d', { modelId: NO_MODEL, defense: 'jpeg', epsilons: [0, 0.1], n: 10, steps: v }) },
  'defense setting (JPEG quality)': {
    field: settingField(jpeg.setting!),
    url: [jpegSetting, 'dval'],
    worker: (v) => api.defenseCurves('d', { modelId: NO_MODEL, defense: 'jpeg', value: v, epsilons: [0, 0.1], n: 10, steps: 5 }),
  },
  'smoothing σ': { field: DEFENSE_FIELDS.sigma, url: [smoothing, 'ssigma'], worker: (v) => api.smoothingCurves('s', { modelId: NO_MODEL, sigma: v, radii: [0.5], n: 10, draws: 100 }) },
  'smoothing images': { field: DEFENSE_FIELDS.smoothingN, url: [smoothing, 'sn'], worker: (v) => api.smoothingCurves('s', { modelId: NO_MODEL, sigma: 0.25, radii: [0.5], n: v, draws: 100 }) },
  'smoothing draws': { field: DEFENSE_FIELDS.draws, url: [smoothing, 'sdraws'], worker: (v) => api.smoothingCurves('s', { modelId: NO_MODEL, sigma: 0.25, radii: [0.5], n: 10, draws: v }) },
  'fine-tuning ε': { field: FINETUNE_FIELDS.epsilon, url: [recipe, 'ftEps'], worker: (v) => finetune({ recipe: { epsilon: v } })() },
  'fine-tuning ε ramp': { field: FINETUNE_FIELDS.epsilonRamp, url: [recipe, 'ftRamp'], worker: (v) => finetune({ recipe: { epsilonRamp: v } })() },
  'fine-tuning k': { field: FINETUNE_FIELDS.attackSteps, url: [recipe, 'ftK'], worker: (v) => finetune({ recipe: { attackSteps: v } })() },
  'fine-tuning β': { field: FINETUNE_FIELDS.tradesBeta, url: [recipe, 'ftBeta'], worker: (v) => finetune({ recipe: { tradesBeta: v } })() },
  'fine-tuning share': { field: FINETUNE_FIELDS.adversarialShare, url: [recipe, 'ftAdv'], worker: (v) => finetune({ recipe: { adversarialShare: v } })() },
  'fine-tuning α': { field: FINETUNE_FIELDS.relativeStepSize, url: [recipe, 'ftAlpha'], worker: (v) => finetune({ recipe: { relativeStepSize: v } })() },
  'fine-tuning learning rate': { field: FINETUNE_FIELDS.learningRate, url: [recipe, 'ftLr'], worker: (v) => finetune({ recipe: { learningRate: v } })() },
  'fine-tuning steps': { field: FINETUNE_FIELDS.steps, url: [recipe, 'ftSteps'], worker: (v) => finetune({ recipe: { steps: v } })() },
  'fine-tuning seed': { field: FINETUNE_FIELDS.seed, url: [recipe, 'ftSeed'], worker: (v) => finetune({ recipe: { seed: v } })() },
  'fine-tuning held-out n': { field: FINETUNE_FIELDS.heldOutN, url: [recipe, 'ftN'], worker: (v) => finetune({ heldOut: { n: v } })() },
  'fine-tuning every': { field: FINETUNE_FIELDS.every, url: [recipe, 'ftEvery'], worker: (v) => finetune({ heldOut: { every: v } })() },
  'fine-tuning PGD steps': { field: FINETUNE_FIELDS.pgdSteps, url: [recipe, 'ftPgd'], worker: (v) => finetune({ heldOut: { pgdSteps: v } })() },
  'slice ε': { field: SLICE_FIELDS.epsilon, url: [slice, 'b-seps'], worker: (v) => sliceWith({ epsilon: v })() },
  'slice extent': { field: SLICE_FIELDS.extent, url: [slice, 'b-extent'], worker: (v) => sliceWith({ extent: v })() },
  'slice grid': { field: SLICE_FIELDS.resolution, url: [slice, 'b-res'], worker: (v) => sliceWith({ resolution: v })() },
  'slice image': { field: SLICE_FIELDS.imageIndex, url: [slice, 'b-img'], worker: (v) => sliceWith({ imageIndex: v })() },
  'slice seed': { field: SLICE_FIELDS.planeSeed, url: [slice, 'b-pseed'], worker: (v) => sliceWith({ seed: v })() },
  'trade-off largest ε': { field: TRADEOFF_FIELDS.epsMax, url: [curvesT, 'temax'], worker: (v) => curvesWith({ epsilons: [v] })() },
  'trade-off ε step': { field: TRADEOFF_FIELDS.epsStep, url: [curvesT, 'testep'], worker: null },
  'trade-off N': { field: TRADEOFF_FIELDS.n, url: [curvesT, 'tn'], worker: (v) => curvesWith({ n: v })() },
  'trade-off steps': { field: TRADEOFF_FIELDS.steps, url: [curvesT, 'tsteps'], worker: (v) => curvesWith({ attacks: [{ id: 'pgd', options: { steps: v } }] })() },
  'trade-off restarts': { field: TRADEOFF_FIELDS.restarts, url: [curvesT, 'trestarts'], worker: (v) => curvesWith({ attacks: [{ id: 'pgd', options: { restarts: v } }] })() },
  'trade-off queries': { field: TRADEOFF_FIELDS.queryBudget, url: [curvesT, 'tqueries'], worker: (v) => curvesWith({ attacks: [{ id: 'square', options: { queryBudget: v } }] })() },
  'report ε': { field: REPORT_FIELDS.epsilon, url: [reportT, 'reps'], worker: (v) => reportWith({ epsilon: v })() },
  'report N': { field: REPORT_FIELDS.reportN, url: [reportT, 'rn'], worker: (v) => reportWith({ n: v })() },
  'report PGD steps': { field: REPORT_FIELDS.steps, url: [reportT, 'rsteps'], worker: (v) => reportWith({}, { steps: v })() },
  'report restarts': { field: REPORT_FIELDS.restarts, url: [reportT, 'rrestarts'], worker: (v) => reportWith({}, { restarts: v })() },
  'report APGD steps': { field: REPORT_FIELDS.apgdSteps, url: [reportT, 'rapgd'], worker: (v) => reportWith({}, { apgdSteps: v })() },
  'report queries': { field: REPORT_FIELDS.queryBudget, url: [reportT, 'rqueries'], worker: (v) => reportWith({}, { queryBudget: v })() },
  'report noise draws': { field: REPORT_FIELDS.noiseSamples, url: [reportT, 'rnoise'], worker: (v) => reportWith({}, { noiseSamples: v })() },
  'report C&W iterations': { field: REPORT_FIELDS.cwSteps, url: [reportT, 'rcw'], worker: (v) => reportWith({}, { cwSteps: v })() },
};

/**
 * Attack Lab keys that still keep bounds of their own (the attack's options are checked by the library's
 * validate.ts when it runs). Listed so that the walk below fails for any other numeric key off a table.
 */
const LAB_OWN_BOUNDS = ['eps', 'steps', 'alpha', 'restarts', 'target', 'img', 'cls', 'shuffle'];

describe('each panel parameter: the field, the address and the worker accept the same values', () => {
  beforeAll(async () => {
    await api.init('?backend=wasm');
    await api.toyCreate(TOY_SETUP);
  });

  it('every entry of every panel table is walked, and every numeric address key reads its entry', () => {
    const walked = new Set(Object.values(CASES).map((c) => c.field));
    const tables = [TOY_FIELDS, DEFENSE_FIELDS, FINETUNE_FIELDS, SLICE_FIELDS, TRADEOFF_FIELDS, REPORT_FIELDS];
    for (const f of tables.flatMap((t) => Object.values<NumberField>(t))) expect(walked.has(f), f.label).toBe(true);
    for (const [name, c] of Object.entries(CASES)) {
      const [schema, key] = c.url;
      const declared = schema.fields[key] as Partial<ParamField<number>> | undefined;
      // The key reads the very entry the field and the worker use (for the defense setting: an equal one).
      expect(declared?.param, `${name}: ${key}`).toEqual(c.field);
      if (key !== 'dval') expect(declared?.param, `${name}: ${key}`).toBe(c.field);
    }
    // No numeric address key keeps bounds of its own: every panel's schema (each defense's setting, both norms of
    // the Attack Lab), apart from the Attack Lab keys listed above.
    const settings = DEFENSES.map((d) => settingUrl(d.id) as unknown as AnyUrl | null).filter((u) => u !== null);
    const lab = (['linf', 'l2'] as const).map((norm) => labSchema([], [], '', '', norm) as unknown as AnyUrl);
    const offTable: string[] = [];
    for (const schema of [toy, curves, smoothing, recipe, slice, curvesT, reportT, ...settings, ...lab]) {
      for (const [key, f] of Object.entries(schema.fields)) {
        // A numeric key reads a number from a numeric value (choices, names and flags do not).
        const numeric = typeof f.parse('1', key) === 'number' || typeof f.parse(undefined, key) === 'number';
        if (numeric && (f as Partial<ParamField<number>>).param === undefined) offTable.push(key);
      }
    }
    expect([...new Set(offTable)].sort()).toEqual([...LAB_OWN_BOUNDS].sort());
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: ${c.field.label} from ${c.field.min} to ${c.field.max}`, async () => {
      const [schema, key] = c.url;
      for (const v of probes(c.field)) {
        const ok = accepts(c.field, v);
        // The address: the value itself when accepted, the default (and a report) otherwise.
        const read = (schema.read({ [key]: String(v) }) as Record<string, unknown>)[key];
        if (ok) expect(read, `${key}=${v}`).toBe(v);
        else expect(read, `${key}=${v}`).not.toBe(v);
        // The worker: the field's own message for a refused value, past the checks for an accepted one.
        if (c.worker === null) continue;
        const worker = c.worker;
        const verdict = await workerVerdict(() => worker(v), c.field);
        expect(verdict, `${name} = ${v}`).toBe(ok ? 'accepted' : fieldMessage(c.field, v));
      }
    });
  }
});


describe('the Attack Lab ε: the worker takes exactly what the ε field and the address take', () => {
  useServedApp();
  const image = new Float32Array(28 * 28).fill(0.5);
  for (const norm of ['linf', 'l2'] as const) {
    // The field (EpsilonInput) and the address (lab-state.ts) both end at epsilonMax(norm).
    const field: NumberField = { label: `ε (${norm === 'linf' ? 'L∞' : 'L2'})`, min: 0, max: epsilonMax(norm), integer: false };
    it(`${norm}: up to ${field.max}`, async () => {
      for (const v of [field.max, field.max * 1.01, 1, 2 * field.max]) {
        const run = () => api.runAttack('lab-eps', { modelId: 'mnist-cnn', attackId: norm === 'linf' ? 'fgsm' : 'pgd-l2', options: norm === 'linf' ? { epsilons: [v] } : { epsilons: [v], steps: 1 }, image, label: 3 });
        expect(await workerVerdict(run, field), `${norm} ε = ${v}`).toBe(accepts(field, v) ? 'accepted' : fieldMessage(field, v));
      }
    });
  }
});
