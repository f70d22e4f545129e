/**
 * Minimal adversarial radius per example: the basis of radius histograms and robust-margin figures.
 *
 * - 'bisection' (default): PGD at maxEpsilon first; for examples it breaks, bisect ε per example (vectorised over
 *   the batch: every round runs one PGD with a per-example ε) and keep the smallest adversarial found. The radius is
 *   the measured ‖δ‖ of that adversarial, an upper bound on the true radius within the bisection precision.
 * - 'deepfool' / 'cw-l2': run the minimisation attack once and take the ‖δ‖ of its adversarial.
 * Untargeted. Misclassified clean inputs get radius 0; examples not broken within maxEpsilon get Infinity.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../util/rng';
import { checkpoint } from '../util/checkpoint';
import { gatherRows, indicesWhere, pick, replaceRows } from './batch';
import { carliniWagnerL2 } from './cw';
import { deepFool } from './deepfool';
import { readLogits, type CurveContext } from './epsilon-curve';
import { iterativeAttack } from './iterative';
import { rowStats } from './losses';
import { perturbationNorm } from './perturbation';
import { stepFor } from './step-rules';
import type { AttackModel, Labels } from './types';
import { checkInputRange, checkLogits, readLabels, validateModelAndInput } from './validate';

export interface MinimalEpsilonOptions {
  norm?: 'linf' | 'l2';
  method?: 'bisection' | 'deepfool' | 'cw-l2';
  /** Largest radius searched (in the norm's units). */
  maxEpsilon: number;
  /** Bisection rounds: precision maxEpsilon / 2^rounds. Default 10. */
  rounds?: number;
  /** PGD steps per bisection probe (default 20) or iterations of the minimisation attack. */
  steps?: number;
  /** PGD restarts per probe (default 1). */
  restarts?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Called after each bisection round (or once for the minimisation methods). */
  onProgress?: (done: number, total: number) => void;
}

export interface MinimalEpsilonResult {
  norm: 'linf' | 'l2';
  /** ‖δ‖ of the smallest adversarial found per example; 0 if misclassified clean, Infinity if none ≤ maxEpsilon. */
  radius: Float32Array;
  /** The adversarial at that radius (the clean input where none was found). Caller disposes. */
  adversarial: tf.Tensor;
  /** Model evaluations (forward+gradient), per example. */
  queries: number;
}

