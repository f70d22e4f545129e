/**
 * `npm run eval -- --model <id> --attack <name> --eps 0,0.1,0.2,0.3 [--norm linf|l2|l0] [--steps K] [--step-size A]
 *  [--restarts R] [--loss ce|margin] [--n N] [--seed S] [--json]`: robust accuracy of a zoo model on its test set (the
 * first N test examples). ε is in the attack's own norm unless --norm names another it supports (pgd-l2, cw-l2 and
 * deepfool: L2). `--attack certify --eps <L2 radii> --sigma S [--n0 100] [--draws 10000] [--alpha 0.001]` instead
 * certifies the randomized-smoothing classifier built on the model and reports certified accuracy per radius.
 * With --json it prints one object: {model, attack, params, n, clean_accuracy, points: [{eps, robust_accuracy}], seconds}.
 * `--attack ensemble` is the per-example worst case over APGD-CE, PGD (with the restarts) and Square;
 * `--attack autoattack` is AutoAttack's standard suite without FAB-T (APGD-CE, APGD-T, Square 5 000 queries) and also
 * prints the robust accuracy after each component. Figures from n < 10 000 carry their 95 % Wilson interval.
 * Batches are cached under .cache/eval (see evaluate.ts): rerun the same command to resume; --no-cache recomputes.
 * --models-dir evaluates a candidate (e.g. `npm run train -- --out .cache/candidates`) before it replaces the shipped
 * weights; its cache is keyed by the weights' hash, so a candidate's batches never mix with the shipped model's.
 */
import path from 'node:path';
import { ATTACK_IDS, getAttack } from '../src/lib/attacks/registry';
import type { Norm } from '../src/lib/attacks/types';
import { initNodeBackend } from '../src/lib/backend/node';
import { findRecipe, ZOO_RECIPES, type EvalPlan } from '../src/lib/models/zoo';
import {
  integerOption,
  isMainModule,
  numberListOption,
  numberOption,
  progressBar,
  required,
  runCommand,
  UsageError,
  type Command,
  type OptionTable,
  type Values,
} from './cli';
import { evaluateModel } from './evaluate';

/** Every option of `npm run eval`, in one place. */
export const EVAL_OPTIONS = {
  model: { type: 'string', value: 'id', help: `zoo model id (${ZOO_RECIPES.map((r) => r.id).join(', ')})` },
  attack: { type: 'string', value: 'name', help: `attack id (${ATTACK_IDS.join(', ')})` },
  eps: { type: 'string', value: 'list', help: 'comma-separated budgets ε in the norm, e.g. 0,0.1,0.3' },
  norm: { type: 'string', value: 'norm', help: "the norm of ε: linf, l2 or l0 (default: the attack's own)" },
  steps: { type: 'string', value: 'K', help: "iterations (default: the attack's own)" },
  'step-size': { type: 'string', value: 'A', help: "step size (default: the attack's own)" },
  restarts: { type: 'string', value: 'R', help: 'random restarts; the per-example worst case is kept' },
  n: { type: 'string', value: 'N', help: 'number of test examples (the first N)', default: '10000' },
  seed: { type: 'string', value: 'S', help: 'random seed', default: '0' },
  loss: { type: 'string', value: 'ce|margin', help: 'loss ascended by gradient attacks: cross-entropy (default) or the C&W logit margin' },
  sigma: { type: 'string', value: 'σ', help: 'with --attack certify: the smoothing noise level' },
  n0: { type: 'string', value: 'N0', help: 'with --attack certify: draws that select the class', default: '100' },
  draws: { type: 'string', value: 'N', help: 'with --attack certify: draws that estimate its probability', default: '10000' },
  alpha: { type: 'string', value: 'α', help: 'with --attack certify: the certificate fails with probability at most α', default: '0.001' },
  json: { type: 'boolean', help: 'print one JSON object on stdout' },
  shard: { type: 'string', help: 'i/k: compute only every k-th batch from batch i (0-based) into .cache/eval, for k processes in parallel; the same command without --shard then adds up all batches' },
  'no-cache': { type: 'boolean', help: 'recompute every batch instead of resuming from .cache/eval' },
  'models-dir': { type: 'string', value: 'dir', help: 'parent folder of <id>/ (default: models/), e.g. a candidate from npm run train -- --out' },
} as const satisfies OptionTable;

export const EVAL_COMMAND: Command<typeof EVAL_OPTIONS> = {
  name: 'npm run eval --',
  summary:
    'Robust accuracy of a zoo model against an attack on the first N examples of its test set, one figure per ε. ' +
    'Progress goes to stderr; the result to stdout.',
  options: EVAL_OPTIONS,
};

/** `--shard i/k`: batch i, i+k, i+2k… of the evaluation (0 ≤ i < k). */
export function shardOption(value: string | undefined): { index: number; count: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new UsageError(`--shard must be i/k with 0 ≤ i < k (e.g. 0/4); got "${value}".`);
  return { index, count };
}

