/**
 * Sanity flags from the field's evaluation rules (Carlini et al. 2019, "On Evaluating Adversarial Robustness";
 * AutoAttack's flags): warnings that a robustness figure is probably too optimistic because the attack was too
 * weak or the model masks its gradient. Each check is a pure function over per-example success masks (1 = the
 * example is broken, clean errors included), so it can be tested on constructed cases.
 *
 * Every check tolerates a few examples (default: 1 % of N, at least two) so that the ordinary noise of random
 * starts does not raise a flag; a flag means a difference larger than that. (On 100 images a binomial figure moves
 * by about 3 points from sampling alone; one or two examples are no evidence of anything.)
 */
import { formatEpsilon } from '../util/format-epsilon';

export type SanityId =
  | 'single-step-beats-iterative'
  | 'black-box-beats-white-box'
  | 'no-collapse-at-large-epsilon'
  | 'noise-matches-attack'
  | 'more-effort-changes-result';

export interface SanityFlag {
  id: SanityId;
  /** A short headline for the warning box. */
  title: string;
  /** The rule the check enforces, phrased as what should hold (shown when it passes). */
  rule: string;
  fired: boolean;
  /** False when the inputs the check needs were not run (the flag then cannot fire). */
  evaluated: boolean;
  /** What was observed, with the figures. */
  message: string;
  /** What it means when it fires: likely gradient masking or a too-weak attack. */
  meaning: string;
}

/** A named per-example success mask (1 = broken). */
export interface NamedMask {
  name: string;
  success: Uint8Array;
}

export interface Tolerance {
  /** Examples that may differ before a flag fires, as a fraction of N (default 0.01). */
  fraction?: number;
  /** …and at least this many examples (default 2). */
  min?: number;
}

/** Number of examples a check tolerates: ⌊fraction·N⌋, at least `min` (default 2). */
export function toleratedExamples(n: number, tol: Tolerance = {}): number {
  const fraction = tol.fraction ?? 0.01;
  const min = tol.min ?? 2;
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`tolerance fraction must be in [0, 1), got ${fraction}`);
  if (!(Number.isInteger(min) && min >= 0)) throw new Error(`tolerance min must be an integer ≥ 0, got ${min}`);
  return Math.max(min, Math.floor(fraction * n));
}

function count(mask: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) c++;
  return c;
}

/** Examples where `a` succeeds and `b` does not. */
export function brokenOnlyBy(a: Uint8Array, b: Uint8Array): number {
  sameLength([a, b]);
  let c = 0;
  for (let i = 0; i < a.length; i++) if (a[i] && !b[i]) c++;
  return c;
}

/** Per-example OR of success masks: broken by at least one of them. */
export function unionMask(masks: Uint8Array[], n?: number): Uint8Array {
  const len = n ?? masks[0]?.length;
  if (len === undefined) throw new Error('unionMask: give at least one mask or the length n');
  sameLength(masks, len);
  const out = new Uint8Array(len);
  for (const m of masks) for (let i = 0; i < len; i++) if (m[i]) out[i] = 1;
  return out;
}

function sameLength(masks: Uint8Array[], n = masks[0]?.length): void {
  masks.forEach((m, k) => {
    if (m.length !== n) throw new Error(`success masks must all have length ${n}; mask ${k} has ${m.length}`);
  });
}


function pct(x: number): string {
  return `${(100 * x).toFixed(1)} %`;
}

function names(ms: NamedMask[]): string {
  return ms.map((m) => m.name).join(', ');
}

