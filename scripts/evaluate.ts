/**
 * One evaluation run of a zoo model, shared by `npm run eval` and `npm run cards` so that a card's figure is
 * exactly what the eval command prints for the same arguments.
 *
 * Every batch's counts are cached on disk under .cache/eval/<model>/<key>/ (key: the weights' SHA-256, the attack,
 * its options and the batch size), so a run that is killed — evaluations on the full test sets take hours here —
 * continues from its first missing batch when the same command is run again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { layersModelAsAttackModel } from '../src/lib/attacks/model-adapter';
import { getAttack } from '../src/lib/attacks/registry';
import type { AttackOptions } from '../src/lib/attacks/types';
import { robustAccuracy, type BatchCache, type BatchOutcome, type RobustAccuracyPoint, type RobustAccuracyResult } from '../src/lib/eval/robust-accuracy';
import { loadModelFromFile, MODELS_DIR, WEIGHTS_FILE } from '../src/lib/models/node';
import { findRecipe, type EvalPlan } from '../src/lib/models/zoo';
import { recipeData } from './recipe-data';
import { ABSTAIN, certifiedAccuracy, certifyExamples } from '../src/lib/defenses/smoothing';

/** The ensemble's members: the worst case over APGD-CE, PGD (with the requested restarts) and Square. */
export const ENSEMBLE_ATTACKS = ['apgd-ce', 'pgd', 'square'];

export interface EvalRecord {
  model: string;
  attack: string;
  params: Record<string, number | string | boolean | string[]>;
  n: number;
  clean_accuracy: number;
  points: RobustAccuracyPoint[];
  /** Worst-case suites: robust accuracy after each component, in order. */
  stages?: RobustAccuracyResult['stages'];
  seconds: number;
}

/** Examples per attack call in evaluations (also part of the cache key). */
const EVAL_BATCH = 250;

export const EVAL_CACHE_DIR = path.resolve(import.meta.dirname, '../.cache/eval');

/** A folder of per-batch outcomes for one (weights, attack, options) combination. */
function diskBatchCache(modelId: string, weightsFile: string, key: object): BatchCache {
  const weights = createHash('sha256').update(readFileSync(weightsFile)).digest('hex');
  const id = createHash('sha256').update(JSON.stringify({ weights, key })).digest('hex').slice(0, 16);
  const dir = path.join(EVAL_CACHE_DIR, modelId, id);
  const file = (start: number, end: number) => path.join(dir, `batch-${start}-${end}.json`);
  return {
    get(start, end) {
      const f = file(start, end);
      return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as BatchOutcome) : undefined;
    },
    put(start, end, outcome) {
      mkdirSync(dir, { recursive: true });
      const meta = path.join(dir, 'key.json');
      if (!existsSync(meta)) writeFileSync(meta, `${JSON.stringify({ model: modelId, weightsSha256: weights, ...key }, null, 2)}\n`);
      // Written under a temporary name and renamed, so a kill mid-write never leaves a truncated batch.
      writeFileSync(`${file(start, end)}.tmp`, JSON.stringify(outcome));
      renameSync(`${file(start, end)}.tmp`, file(start, end));
    },
  };
}

/** The `npm run eval` command line that reproduces a plan. */
export function evalCommand(model: string, plan: EvalPlan): string {
  const parts = [`npm run eval -- --model ${model} --attack ${plan.attack} --eps ${plan.eps.join(',')}`];
  if (plan.steps !== undefined) parts.push(`--steps ${plan.steps}`);
  if (plan.stepSize !== undefined) parts.push(`--step-size ${plan.stepSize}`);
  if (plan.restarts !== undefined) parts.push(`--restarts ${plan.restarts}`);
  if (plan.norm !== undefined) parts.push(`--norm ${plan.norm}`);
  if (plan.loss !== undefined) parts.push(`--loss ${plan.loss}`);
  if (plan.smoothing) {
    const m = plan.smoothing;
    parts.push(`--sigma ${m.sigma} --n0 ${m.n0} --draws ${m.draws} --alpha ${m.alpha}`);
  }
  parts.push(`--n ${plan.n} --seed ${plan.seed} --json`);
  return parts.join(' ');
}