export async function minimalEpsilon(
  model: AttackModel,
  x: tf.Tensor,
  labelsIn: Labels,
  opts: MinimalEpsilonOptions,
): Promise<MinimalEpsilonResult> {
  const id = 'minimal-epsilon';
  const norm = opts.norm ?? 'linf';
  const method = opts.method ?? 'bisection';
  if (norm !== 'linf' && norm !== 'l2') throw new Error(`${id}: norm must be 'linf' or 'l2', got '${norm}'`);
  if (!['bisection', 'deepfool', 'cw-l2'].includes(method)) throw new Error(`${id}: method must be 'bisection', 'deepfool' or 'cw-l2', got '${method}'`);
  if (method === 'cw-l2' && norm !== 'l2') throw new Error(`${id}: method 'cw-l2' measures the L2 radius; set norm: 'l2'`);
  if (!(typeof opts.maxEpsilon === 'number' && Number.isFinite(opts.maxEpsilon) && opts.maxEpsilon > 0))
    throw new Error(`${id}: maxEpsilon must be a finite number > 0, got ${opts.maxEpsilon}`);
  const rounds = opts.rounds ?? 10;
  const steps = opts.steps ?? 20;
  const restarts = opts.restarts ?? 1;
  for (const [k, v] of [['rounds', rounds], ['steps', steps], ['restarts', restarts]] as const)
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${id}: ${k} must be an integer > 0, got ${v}`);
  validateModelAndInput(model, x, id);
  const n = x.shape[0];
  const labels = await readLabels(labelsIn, n, model.numClasses, id);
  const range = tf.tidy(() => tf.stack([x.min(), x.max()]));
  const [min, max] = await range.data();
  range.dispose();
  checkInputRange(min, max, model.bounds, id);
  const clean = await readLogits(model, x);
  checkLogits(clean, n, model.numClasses, id);
  const cleanStats = rowStats(clean, n, model.numClasses, labels, null);

  const radius = new Float32Array(n).fill(Infinity);
  for (let i = 0; i < n; i++) if (cleanStats.success[i]) radius[i] = 0;
  const rows = indicesWhere(cleanStats.success, 0);
  if (rows.length === 0) return { norm, radius, adversarial: x.clone(), queries: 0 };
  const rng = createRng(opts.seed ?? 0);
  const xR = gatherRows(x, rows);
  const yR = pick(labels, rows);
  let best: tf.Tensor | null = null;
  let queries = 0;
  try {
    let found: Uint8Array;
    if (method === 'bisection') {
      const probe = async (xs: tf.Tensor, ys: Int32Array, eps: Float32Array) => {
        const out = await iterativeAttack(model, xs, {
          norm,
          steps,
          epsilon: eps,
          stepSize: eps.map((e) => (2.5 * e) / steps),
          // From x itself: the first step follows the gradient exactly (exact for linear models); restarts, if
          // asked for, start at random points.
          randomStart: false,
          restarts,
          seed: rng.seed(),
          rule: stepFor(norm),
          labels: ys,
          targets: null,
          reportEpsilon: NaN,
          signal: opts.signal,
        });
        queries += out.queries;
        return out;
      };
      const first = await probe(xR, yR, new Float32Array(rows.length).fill(opts.maxEpsilon));
      best = first.adversarial;
      found = first.success;
      const local = indicesWhere(found, 1);
      const lo = new Float32Array(local.length);
      const hi = new Float32Array(local.length).fill(opts.maxEpsilon);
      if (local.length > 0) {
        const xs = gatherRows(xR, local);
        try {
          for (let r = 0; r < rounds; r++) {
            await checkpoint(opts.signal);
            const mid = lo.map((l, i) => (l + hi[i]) / 2);
            const out = await probe(xs, pick(yR, local), mid);
            const won: number[] = [];
            const at: number[] = [];
            out.success.forEach((s, i) => {
              if (s) {
                hi[i] = mid[i];
                won.push(i);
                at.push(local[i]);
              } else lo[i] = mid[i];
            });
            const better = gatherRows(out.adversarial, Int32Array.from(won));
            const merged = replaceRows(best, better, Int32Array.from(at));
            better.dispose();
            out.adversarial.dispose();
            best.dispose();
            best = merged;
            opts.onProgress?.(r + 1, rounds);
          }
        } finally {
          xs.dispose();
        }
      }
    } else {
      const ctx: CurveContext = {
        model,
        labels,
        targets: null,
        targeted: false,
        norm,
        rng,
        opts: { epsilons: [opts.maxEpsilon], norm, signal: opts.signal },
      };
      const out =
        method === 'deepfool'
          ? await deepFool(ctx, xR, rows, { steps: opts.steps ?? 50, overshoot: 0.02, norm })
          : await carliniWagnerL2(ctx, xR, rows, { steps: opts.steps ?? 100, binarySearchSteps: 5, initialConst: 0.1, learningRate: 0.05, confidence: 0 });
      best = out.adversarial;
      queries += out.queries;
      const z = await readLogits(model, best);
      found = rowStats(z, rows.length, model.numClasses, yR, null).success;
      opts.onProgress?.(1, 1);
    }
    const normsT = tf.tidy(() => perturbationNorm(best!.sub(xR), norm));
    const norms = await normsT.data();
    normsT.dispose();
    const keep: number[] = [];
    const at: number[] = [];
    rows.forEach((row, i) => {
      if (found[i] && norms[i] <= opts.maxEpsilon * (1 + 1e-6)) {
        radius[row] = norms[i];
        keep.push(i);
        at.push(row);
      }
    });
    const kept = gatherRows(best, Int32Array.from(keep));
    const adversarial = replaceRows(x, kept, Int32Array.from(at));
    kept.dispose();
    return { norm, radius, adversarial, queries };
  } finally {
    best?.dispose();
    xR.dispose();
  }
}