const MEANINGS: Record<SanityId, { title: string; rule: string; meaning: string }> = {
  'single-step-beats-iterative': {
    rule: 'Iterative attacks are at least as strong as single-step ones',
    title: 'A single-step attack beats the iterative ones',
    meaning:
      'An iterative attack takes many small steps where FGSM takes one, so it should never do worse. When it does, ' +
      'the loss surface is likely masked or very noisy near the inputs (gradient masking), or the iterative attack ' +
      'is misconfigured (step size too small, too few steps). The robust figure is probably too optimistic.',
  },
  'black-box-beats-white-box': {
    rule: 'White-box attacks find every example the black-box and transfer attacks find',
    title: 'Black-box or transfer attacks break examples the white-box attacks miss',
    meaning:
      'A white-box attack sees the gradient and should find everything a query-only or transferred attack finds. ' +
      'When the black-box side wins on some examples, the gradient is probably uninformative there (gradient ' +
      'masking or obfuscation). Trust the per-example worst case, and suspect the white-box figures.',
  },
  'no-collapse-at-large-epsilon': {
    rule: 'Accuracy falls towards 0 at a large ε',
    title: 'Accuracy does not fall towards 0 at a large ε',
    meaning:
      'With an unbounded budget any input can be turned into any other (at ε = 0.5 in L∞ every image can become ' +
      'uniform grey), so robust accuracy must approach zero. If it stays high, the attack is not optimising ' +
      'properly: vanishing or masked gradients, or a bug in the evaluation.',
  },
  'noise-matches-attack': {
    rule: 'The attack is far stronger than random noise of the same size',
    title: 'Random noise does as well as the attack',
    meaning:
      'An optimised attack should be far stronger than random perturbations of the same size. When noise breaks ' +
      'as many examples, the attack is not using the gradient effectively: the gradient may be zero, masked or ' +
      'pointing the wrong way. The robust figure is probably too optimistic.',
  },
  'more-effort-changes-result': {
    rule: 'More steps and restarts no longer change the result',
    title: 'More steps or restarts still change the result',
    meaning:
      'The attack has not converged: with twice the steps and restarts it breaks more examples, so the reported ' +
      'figure is an overestimate of robustness. Increase steps and restarts until the figure stops moving.',
  },
};

function flag(id: SanityId, fired: boolean, evaluated: boolean, message: string): SanityFlag {
  return { id, ...MEANINGS[id], fired, evaluated, message };
}

/** A flag that could not be checked because its inputs were not run. */
export function notEvaluated(id: SanityId, why: string): SanityFlag {
  return flag(id, false, false, `Not checked: ${why}.`);
}

/**
 * Single-step vs iterative: fires when the single-step attack's robust accuracy is below the best iterative
 * attack's by more than the tolerance.
 */
export function checkSingleStepBeatsIterative(singleStep: NamedMask[], iterative: NamedMask[], tol?: Tolerance): SanityFlag {
  const id: SanityId = 'single-step-beats-iterative';
  if (singleStep.length === 0 || iterative.length === 0) return notEvaluated(id, 'it needs a single-step and an iterative attack');
  const all = [...singleStep, ...iterative].map((m) => m.success);
  sameLength(all);
  const n = all[0].length;
  const allowed = toleratedExamples(n, tol);
  const bestSingle = singleStep.reduce((a, b) => (count(b.success) > count(a.success) ? b : a));
  const bestIterative = iterative.reduce((a, b) => (count(b.success) > count(a.success) ? b : a));
  const gap = count(bestSingle.success) - count(bestIterative.success);
  const onlySingle = brokenOnlyBy(bestSingle.success, unionMask(iterative.map((m) => m.success)));
  const fired = gap > allowed;
  const accSingle = 1 - count(bestSingle.success) / n;
  const accIter = 1 - count(bestIterative.success) / n;
  const message = fired
    ? `${bestSingle.name} leaves ${pct(accSingle)} robust, below ${bestIterative.name} at ${pct(accIter)}; ` +
      `${onlySingle} example(s) fall only to the single-step attack.`
    : `${bestIterative.name} (${pct(accIter)}) is at least as strong as ${bestSingle.name} (${pct(accSingle)}).`;
  return flag(id, fired, true, message);
}

/**
 * White-box vs black-box/transfer, per example: fires when more than the tolerated number of examples are broken
 * by some black-box or transfer attack but by no white-box attack.
 */
export function checkBlackBoxBeatsWhiteBox(whiteBox: NamedMask[], blackBox: NamedMask[], tol?: Tolerance): SanityFlag {
  const id: SanityId = 'black-box-beats-white-box';
  if (whiteBox.length === 0 || blackBox.length === 0) return notEvaluated(id, 'it needs white-box and black-box or transfer attacks');
  const white = unionMask(whiteBox.map((m) => m.success));
  const black = unionMask(blackBox.map((m) => m.success), white.length);
  const missed = brokenOnlyBy(black, white);
  const allowed = toleratedExamples(white.length, tol);
  const fired = missed > allowed;
  const message = fired
    ? `${missed} of ${white.length} examples are broken by ${names(blackBox)} but by none of ${names(whiteBox)}.`
    : missed === 0
      ? `Every example broken by ${names(blackBox)} is also broken by a white-box attack.`
      : `${missed} example(s) fall only to ${names(blackBox)}, within the tolerance of ${allowed}.`;
  return flag(id, fired, true, message);
}

export interface SanityCurvePoint {
  epsilon: number;
  accuracy: number;
}

export interface LargeEpsilonOptions {
  /** The budget at which accuracy should have collapsed: 0.5 for L∞ on [0,1] images. */
  largeEpsilon: number;
  /** Accuracy above this at the large budget fires the flag (default 0.2: chance on 10 classes plus a margin). */
  maxAccuracy?: number;
  norm?: 'linf' | 'l2' | 'l0';
}

