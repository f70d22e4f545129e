/**
 * Runs the attack suite of a robustness report (report.ts) on one model at one L∞ ε and assembles the report.
 *
 * Every attack runs on every example (not only on those the others left standing): each row is that attack's own
 * figure, and the worst case is the per-example combination. Attacks in another norm (C&W L2, DeepFool L2) run as
 * minimisation attacks with an unbounded budget; an example counts as broken only where their perturbation also
 * lies in the L∞ ball — any adversarial example inside the threat model counts.
 *
 * Two extra runs serve the sanity checks: the suite's iterative attack with twice the steps and restarts (it joins
 * the worst case: it is a valid attack at the same ε) and the same attack at a large ε (0.5 for [0,1] images), where
 * accuracy must collapse (it does not join the worst case).
 */
import * as tf from '@tensorflow/tfjs';
import { ATTACKS, getAttack } from '../attacks/registry';
import type { AttackKind, AttackModel, AttackOptions, AttackSpec } from '../attacks/types';
import type { ExampleSet } from '../data/examples';
import { checkpoint } from '../util/checkpoint';
import { cleanCorrectMask } from './curves';
import { assembleReport, type AttackOutcome, type AttackRole, type OutcomePurpose, type RobustnessReport } from './report';
import { toleratedExamples, type Tolerance } from './sanity';

export interface SuiteEntry {
  key: string;
  /** Registry id. */
  attack: string;
  role: AttackRole;
  purpose: OutcomePurpose;
  /** Budget of this row (the report ε unless it is the large-ε check). */
  epsilon: number;
  /** Options passed to the attack (ε, seed and signal are set by the runner). */
  options: Omit<AttackOptions, 'epsilons' | 'signal' | 'onStep' | 'surrogate'>;
  /** A display name with the defining setting, e.g. "PGD-40 ×2". */
  name: string;
}

export interface SuiteSettings {
  /** Steps of the iterative attacks (PGD, the transfer attack's crafting). */
  steps: number;
  restarts: number;
  /** APGD-CE iterations. */
  apgdSteps: number;
  /** Square attack: queries per example. */
  queryBudget: number;
  /** Random-noise baseline: draws per example. */
  noiseSamples: number;
  /** C&W: binary-search steps and iterations per step. */
  cwSearchSteps: number;
  cwSteps: number;
  /** Include the transfer row (needs a surrogate model). */
  transfer: boolean;
}

export const DEFAULT_SUITE_SETTINGS: SuiteSettings = {
  steps: 20,
  restarts: 1,
  apgdSteps: 50,
  queryBudget: 500,
  noiseSamples: 20,
  cwSearchSteps: 4,
  cwSteps: 50,
  transfer: true,
};

/** How the sanity rules see an attack kind. */
export function roleOf(spec: Pick<AttackSpec, 'id' | 'kind'>): AttackRole | null {
  const byKind: Record<AttackKind, AttackRole | null> = {
    gradient: 'iterative',
    score: 'black-box',
    transfer: 'transfer',
    baseline: 'noise',
    minimization: 'minimization',
    ensemble: null,
  };
  return spec.id === 'fgsm' ? 'single-step' : byKind[spec.kind];
}

const has = (id: string) => ATTACKS.some((a) => a.id === id);

/**
 * The report's suite at ε: FGSM, PGD, APGD-CE, C&W, Square, transfer and noise where the attack library has them,
 * then the two check runs. Attacks missing from the library are left out (the report lists what ran).
 */
