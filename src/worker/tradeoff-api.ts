/**
 * The ε trade-off panel's worker methods: robust-accuracy curves for several models and attacks, streamed point by
 * point, and the robustness report of one model at one ε. Arguments are checked here with messages naming them;
 * the work is src/lib/eval; results are plain numbers and typed arrays.
 */
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import { ATTACKS, getAttack } from '../lib/attacks/registry';
import type { AttackKind, AttackNeeds, AttackOptions } from '../lib/attacks/types';
import type { EffortOption } from '../lib/attacks/types';
import { robustnessCurves, type CurveAttackRun, type CurvePoint } from '../lib/eval/curves';
import type { AttackOutcome, AttackRole, RobustnessReport } from '../lib/eval/report';
import { DEFAULT_SUITE_SETTINGS, defaultSuite, largeEpsilonFor, roleOf, runReport, type SuiteSettings } from '../lib/eval/report-run';
import { examplesFor } from './datasets';
import { isImageSetId } from '../lib/data/user-image-set';
import { measureRadii, type RadiusRun } from '../lib/eval/radius-run';
import { asJob, progressReporter, type ProgressCallback } from './jobs';
import { unlessCancelled } from '../lib/util/cancel';
import { getModel, listModels, type CachedModel, type ModelSummary } from './models';
import { checkJobId, checkNumber, checkParam, fail, labelFor } from './checks';
import { describeGiven, REPORT_FIELDS, TRADEOFF_FIELDS, type NumberField } from '../lib/validate/numeric';
import { LIMITS } from '../lib/validate/limits';
import { checkDefenseChoice, defenseLabel, type DefenseChoice } from '../lib/defenses/choice';
import { defendedModel } from '../lib/defenses/registry';
import type { AttackModel } from '../lib/attacks/types';

/** Attacks offered for the curves: L∞ attacks (the chart's ε axis is L∞), minimisation ones in their L∞ form. */
const CURVE_ATTACK_IDS = ['fgsm', 'bim', 'pgd', 'mifgsm', 'apgd-ce', 'deepfool', 'square', 'transfer', 'noise'] as const;

/** Options the UI may set per attack (the rest are the attack's defaults). */
export type CurveAttackOptions = Partial<Record<EffortOption, number>>;

export interface CurveAttackInfo {
  id: string;
  name: string;
  kind: AttackKind;
  /** 'gradients': cannot run on a model the gradient does not pass. */
  needs: AttackNeeds;
  role: AttackRole;
  description: string;
  reference: string;
  /** Which of CurveAttackOptions apply to it. */
  settable: (keyof CurveAttackOptions)[];
  defaults: CurveAttackOptions;
}

export interface CurvesRequest {
  modelIds: string[];
  attacks: { id: string; options?: CurveAttackOptions }[];
  /** L∞ budgets in [0, 1]; 0 is added. */
  epsilons: number[];
  /** The first n test images. */
  n: number;
  batchSize?: number;
  seed?: number;
  /** The crafting model of the transfer attack. */
  surrogateModelId?: string;
  /** A person's own image set ("images:…") to evaluate on instead of the models' test set. */
  evalSet?: string;
  /** An input-transform defense in front of every model (attacked with its gradient mode, judged as deployed). */
  defense?: DefenseChoice;
}

export interface CurvesResult {
  dataset: string;
  epsilons: number[];
  n: number;
  points: CurvePoint[];
  /** Every hyperparameter of each attack as run. */
  attacks: { id: string; name: string; hyperparameters: Record<string, number | string | boolean> }[];
  cleanAccuracy: Record<string, number>;
  seconds: number;
}

export interface RobustnessReportRequest {
  modelId: string;
  /** L∞ budget in (0, 1]. */
  epsilon: number;
  n: number;
  settings?: Partial<SuiteSettings>;
  /** The transfer row's crafting model; without one the row is skipped. With a defense it may be the model itself
   * (the undefended network: a transfer attack that never differentiates through the transform). */
  surrogateModelId?: string;
  /** An input-transform defense in front of the model (attacked with its gradient mode, judged as deployed). */
  defense?: DefenseChoice;
  seed?: number;
  batchSize?: number;
  /** A person's own image set ("images:…") to evaluate on instead of the model's test set. */
  evalSet?: string;
}