/**
 * Accuracy at a large ε: fires when the curve's point at the largest ε ≥ largeEpsilon is still above maxAccuracy.
 * Without such a point the check is not evaluated.
 */
export function checkNoCollapseAtLargeEpsilon(name: string, points: SanityCurvePoint[], opts: LargeEpsilonOptions): SanityFlag {
  const id: SanityId = 'no-collapse-at-large-epsilon';
  const maxAccuracy = opts.maxAccuracy ?? 0.2;
  if (!(opts.largeEpsilon > 0)) throw new Error(`largeEpsilon must be > 0, got ${opts.largeEpsilon}`);
  const large = points.filter((p) => p.epsilon >= opts.largeEpsilon - 1e-9);
  if (large.length === 0) {
    return notEvaluated(id, `${name} was not run at ε ≥ ${formatEpsilon(opts.largeEpsilon, opts.norm)}`);
  }
  const last = large.reduce((a, b) => (b.epsilon > a.epsilon ? b : a));
  const fired = last.accuracy > maxAccuracy;
  const at = `At ε = ${formatEpsilon(last.epsilon, opts.norm)} ${name} leaves ${pct(last.accuracy)} robust`;
  const message = fired ? `${at}; it should be near 0 (at most ${pct(maxAccuracy)}).` : `${at}, as expected for so large a budget.`;
  return flag(id, fired, true, message);
}

/**
 * Noise vs attack: fires when random noise breaks (beyond the clean errors) at least as many examples as the
 * strongest white-box attack, less the tolerance. When neither breaks anything there is nothing to compare.
 */
export function checkNoiseMatchesAttack(cleanCorrect: Uint8Array, noise: NamedMask, whiteBox: NamedMask[], tol?: Tolerance): SanityFlag {
  const id: SanityId = 'noise-matches-attack';
  if (whiteBox.length === 0) return notEvaluated(id, 'it needs a white-box attack');
  sameLength([cleanCorrect, noise.success, ...whiteBox.map((m) => m.success)]);
  const n = cleanCorrect.length;
  const brokenBeyondClean = (s: Uint8Array) => {
    let c = 0;
    for (let i = 0; i < n; i++) if (cleanCorrect[i] && s[i]) c++;
    return c;
  };
  const best = whiteBox.reduce((a, b) => (brokenBeyondClean(b.success) > brokenBeyondClean(a.success) ? b : a));
  const byNoise = brokenBeyondClean(noise.success);
  const byAttack = brokenBeyondClean(best.success);
  const allowed = toleratedExamples(n, tol);
  const fired = byNoise > 0 && byNoise >= byAttack - allowed;
  const message = fired
    ? `${noise.name} breaks ${byNoise} correctly classified example(s); the strongest white-box attack, ${best.name}, breaks ${byAttack}.`
    : `${best.name} breaks ${byAttack} correctly classified example(s), ${noise.name} ${byNoise}.`;
  return flag(id, fired, true, message);
}

/**
 * Convergence: fires when the stronger run (more steps and restarts) breaks more than the tolerated number of
 * examples that the base left robust. The base may be one attack or the whole suite's per-example worst case; the
 * figure after is the worst case of both together.
 */
export function checkMoreEffortChangesResult(base: NamedMask, stronger: NamedMask, tol?: Tolerance): SanityFlag {
  const id: SanityId = 'more-effort-changes-result';
  sameLength([base.success, stronger.success]);
  const n = base.success.length;
  const extra = brokenOnlyBy(stronger.success, base.success);
  const allowed = toleratedExamples(n, tol);
  const fired = extra > allowed;
  const accBase = 1 - count(base.success) / n;
  const accBoth = 1 - count(unionMask([base.success, stronger.success])) / n;
  const message = fired
    ? `${stronger.name} breaks ${extra} example(s) that ${base.name} left robust (${pct(accBase)} → ${pct(accBoth)}).`
    : `${stronger.name} breaks ${extra} example(s) that ${base.name} left robust (${pct(accBase)} → ${pct(accBoth)}), within the tolerance of ${allowed}.`;
  return flag(id, fired, true, message);
}

/** The flag ids in the order the UI shows them. */
export const SANITY_IDS: SanityId[] = Object.keys(MEANINGS) as SanityId[];

/** The headline and meaning of a flag, for legends and help text. */
export function describeFlag(id: SanityId): { title: string; rule: string; meaning: string } {
  return MEANINGS[id];
}