export function defaultSuite(epsilon: number, largeEpsilon: number, s: SuiteSettings = DEFAULT_SUITE_SETTINGS): SuiteEntry[] {
  const suite: SuiteEntry[] = [];
  const add = (e: Omit<SuiteEntry, 'epsilon' | 'purpose'> & Partial<Pick<SuiteEntry, 'epsilon' | 'purpose'>>) => {
    if (has(e.attack)) suite.push({ epsilon, purpose: 'suite', ...e });
  };
  add({ key: 'fgsm', attack: 'fgsm', role: 'single-step', name: 'FGSM', options: { randomStart: false } });
  add({
    key: 'pgd',
    attack: 'pgd',
    role: 'iterative',
    name: `PGD-${s.steps} ×${s.restarts}`,
    options: { steps: s.steps, restarts: s.restarts, randomStart: true },
  });
  add({ key: 'apgd-ce', attack: 'apgd-ce', role: 'iterative', name: `APGD-CE-${s.apgdSteps}`, options: { steps: s.apgdSteps, restarts: 1 } });
  add({
    key: 'cw-l2',
    attack: 'cw-l2',
    role: 'minimization',
    name: `C&W L2 (${s.cwSearchSteps}×${s.cwSteps})`,
    options: { binarySearchSteps: s.cwSearchSteps, steps: s.cwSteps },
  });
  add({ key: 'square', attack: 'square', role: 'black-box', name: `Square (${s.queryBudget} queries)`, options: { queryBudget: s.queryBudget } });
  if (s.transfer) {
    add({ key: 'transfer', attack: 'transfer', role: 'transfer', name: `Transfer (PGD-${s.steps})`, options: { steps: s.steps } });
  }
  add({ key: 'noise', attack: 'noise', role: 'noise', name: `Random noise (${s.noiseSamples} draws)`, options: { samples: s.noiseSamples } });
  add({
    key: 'pgd-2x',
    attack: 'pgd',
    role: 'iterative',
    purpose: 'more-effort',
    name: `PGD-${2 * s.steps} ×${2 * s.restarts} (check)`,
    options: { steps: 2 * s.steps, restarts: 2 * s.restarts, randomStart: true },
  });
  add({
    key: 'pgd-large',
    attack: 'pgd',
    role: 'iterative',
    purpose: 'large-epsilon',
    epsilon: largeEpsilon,
    name: `PGD-${s.steps} at large ε (check)`,
    options: { steps: s.steps, restarts: 1, randomStart: true },
  });
  return suite;
}