export async function evaluateModel(
  modelId: string,
  plan: EvalPlan,
  onBatch?: (done: number, total: number, seconds: number) => void,
  modelsDir = MODELS_DIR,
  useCache = true,
  shard?: { index: number; count: number },
): Promise<EvalRecord> {
  const recipe = findRecipe(modelId);
  const data = recipeData(recipe);
  if (plan.attack === 'certify') return certifyModel(modelId, plan, data, onBatch, modelsDir);
  const spec = getAttack(plan.attack);
  const model = await loadModelFromFile(path.join(modelsDir, modelId, 'model.json'));
  const started = Date.now();
  try {
    // Each attack measures ε in its own norm unless the plan names one (an L2 ε of 2 is not an L∞ ε of 2).
    const opts: AttackOptions = { epsilons: plan.eps, seed: plan.seed, norm: plan.norm ?? spec.norm };
    if (plan.steps !== undefined) opts.steps = plan.steps;
    if (plan.stepSize !== undefined) opts.stepSize = plan.stepSize;
    if (plan.restarts !== undefined) opts.restarts = plan.restarts;
    if (plan.loss !== undefined) opts.loss = plan.loss;
    if (spec.id === 'pgd' || spec.id === 'ensemble') opts.randomStart = true;
    if (spec.id === 'ensemble') opts.attacks = ENSEMBLE_ATTACKS;
    const n = Math.min(plan.n, data.test.count);
    const cache = useCache ? diskBatchCache(modelId, path.join(modelsDir, modelId, WEIGHTS_FILE), { attack: spec.id, opts, batchSize: EVAL_BATCH }) : undefined;
    const result = await robustAccuracy(layersModelAsAttackModel(model, data.bounds), data.test, spec, {
      ...opts,
      n,
      batchSize: EVAL_BATCH,
      cache,
      shard,
      onBatch: (done, total) => onBatch?.(done, total, (Date.now() - started) / 1000),
    });
    const { epsilons: _e, ...params } = opts;
    const record: EvalRecord = {
      model: modelId,
      attack: spec.id,
      params: params as EvalRecord['params'],
      n: result.n,
      clean_accuracy: result.clean_accuracy,
      points: result.points,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    if (result.stages) record.stages = result.stages;
    return record;
  } finally {
    model.dispose();
  }
}

/**
 * Randomized-smoothing certification of a zoo model: `eps` are L2 radii, each point the certified accuracy (share of
 * the first n test images certified with the right class at that radius or more); clean_accuracy is the certified
 * accuracy at radius 0 (correct and not abstaining).
 */
async function certifyModel(
  modelId: string,
  plan: EvalPlan,
  data: ReturnType<typeof recipeData>,
  onBatch: ((done: number, total: number, seconds: number) => void) | undefined,
  modelsDir: string,
): Promise<EvalRecord> {
  const m = plan.smoothing;
  if (!m) throw new Error('certify needs --sigma, --n0, --draws and --alpha');
  const model = await loadModelFromFile(path.join(modelsDir, modelId, 'model.json'));
  const started = Date.now();
  try {
    const n = Math.min(plan.n, data.test.count);
    const { certificates, labels } = await certifyExamples(layersModelAsAttackModel(model, data.bounds), data.test, n, {
      sigma: m.sigma,
      n0: m.n0,
      n: m.draws,
      alpha: m.alpha,
      seed: plan.seed,
      onExample: (done, total) => onBatch?.(done, total, (Date.now() - started) / 1000),
    });
    const acc = certifiedAccuracy(certificates, labels, [0, ...plan.eps]);
    const abstained = certificates.filter((c) => c.prediction === ABSTAIN).length;
    return {
      model: modelId,
      attack: 'certify',
      params: { norm: 'l2', sigma: m.sigma, n0: m.n0, draws: m.draws, alpha: m.alpha, abstained, certified: true },
      n,
      clean_accuracy: acc[0],
      points: plan.eps.map((eps, k) => ({ eps, robust_accuracy: acc[k + 1] })),
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    model.dispose();
  }
}