/** Turns parsed options into a checked plan; every mistake is a UsageError (exit code 2) before any work starts. */
export function evalPlan(values: Values<typeof EVAL_OPTIONS>): { model: string; plan: EvalPlan } {
  const model = required(values, 'model');
  try {
    findRecipe(model);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const attackId = required(values, 'attack');
  const eps = numberListOption(values, 'eps');
  if (!eps) throw new UsageError('--eps is required (a comma-separated list, e.g. 0,0.1,0.3).');
  if (eps.some((e) => e < 0)) throw new UsageError(`--eps values must be ≥ 0; got "${values.eps}".`);
  if (attackId === 'certify') {
    const sigma = numberOption(values, 'sigma');
    if (sigma === undefined || !(sigma > 0)) throw new UsageError('--attack certify needs --sigma, the smoothing noise level (> 0).');
    const alpha = numberOption(values, 'alpha') ?? 0.001;
    if (!(alpha > 0 && alpha < 1)) throw new UsageError(`--alpha must be in (0, 1); got "${values.alpha}".`);
    const smoothing = { sigma, n0: integerOption(values, 'n0', 1) ?? 100, draws: integerOption(values, 'draws', 1) ?? 10_000, alpha };
    return { model, plan: { attack: 'certify', eps, n: integerOption(values, 'n', 1, 10_000) ?? 10_000, seed: integerOption(values, 'seed', 0, 0) ?? 0, smoothing } };
  }
  if (!ATTACK_IDS.includes(attackId)) throw new UsageError(`Unknown attack "${attackId}". Known attacks: ${ATTACK_IDS.join(', ')}, certify.`);
  const spec = getAttack(attackId);
  let loss: 'margin' | undefined;
  if (values.loss !== undefined) {
    if (values.loss !== 'ce' && values.loss !== 'margin') throw new UsageError(`--loss must be ce or margin; got "${values.loss}".`);
    loss = values.loss === 'margin' ? 'margin' : undefined;
  }
  let norm: Norm | undefined;
  if (values.norm !== undefined) {
    if (!spec.norms.includes(values.norm as Norm))
      throw new UsageError(`--norm ${values.norm} is not one the attack ${spec.id} supports (${spec.norms.join(', ')}).`);
    norm = values.norm as Norm;
  }
  const plan: EvalPlan = {
    attack: spec.id,
    eps,
    steps: integerOption(values, 'steps', 1),
    stepSize: numberOption(values, 'step-size'),
    restarts: integerOption(values, 'restarts', 1),
    norm,
    n: integerOption(values, 'n', 1, 10_000),
    seed: integerOption(values, 'seed', 0, 0),
    loss,
  };
  if (plan.stepSize !== undefined && !(plan.stepSize > 0)) throw new UsageError(`--step-size must be > 0; got "${values['step-size']}".`);
  for (const key of ['steps', 'stepSize', 'restarts', 'norm', 'loss'] as const) if (plan[key] === undefined) delete plan[key];
  return { model, plan };
}

async function main(values: Values<typeof EVAL_OPTIONS>): Promise<void> {
  const { model, plan } = evalPlan(values);
  await initNodeBackend('wasm');
  const shard = shardOption(values.shard);
  if (shard && plan.attack === 'certify') throw new UsageError('--shard works with attacks; certify runs whole.');
  if (shard && values['no-cache'] === true) throw new UsageError('--shard writes its batches to the cache for a later run to add up; it cannot be used with --no-cache.');
  const modelsDir = values['models-dir'] === undefined ? undefined : path.resolve(values['models-dir']);
  const record = await evaluateModel(model, plan, (done, total, s) => progressBar(done, total, s), modelsDir, values['no-cache'] !== true, shard);
  if (shard) {
    console.log(`shard ${shard.index}/${shard.count}: ${record.n} examples evaluated and cached; run the same command without --shard to add up every batch.`);
    return;
  }
  if (values.json) {
    console.log(JSON.stringify(record));
  } else {
    console.log(`${record.model} vs ${record.attack} (${record.params.norm}) on ${record.n} test examples (${record.seconds} s)`);
    console.log(`clean accuracy ${(100 * record.clean_accuracy).toFixed(2)}%`);
    const ci = (p: (typeof record.points)[number]) => (p.ci95 ? ` (95 % interval ${(100 * p.ci95[0]).toFixed(1)}–${(100 * p.ci95[1]).toFixed(1)}%, n = ${record.n})` : '');
    for (const p of record.points) console.log(`ε = ${p.eps}: robust accuracy ${(100 * p.robust_accuracy).toFixed(2)}%${ci(p)}`);
    for (const stage of record.stages ?? []) {
      console.log(`  after ${stage.attack}: ${stage.points.map((p) => `ε = ${p.eps}: ${(100 * p.robust_accuracy).toFixed(2)}%`).join(', ')}`);
    }
  }
}

if (isMainModule(import.meta.url)) runCommand(EVAL_COMMAND, main);
