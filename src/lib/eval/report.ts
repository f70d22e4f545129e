/**
 * The robustness report for one model at one ε: robust accuracy per attack, and the per-example worst case over
 * all of them — an example counts as robust only if it is classified correctly and resists EVERY attack. That
 * worst case is the figure to quote; it is never the minimum of the per-attack means (an attack that breaks
 * examples 1–10 and another that breaks 11–20 leave 20 broken, not 10).
 *
 * This file is pure: it assembles a report from per-example success masks (1 = broken, clean errors included),
 * runs the sanity checks over them and names every hyperparameter. report-run.ts produces the masks.
 */
import {
  checkBlackBoxBeatsWhiteBox,
  checkMoreEffortChangesResult,
  checkNoCollapseAtLargeEpsilon,
  checkNoiseMatchesAttack,
  checkSingleStepBeatsIterative,
  notEvaluated,
  unionMask,
  type NamedMask,
  type SanityFlag,
  type Tolerance,
} from './sanity';

/** How an attack relates to the model: what the sanity rules compare. */
export type AttackRole = 'single-step' | 'iterative' | 'minimization' | 'black-box' | 'transfer' | 'noise';

export const WHITE_BOX_ROLES: readonly AttackRole[] = ['single-step', 'iterative', 'minimization'];

/** Why a row was run: part of the suite, or a sanity check (its own ε or a stronger setting). */
export type OutcomePurpose = 'suite' | 'more-effort' | 'large-epsilon';

/** One attack's per-example result at one ε. */
export interface AttackOutcome {
  /** Unique within a report, e.g. "pgd" or "pgd-2x". */
  key: string;
  /** Attack registry id. */
  attack: string;
  /** Display name with its defining setting, e.g. "PGD-20 ×1". */
  name: string;
  role: AttackRole;
  purpose: OutcomePurpose;
  epsilon: number;
  /** 1 where the example is broken at this ε (a clean error counts as broken). */
  success: Uint8Array;
  hyperparameters: Record<string, number | string | boolean>;
  /** Model evaluations spent (per example, summed). */
  queries: number;
  seconds: number;
}

export interface ReportRow {
  key: string;
  attack: string;
  name: string;
  role: AttackRole;
  purpose: OutcomePurpose;
  epsilon: number;
  robustAccuracy: number;
  /** Examples still robust (correct and not broken). */
  robust: number;
  /** Correct examples that only this row breaks (among the rows of the worst case). */
  uniqueBreaks: number;
  /** Whether this row takes part in the worst case (suite and stronger-setting rows at the report's ε). */
  inWorstCase: boolean;
  /** 1 where this row breaks the example (clean errors included). */
  success: Uint8Array;
  hyperparameters: Record<string, number | string | boolean>;
  queries: number;
  seconds: number;
}

export interface WorstCase {
  robustAccuracy: number;
  robust: number;
  /** 1 where the example is correct and resists every attack. */
  perExample: Uint8Array;
  /** For each example: index into rows of the first row that broke it; −1 robust; −2 a clean error. */
  brokenBy: Int16Array;
}

export interface RobustnessReport {
  model: string;
  dataset: string;
  norm: 'linf';
  epsilon: number;
  /** Number of test examples (the first N of the test subset). */
  n: number;
  seed: number;
  cleanAccuracy: number;
  /** 1 where the clean input is classified correctly. */
  cleanCorrect: Uint8Array;
  rows: ReportRow[];
  worstCase: WorstCase;
  flags: SanityFlag[];
  /** Settings of the evaluation itself (batch size, backend, tolerance …), listed with the hyperparameters. */
  settings: Record<string, number | string | boolean>;
  seconds: number;
}

function count(mask: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) c++;
  return c;
}

/**
 * The per-example worst case: robust[i] = correct[i] AND no mask breaks i. brokenBy names the first mask that
 * breaks each example (−1 when robust, −2 when already wrong on the clean input).
 */
export function worstCase(cleanCorrect: Uint8Array, successes: Uint8Array[]): WorstCase {
  const n = cleanCorrect.length;
  successes.forEach((s, k) => {
    if (s.length !== n) throw new Error(`success mask ${k} has ${s.length} entries, expected ${n} (one per example)`);
  });
  const perExample = new Uint8Array(n);
  const brokenBy = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    if (!cleanCorrect[i]) {
      brokenBy[i] = -2;
      continue;
    }
    const k = successes.findIndex((s) => s[i] === 1);
    brokenBy[i] = k;
    if (k < 0) perExample[i] = 1;
  }
  const robust = count(perExample);
  return { robustAccuracy: n > 0 ? robust / n : 0, robust, perExample, brokenBy };
}

/** Robust examples for one mask: correct on the clean input and not broken. */
export function robustCount(cleanCorrect: Uint8Array, success: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < cleanCorrect.length; i++) if (cleanCorrect[i] && !success[i]) c++;
  return c;
}

export interface AssembleOptions {
  model: string;
  dataset: string;
  epsilon: number;
  seed: number;
  /** The ε at which robust accuracy must have collapsed (0.5 for L∞ images). */
  largeEpsilon: number;
  numClasses: number;
  tolerance?: Tolerance;
  settings?: Record<string, number | string | boolean>;
  seconds?: number;
}