export interface RadiiRequest {
  modelId: string;
  n: number;
  /** Largest L∞ ε searched, in (0, 1]. */
  maxEpsilon: number;
  rounds?: number;
  steps?: number;
  restarts?: number;
  seed?: number;
  /** A person's own image set ("images:…") instead of the model's test set. */
  evalSet?: string;
}

export type { CurvePoint, RobustnessReport, AttackOutcome, SuiteSettings, RadiusRun };

/** The options a person may set per curve attack: those that set its budget (the registry's `effort`). */
function settableOf(id: string): (keyof CurveAttackOptions)[] {
  return [...(getAttack(id).effort ?? [])];
}

const checkInt = (v: unknown, name: string, lo: number, hi: number) => checkNumber(v, name, lo, hi, true);

function checkAttackOptions(id: string, raw: unknown, where: string): CurveAttackOptions {
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== 'object') fail(`${where} must be an object`);
  const o = raw as Record<string, unknown>;
  const allowed = settableOf(id);
  const out: CurveAttackOptions = {};
  const limits: Record<keyof CurveAttackOptions, [number, number]> = {
    steps: [1, LIMITS.steps.max],
    restarts: [1, LIMITS.restarts.max],
    queryBudget: [1, LIMITS.queryBudget.max],
    samples: [1, LIMITS.draws.max],
  };
  for (const key of Object.keys(o)) {
    if (o[key] === undefined) continue;
    if (!(allowed as string[]).includes(key)) fail(`${labelFor(key)} does not apply to ${getAttack(id).name} (it takes ${allowed.map(labelFor).join(', ') || 'no settings'}).`);
    const k = key as keyof CurveAttackOptions;
    // The budgets the curves form sets are checked against its entries (the same words and bounds as the form's).
    out[k] = k === 'samples' ? checkInt(o[key], `${where}.${key}`, ...limits[k]) : checkParam(o[key], TRADEOFF_FIELDS[k]);
  }
  return out;
}

function checkEvalSet(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !isImageSetId(v)) fail(`The evaluation set must be one of your image sets; got ${describeGiven(v)}.`);
  return v;
}

function checkEpsilon(e: unknown, name: string): number {
  // L∞ on images in [0, 1]: a budget of 1 already allows any image.
  return checkNumber(e, name, 0, 1);
}

async function imageModel(id: unknown, name: string): Promise<CachedModel> {
  if (typeof id !== 'string' || id === '') fail(`${name} must be a model id, got ${JSON.stringify(id)}`);
  const m = await getModel(id);
  if (m.entry.kind !== 'image') fail(`${name}: ${id} is a ${m.entry.kind} model; the trade-off panel evaluates image models`);
  return m;
}

/** The model as the attacks see it: behind the chosen defense, if any. */
function attacked(model: CachedModel, defense: DefenseChoice | undefined): AttackModel {
  return defense ? defendedModel(model.attackModel, defense) : model.attackModel;
}

/** The attack options as the library takes them (L∞ for DeepFool). */
function libraryOptions(id: string, o: CurveAttackOptions): Omit<AttackOptions, 'epsilons'> {
  return id === 'deepfool' ? { ...o, norm: 'linf' } : { ...o };
}