export interface ReportRequest {
  model: { id: string; model: AttackModel };
  dataset: string;
  /** The crafting model of the transfer row; without it that row is skipped. */
  surrogate?: { id: string; model: AttackModel };
  data: ExampleSet;
  n: number;
  /** L∞ budget of the report. */
  epsilon: number;
  suite: SuiteEntry[];
  batchSize?: number;
  seed?: number;
  tolerance?: Tolerance;
  /** Extra settings to list with the report (e.g. the backend). */
  settings?: Record<string, number | string | boolean>;
  signal?: AbortSignal;
  /** Examples processed out of the total (suite rows × n), with a phase line. */
  onProgress?: (done: number, total: number, phase: string) => void;
  /** Called as each row finishes. */
  onRow?: (o: AttackOutcome) => void;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Half the input range: at this L∞ budget every input can reach the mid-grey point. */
export function largeEpsilonFor(bounds: [number, number]): number {
  return (bounds[1] - bounds[0]) / 2;
}

/** Runs one suite row over all n examples; success counts only perturbations inside the report's L∞ ball. */
async function runRow(req: ReportRequest, entry: SuiteEntry, spec: AttackSpec, chunk: (done: number) => void): Promise<AttackOutcome> {
  const { n, data, signal } = req;
  const batchSize = req.batchSize ?? 100;
  const crossNorm = spec.norm !== 'linf';
  const bounds = req.model.model.bounds;
  const dims = req.model.model.inputShape.reduce((a, b) => a * b, 1);
  // Another norm: an unbounded budget (the whole box's diagonal), then the L∞ filter below.
  const budget = crossNorm ? (spec.norm === 'l2' ? Math.sqrt(dims) * (bounds[1] - bounds[0]) : dims) : entry.epsilon;
  const success = new Uint8Array(n);
  let queries = 0;
  let hyperparameters: Record<string, number | string | boolean> = {};
  const t0 = now();
  for (let start = 0; start < n; start += batchSize) {
    await checkpoint(signal);
    const end = Math.min(n, start + batchSize);
    const { x, y } = data.batch(Int32Array.from({ length: end - start }, (_, i) => start + i));
    try {
      const labels = Int32Array.from(await y.data());
      const options: AttackOptions = {
        ...entry.options,
        epsilons: [budget],
        seed: (req.seed ?? 0) + start,
        signal,
        ...(entry.role === 'transfer' && req.surrogate ? { surrogate: req.surrogate.model } : {}),
      };
      const result = await spec.run(req.model.model, x, labels, options);
      hyperparameters = result.hyperparameters;
      const r = result.results[0];
      try {
        for (let i = 0; i < r.success.length; i++) {
          success[start + i] = r.success[i] && (!crossNorm || r.linf[i] <= entry.epsilon + 1e-6) ? 1 : 0;
        }
        queries += r.queries;
      } finally {
        for (const res of result.results) res.adversarial.dispose();
      }
    } finally {
      tf.dispose([x, y]);
    }
    chunk(end - start);
  }
  const listed: Record<string, number | string | boolean> = { epsilon: entry.epsilon, ...hyperparameters, seed: req.seed ?? 0, batchSize };
  if (crossNorm) {
    listed.runBudget = Number(budget.toFixed(4));
    listed.countedWithin = `L∞ ε = ${entry.epsilon}`;
  }
  if (entry.role === 'transfer' && req.surrogate) listed.surrogate = req.surrogate.id;
  return {
    key: entry.key,
    attack: entry.attack,
    name: entry.name,
    role: entry.role,
    purpose: entry.purpose,
    epsilon: entry.epsilon,
    success,
    hyperparameters: listed,
    queries,
    seconds: (now() - t0) / 1000,
  };
}

/** Runs the suite and returns the assembled report. Rejects with CancelledError on cancel. */
export async function runReport(req: ReportRequest): Promise<RobustnessReport> {
  const { n, data, model } = req;
  if (!Number.isInteger(n) || n < 1 || n > data.count) throw new Error(`n must be an integer in 1–${data.count}, got ${n}`);
  if (!(typeof req.epsilon === 'number' && req.epsilon > 0 && Number.isFinite(req.epsilon))) {
    throw new Error(`epsilon must be a number > 0, got ${req.epsilon}`);
  }
  const batchSize = req.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const suite = req.suite.filter((e) => e.role !== 'transfer' || req.surrogate);
  const specs = suite.map((e) => getAttack(e.attack));
  if (suite.length === 0) throw new Error('suite must list at least one attack');
  const t0 = now();
  const total = (suite.length + 1) * n;
  let done = 0;
  req.onProgress?.(done, total, 'Clean accuracy');
  const cleanCorrect = await cleanCorrectMask(model.model, data, n, batchSize, req.signal);
  done += n;
  const outcomes: AttackOutcome[] = [];
  for (let k = 0; k < suite.length; k++) {
    const phase = `${suite[k].name} (${k + 1} of ${suite.length})`;
    req.onProgress?.(done, total, phase);
    const outcome = await runRow(req, suite[k], specs[k], (m) => {
      done += m;
      req.onProgress?.(done, total, phase);
    });
    outcomes.push(outcome);
    req.onRow?.(outcome);
  }
  const largeEpsilon = largeEpsilonFor(model.model.bounds);
  return assembleReport(cleanCorrect, outcomes, {
    model: model.id,
    dataset: req.dataset,
    epsilon: req.epsilon,
    seed: req.seed ?? 0,
    largeEpsilon,
    numClasses: model.model.numClasses,
    tolerance: req.tolerance,
    settings: {
      n,
      batchSize,
      seed: req.seed ?? 0,
      norm: 'linf',
      largeEpsilon,
      toleratedExamples: toleratedExamples(n, req.tolerance),
      ...(req.surrogate ? { surrogate: req.surrogate.id } : {}),
      ...req.settings,
    },
    seconds: (now() - t0) / 1000,
  });
}