/** Builds the report: rows, worst case (suite and stronger-setting rows at the report ε) and sanity flags. */
export function assembleReport(cleanCorrect: Uint8Array, outcomes: AttackOutcome[], opts: AssembleOptions): RobustnessReport {
  const n = cleanCorrect.length;
  if (n === 0) throw new Error('assembleReport: no examples');
  const keys = new Set<string>();
  for (const o of outcomes) {
    if (keys.has(o.key)) throw new Error(`assembleReport: duplicate row key "${o.key}"`);
    keys.add(o.key);
    if (o.success.length !== n) throw new Error(`${o.name}: ${o.success.length} results for ${n} examples`);
  }
  const atEpsilon = (o: AttackOutcome) => Math.abs(o.epsilon - opts.epsilon) <= 1e-9;
  const inWorst = outcomes.map((o) => o.purpose !== 'large-epsilon' && atEpsilon(o));
  const worstRows = outcomes.filter((_, k) => inWorst[k]);
  const worst = worstCase(cleanCorrect, worstRows.map((o) => o.success));
  // brokenBy indexes the worst-case rows; map it back to indices into all rows.
  const rowIndex = outcomes.map((_, k) => k).filter((k) => inWorst[k]);
  for (let i = 0; i < n; i++) if (worst.brokenBy[i] >= 0) worst.brokenBy[i] = rowIndex[worst.brokenBy[i]];

  const rows: ReportRow[] = outcomes.map((o, k) => {
    const robust = robustCount(cleanCorrect, o.success);
    let uniqueBreaks = 0;
    if (inWorst[k]) {
      const others = unionMask(worstRows.filter((w) => w !== o).map((w) => w.success), n);
      for (let i = 0; i < n; i++) if (cleanCorrect[i] && o.success[i] && !others[i]) uniqueBreaks++;
    }
    return {
      key: o.key,
      attack: o.attack,
      name: o.name,
      role: o.role,
      purpose: o.purpose,
      epsilon: o.epsilon,
      robustAccuracy: robust / n,
      robust,
      uniqueBreaks,
      inWorstCase: inWorst[k],
      success: o.success,
      hyperparameters: o.hyperparameters,
      queries: o.queries,
      seconds: o.seconds,
    };
  });

  return {
    model: opts.model,
    dataset: opts.dataset,
    norm: 'linf',
    epsilon: opts.epsilon,
    n,
    seed: opts.seed,
    cleanAccuracy: count(cleanCorrect) / n,
    cleanCorrect,
    rows,
    worstCase: worst,
    flags: sanityFlags(cleanCorrect, outcomes, opts),
    settings: opts.settings ?? {},
    seconds: opts.seconds ?? outcomes.reduce((s, o) => s + o.seconds, 0),
  };
}

const named = (o: AttackOutcome): NamedMask => ({ name: o.name, success: o.success });

/** Runs every sanity check over the outcomes of a report. */
export function sanityFlags(cleanCorrect: Uint8Array, outcomes: AttackOutcome[], opts: AssembleOptions): SanityFlag[] {
  const at = outcomes.filter((o) => Math.abs(o.epsilon - opts.epsilon) <= 1e-9 && o.purpose !== 'large-epsilon');
  const suite = at.filter((o) => o.purpose === 'suite');
  const byRole = (roles: readonly AttackRole[], from = suite) => from.filter((o) => roles.includes(o.role)).map(named);
  // Clean errors count as broken in every mask; a masked model still gets them right, so they cancel out.
  const whiteBox = byRole(WHITE_BOX_ROLES, at);
  const flags: SanityFlag[] = [];
  flags.push(checkSingleStepBeatsIterative(byRole(['single-step']), byRole(['iterative']), opts.tolerance));
  flags.push(checkBlackBoxBeatsWhiteBox(whiteBox, byRole(['black-box', 'transfer']), opts.tolerance));

  const large = outcomes.filter((o) => o.purpose === 'large-epsilon');
  const largeName = large[0]?.name ?? 'the iterative attack';
  flags.push(
    checkNoCollapseAtLargeEpsilon(
      largeName,
      large.map((o) => ({ epsilon: o.epsilon, accuracy: robustCount(cleanCorrect, o.success) / cleanCorrect.length })),
      { largeEpsilon: opts.largeEpsilon, maxAccuracy: Math.min(0.5, 1 / opts.numClasses + 0.1) },
    ),
  );

  const noise = suite.find((o) => o.role === 'noise');
  flags.push(
    noise
      ? checkNoiseMatchesAttack(cleanCorrect, named(noise), byRole(WHITE_BOX_ROLES), opts.tolerance)
      : notEvaluated('noise-matches-attack', 'the random-noise baseline was not run'),
  );

  // Would more effort change the figure to quote? The stronger run against the suite's per-example worst case.
  const stronger = at.find((o) => o.purpose === 'more-effort');
  flags.push(
    stronger && suite.length > 0
      ? checkMoreEffortChangesResult(
          { name: 'every attack of the suite', success: unionMask(suite.map((o) => o.success), cleanCorrect.length) },
          named(stronger),
          opts.tolerance,
        )
      : notEvaluated('more-effort-changes-result', 'no run with more steps and restarts'),
  );
  return flags;
}