function effectiveHyperparameters(id: string, o: CurveAttackOptions): Record<string, number | string | boolean> {
  const spec = getAttack(id);
  const out: Record<string, number | string | boolean> = { norm: 'linf' };
  const merged = { ...spec.defaults, ...libraryOptions(id, o) } as Record<string, unknown>;
  for (const [k, v] of Object.entries(merged)) {
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/**
 * Images per batch when the request names none. A batch's gradient is the longest stretch between two cancellation
 * points. With 100 mnist-cnn images a Cancel took 130–360 ms from click to idle on wasm on a busy two-core machine
 * (test/e2e/cancel.spec.ts); half that keeps it inside the 200 ms it may take.
 */
const DEFAULT_BATCH = 50;

export const tradeoffApi = {
  /** The attacks the curves can use, with their settable options and defaults. */
  tradeoffAttacks(): CurveAttackInfo[] {
    return CURVE_ATTACK_IDS.filter((id) => ATTACKS.some((a) => a.id === id)).map((id) => {
      const spec = getAttack(id);
      const settable = settableOf(id);
      const defaults: CurveAttackOptions = {};
      for (const k of settable) {
        const v = (spec.defaults as Record<string, unknown>)[k];
        if (typeof v === 'number') defaults[k] = v;
      }
      return {
        id,
        name: spec.name,
        kind: spec.kind,
        needs: spec.needs,
        role: roleOf(spec) ?? 'iterative',
        description: spec.description,
        reference: spec.reference,
        settable,
        defaults,
      };
    });
  },

  /** Models the panel can evaluate: image models, shipped and made in the browser. */
  async tradeoffModels(): Promise<ModelSummary[]> {
    return (await listModels()).filter((m) => m.kind === 'image');
  },

  /**
   * Robust accuracy against ε for every (model, attack), streamed to onPoint as each point finishes. Job `jobId`
   * (cancel with api.cancel(jobId)).
   */
  async robustnessCurves(
    jobId: string,
    request: CurvesRequest,
    onPoint?: (p: CurvePoint) => void,
    onProgress?: ProgressCallback,
  ): Promise<CurvesResult> {
    checkJobId(jobId);
    // The job is registered before the models and images load, so a Cancel while they load is not lost.
    return asJob(jobId, async (signal) => {
      if (request == null || typeof request !== 'object') fail('request must be an object');
      const { modelIds, attacks } = request;
      if (!Array.isArray(modelIds) || modelIds.length === 0 || modelIds.length > 12) fail('request.modelIds must list 1–12 model ids');
      if (new Set(modelIds).size !== modelIds.length) fail('request.modelIds lists a model twice');
      if (!Array.isArray(attacks) || attacks.length === 0 || attacks.length > CURVE_ATTACK_IDS.length) fail('request.attacks must list at least one attack');
      if (!Array.isArray(request.epsilons) || request.epsilons.length === 0 || request.epsilons.length > 41) fail('request.epsilons must list 1–41 budgets');
      // The grid's top is the form's largest ε (a curve needs a budget above 0); then each budget must be in [0, 1].
      if (request.epsilons.every((e) => typeof e === 'number')) checkParam(Math.max(...request.epsilons), TRADEOFF_FIELDS.epsMax);
      const epsilons = request.epsilons.map((e, i) => checkEpsilon(e, `request.epsilons[${i}]`));
      // The form's numbers are checked before anything loads, so a refusal names the field at once.
      const nAsked = checkParam(request.n, TRADEOFF_FIELDS.n);
      const seen = new Set<string>();
      const chosen = attacks.map((a, i) => {
        if (a == null || typeof a.id !== 'string' || !(CURVE_ATTACK_IDS as readonly string[]).includes(a.id)) {
          fail(`request.attacks[${i}].id must be one of ${CURVE_ATTACK_IDS.join(', ')}, got ${JSON.stringify(a?.id)}`);
        }
        if (seen.has(a.id)) fail(`request.attacks lists ${a.id} twice`);
        seen.add(a.id);
        return { id: a.id, options: checkAttackOptions(a.id, a.options, `request.attacks[${i}].options`) };
      });
      const defense = request.defense === undefined ? undefined : checkDefenseChoice(request.defense, 'request.defense');
      const models = await unlessCancelled(Promise.all(modelIds.map((id, i) => imageModel(id, `request.modelIds[${i}]`))), signal);
      const evalSet = checkEvalSet(request.evalSet);
      const dataset = evalSet ?? models[0].entry.dataset;
      const other = evalSet ? undefined : models.find((m) => m.entry.dataset !== dataset);
      if (other) fail(`request.modelIds: ${other.entry.id} is a ${other.entry.dataset} model, ${models[0].entry.id} a ${dataset} one; curves compare models on one test set`);
      const noGradient = models.find((m) => !m.gradients);
      const gradientAttack = chosen.find((a) => getAttack(a.id).needs === 'gradients');
      if (noGradient && gradientAttack) fail(`${getAttack(gradientAttack.id).name} needs the model's gradient, which cannot pass ${noGradient.entry.name}: choose gradient-free attacks for it.`);
      let surrogate: CachedModel | null = null;
      if (chosen.some((a) => a.id === 'transfer')) {
        if (!request.surrogateModelId) fail('request.surrogateModelId is needed for the transfer attack: the model the perturbation is crafted on');
        surrogate = await unlessCancelled(imageModel(request.surrogateModelId, 'request.surrogateModelId'), signal);
        if (evalSet) await examplesFor(surrogate.entry, 'test', evalSet);
        else if (surrogate.entry.dataset !== dataset) fail(`request.surrogateModelId: ${surrogate.entry.id} is not a ${dataset} model`);
      }
      // Every model must fit the chosen images (examplesFor says which does not).
      const data = (await unlessCancelled(examplesFor(models[0].entry, 'test', evalSet), signal)).examples;
      if (evalSet) for (const m of models.slice(1)) await examplesFor(m.entry, 'test', evalSet);
      // A person's own images may be fewer than N: all of them are used.
      const n = evalSet ? Math.min(nAsked, data.count) : checkInt(nAsked, 'request.n', 1, data.count);
      const batchSize = request.batchSize === undefined ? DEFAULT_BATCH : checkInt(request.batchSize, 'request.batchSize', 1, 1000);
      const seed = request.seed === undefined ? 0 : checkInt(request.seed, 'request.seed', 0, 2 ** 31 - 1);
      const curveAttacks: CurveAttackRun[] = chosen.map((a) => ({
        key: a.id,
        spec: getAttack(a.id),
        options: { ...libraryOptions(a.id, a.options), ...(a.id === 'transfer' && surrogate ? { surrogate: surrogate.attackModel } : {}) },
      }));
      const report = progressReporter(onProgress, 1);
      const result = await robustnessCurves({
        models: models.map((m) => ({ id: m.entry.id, model: attacked(m, defense) })),
        attacks: curveAttacks,
        epsilons,
        data,
        n,
        batchSize,
        seed,
        signal,
        onPoint: (p) => void onPoint?.(p),
        onProgress: (done, total, phase) => report(done, phase, total),
      });
      const cleanAccuracy: Record<string, number> = {};
      for (const [id, mask] of Object.entries(result.cleanCorrect)) cleanAccuracy[id] = mask.reduce((s, v) => s + v, 0) / n;
      return {
        dataset,
        epsilons: result.epsilons,
        n,
        points: result.points,
        attacks: chosen.map((a) => ({
          id: a.id,
          name: getAttack(a.id).name,
          hyperparameters: {
            ...effectiveHyperparameters(a.id, a.options),
            ...(a.id === 'transfer' && surrogate ? { surrogate: surrogate.entry.id } : {}),
            ...(defense ? { defense: defenseLabel(defense) } : {}),
            batchSize,
            seed,
            backend: tf.getBackend(),
          },
        })),
        cleanAccuracy,
        seconds: result.seconds,
      };
    });
  },

  /**
   * Each example's minimal adversarial L∞ ε for one model, by the attack library's PGD bisection. Job `jobId`.
   */
  async adversarialRadii(jobId: string, request: RadiiRequest, onProgress?: ProgressCallback): Promise<RadiusRun> {
    checkJobId(jobId);
    if (request == null || typeof request !== 'object') fail('request must be an object');
    const model = await imageModel(request.modelId, 'request.modelId');
    const maxEpsilon = checkEpsilon(request.maxEpsilon, 'request.maxEpsilon');
    if (maxEpsilon === 0) fail('The largest ε must be above 0.');
    const rounds = request.rounds === undefined ? 6 : checkInt(request.rounds, 'request.rounds', 1, 20);
    const steps = request.steps === undefined ? 10 : checkInt(request.steps, 'request.steps', 1, 1000);
    const restarts = request.restarts === undefined ? 1 : checkInt(request.restarts, 'request.restarts', 1, 20);
    const seed = request.seed === undefined ? 0 : checkInt(request.seed, 'request.seed', 0, 2 ** 31 - 1);
    const evalSet = checkEvalSet(request.evalSet);
    const data = (await examplesFor(model.entry, 'test', evalSet)).examples;
    // A person's own images may be fewer than N: all of them are used.
    const n = checkInt(evalSet && typeof request.n === 'number' ? Math.min(request.n, data.count) : request.n, 'request.n', 1, data.count);
    return asJob(jobId, async (signal) => {
      const report = progressReporter(onProgress, n);
      const run = await measureRadii(model.attackModel, data, n, {
        maxEpsilon,
        rounds,
        steps,
        restarts,
        seed,
        signal,
        onProgress: (done) => report(done, `Bisection on ${model.entry.id}`),
      });
      return Comlink.transfer(run, [run.radius.buffer as ArrayBuffer]);
    });
  },

  /** The default suite settings, for the report form. */
  reportDefaults(): SuiteSettings {
    return { ...DEFAULT_SUITE_SETTINGS };
  },

  /**
   * The robustness report of one model at one L∞ ε: every attack of the suite, the per-example worst case and the
   * sanity flags. Rows stream to onRow as they finish. Job `jobId`.
   */
  async robustnessReport(
    jobId: string,
    request: RobustnessReportRequest,
    onProgress?: ProgressCallback,
    onRow?: (o: AttackOutcome) => void,
  ): Promise<RobustnessReport> {
    checkJobId(jobId);
    // The job is registered before the models and images load, so a Cancel while they load is not lost.
    return asJob(jobId, async (signal) => {
      if (request == null || typeof request !== 'object') fail('request must be an object');
      // The form's numbers first, so a refusal names the field before anything loads.
      const epsilon = checkParam(request.epsilon, REPORT_FIELDS.epsilon);
      const nAsked = checkParam(request.n, REPORT_FIELDS.reportN);
      const s = { ...DEFAULT_SUITE_SETTINGS };
      const given = (request.settings ?? {}) as Record<string, unknown>;
      const limits: Record<keyof SuiteSettings, [number, number]> = {
        steps: [1, LIMITS.steps.max],
        restarts: [1, LIMITS.restarts.max],
        apgdSteps: [1, LIMITS.steps.max],
        queryBudget: [1, LIMITS.queryBudget.max],
        noiseSamples: [1, LIMITS.draws.max],
        cwSearchSteps: [1, 20],
        cwSteps: [1, LIMITS.steps.max],
        transfer: [0, 1],
      };
      for (const [key, v] of Object.entries(given)) {
        if (!(key in limits)) fail(`request.settings.${key} is not a setting (known: ${Object.keys(limits).join(', ')})`);
        if (key === 'transfer') {
          if (typeof v !== 'boolean') fail(`request.settings.transfer must be true or false, got ${String(v)}`);
          s.transfer = v;
        } else {
          const f = (REPORT_FIELDS as Record<string, NumberField>)[key];
          (s as unknown as Record<string, number>)[key] = f ? checkParam(v, f) : checkInt(v, `request.settings.${key}`, ...limits[key as keyof SuiteSettings]);
        }
      }
      const model = await unlessCancelled(imageModel(request.modelId, 'request.modelId'), signal);
      const defense = request.defense === undefined ? undefined : checkDefenseChoice(request.defense, 'request.defense');
      let surrogate: CachedModel | undefined;
      if (s.transfer && request.surrogateModelId) {
        surrogate = await unlessCancelled(imageModel(request.surrogateModelId, 'request.surrogateModelId'), signal);
        if (surrogate.entry.id === model.entry.id && !defense) {
          fail('request.surrogateModelId must differ from request.modelId (a transfer attack crafts on another model)');
        }
        if (surrogate.entry.dataset !== model.entry.dataset) fail(`request.surrogateModelId: ${surrogate.entry.id} is not a ${model.entry.dataset} model`);
      }
      const evalSet = checkEvalSet(request.evalSet);
      const data = (await unlessCancelled(examplesFor(model.entry, 'test', evalSet), signal)).examples;
      // A person's own images may be fewer than N: all of them are used.
      const n = evalSet ? Math.min(nAsked, data.count) : checkInt(nAsked, 'request.n', 1, data.count);
      const batchSize = request.batchSize === undefined ? DEFAULT_BATCH : checkInt(request.batchSize, 'request.batchSize', 1, 1000);
      const seed = request.seed === undefined ? 0 : checkInt(request.seed, 'request.seed', 0, 2 ** 31 - 1);
      const suite = defaultSuite(epsilon, largeEpsilonFor(model.entry.bounds), s);
      const report = progressReporter(onProgress, 1);
      return runReport({
        model: { id: model.entry.id, model: attacked(model, defense) },
        dataset: evalSet ?? model.entry.dataset,
        surrogate: surrogate ? { id: surrogate.entry.id === model.entry.id ? `${surrogate.entry.id} (undefended)` : surrogate.entry.id, model: surrogate.attackModel } : undefined,
        data,
        n,
        epsilon,
        suite,
        batchSize,
        seed,
        settings: { backend: tf.getBackend(), model: model.entry.id, modelName: model.entry.name, ...(defense ? { defense: defenseLabel(defense) } : {}) },
        signal,
        onProgress: (done, total, phase) => report(done, phase, total),
        onRow: (o) => void onRow?.(o),
      });
    });
  },
};
