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
import { api } from '../../src/worker/api';
import { checkNumber, DEFENSE_FIELDS, fieldMessage, TOY_FIELDS, ValidationError, type NumberField } from '../../src/lib/validate/numeric';
import { TOY_URL } from '../../src/ui/panels/boundaries/toy-state.svelte';
import { CURVES_URL, SMOOTHING_URL, settingUrl } from '../../src/ui/panels/defenses/defenses-state.svelte';
import { DEFENSES, settingField } from '../../src/lib/defenses/catalog';
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
  /** The worker call with this value and everything else valid. */
  worker: (v: number) => Promise<unknown>;
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

const CASES: Record<string, Case> = {
  'toy classes': { field: TOY_FIELDS.classes, url: [toy, 'b-classes'], worker: (v) => api.toyCreate({ ...TOY_SETUP, classes: v }) },
  'toy noise': { field: TOY_FIELDS.noise, url: [toy, 'b-noise'], worker: (v) => api.toyCreate({ ...TOY_SETUP, noise: v }) },
  'toy n': { field: TOY_FIELDS.n, url: [toy, 'b-n'], worker: (v) => api.toyCreate({ ...TOY_SETUP, n: v }) },
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
};

describe('each panel parameter: the field, the address and the worker accept the same values', () => {
  beforeAll(async () => {
    await api.init('?backend=wasm');
    await api.toyCreate(TOY_SETUP);
  });

  it('every entry of the toy and defense tables is walked, and every numeric address key reads its entry', () => {
    const walked = new Set(Object.values(CASES).map((c) => c.field));
    for (const f of [...Object.values(TOY_FIELDS), ...Object.values(DEFENSE_FIELDS)]) expect(walked.has(f), f.label).toBe(true);
    for (const [name, c] of Object.entries(CASES)) {
      const [schema, key] = c.url;
      const declared = schema.fields[key] as Partial<ParamField<number>> | undefined;
      // The key reads the very entry the field and the worker use (for the defense setting: an equal one).
      expect(declared?.param, `${name}: ${key}`).toEqual(c.field);
      if (key !== 'dval') expect(declared?.param, `${name}: ${key}`).toBe(c.field);
    }
    // No numeric key of these panels keeps bounds of its own.
    for (const schema of [toy, curves, smoothing]) {
      for (const [key, f] of Object.entries(schema.fields)) {
        // A numeric key's default is a number (choices, names and flags are not).
        if (typeof f.parse(undefined, key) === 'number') expect((f as Partial<ParamField<number>>).param, key).toBeDefined();
      }
    }
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
        const verdict = await workerVerdict(() => c.worker(v), c.field);
        expect(verdict, `${name} = ${v}`).toBe(ok ? 'accepted' : fieldMessage(c.field, v));
      }
    });
  }
});

