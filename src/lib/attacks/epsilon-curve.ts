/**
 * The driver every attack runs under: validation, the clean pass, targets, and the ε-curve.
 *
 * ε values are processed in ascending order. An example broken at a smaller ε stays broken at every larger one (its
 * δ lies inside the larger ball), so its adversarial is carried forward and the attack at the next ε runs only on the
 * rows still unbroken: success is non-decreasing in ε by construction, and no work is spent twice.
 *
 * (Except with opts.maximizeLoss, the adversarial-training mode: every row is attacked at every ε.)
 *
 * Convention: a clean input that is already misclassified (untargeted) — or already predicted as the target
 * (targeted) — counts as a success at every ε with δ = 0. Robust accuracy is therefore 1 − success rate.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../util/rng';
import { checkpoint } from '../util/checkpoint';
import { gatherRows, indicesWhere, pick, replaceRows } from './batch';
import { rowStats } from './losses';
import { allNorms } from './perturbation';
import { chooseTargets } from './targets';
import type { AttackModel, AttackOptions, AttackResult, EpsilonResult, Labels, Norm } from './types';
import {
  checkInputRange,
  checkLogits,
  readLabels,
  validateModelAndInput,
  validateOptions,
  type AttackCapabilities,
} from './validate';

/** What an attack sees while the driver runs it. */
export interface CurveContext {
  model: AttackModel;
  /** Labels and targets of the whole batch (index them with `rows`). */
  labels: Int32Array;
  targets: Int32Array | null;
  targeted: boolean;
  norm: Norm;
  opts: AttackOptions;
  rng: Rng;
}

export interface CurveAttack {
  caps: AttackCapabilities;
  hyperparameters: Record<string, number | string | boolean>;
  /** Optional one-off run on the rows robust on clean inputs (minimisation attacks); returns queries spent. */
  prepare?(ctx: CurveContext, xRows: tf.Tensor, rows: Int32Array): Promise<number>;
  /**
   * Attacks rows `rows` of the batch (given as xRows) at budget ε; returns their adversarials (a new tensor the
   * driver takes over) and the model queries spent.
   */
  atEpsilon(ctx: CurveContext, xRows: tf.Tensor, rows: Int32Array, epsilon: number): Promise<{ adversarial: tf.Tensor; queries: number }>;
  /** Frees whatever prepare() kept. */
  dispose?(): void;
}

/** Logits of a batch, read back; the forward runs inside tidy. */
export async function readLogits(model: AttackModel, x: tf.Tensor): Promise<Float32Array> {
  const z = tf.tidy(() => model.logits(x));
  try {
    return (await z.data()) as Float32Array;
  } finally {
    z.dispose();
  }
}

export async function runEpsilonCurve(
  model: AttackModel,
  x: tf.Tensor,
  labelsIn: Labels,
  opts: AttackOptions,
  attack: CurveAttack,
): Promise<AttackResult> {
  const id = attack.caps.id;
  validateOptions(opts, attack.caps);
  validateModelAndInput(model, x, id);
  const n = x.shape[0];
  const C = model.numClasses;
  const labels = await readLabels(labelsIn, n, C, id);
  const range = tf.tidy(() => tf.stack([x.min(), x.max()]));
  const [min, max] = await range.data();
  range.dispose();
  checkInputRange(min, max, model.bounds, id);

  const cleanLogits = await readLogits(model, x);
  checkLogits(cleanLogits, n, C, id);
  const rng = createRng(opts.seed ?? 0);
  const targeted = opts.targeted === true;
  const targets = targeted ? chooseTargets(opts.target, labels, cleanLogits, C, rng, id) : null;
  const norm = opts.norm ?? attack.caps.norms[0];
  const ctx: CurveContext = { model, labels, targets, targeted, norm, opts, rng };
  const clean = rowStats(cleanLogits, n, C, labels, targets);

  const order = opts.epsilons.map((e, i) => i).sort((a, b) => opts.epsilons[a] - opts.epsilons[b]);
  const results: EpsilonResult[] = new Array(opts.epsilons.length);
  const made: tf.Tensor[] = [];
  let carryAdv: tf.Tensor = x;
  let carrySuccess = clean.success;
  try {
    let prepareQueries = 0;
    if (attack.prepare) {
      const rows = opts.maximizeLoss ? indicesWhere(new Uint8Array(n), 0) : indicesWhere(clean.success, 0);
      if (rows.length > 0) {
        const xRows = gatherRows(x, rows);
        try {
          prepareQueries = await attack.prepare(ctx, xRows, rows);
        } finally {
          xRows.dispose();
        }
      }
    }
    for (const k of order) {
      await checkpoint(opts.signal);
      const epsilon = opts.epsilons[k];
      // In maximizeLoss mode every row is attacked afresh at every ε (nothing is carried).
      const rows = opts.maximizeLoss ? indicesWhere(new Uint8Array(n), 0) : indicesWhere(carrySuccess, 0);
      let merged: tf.Tensor;
      let queries = prepareQueries;
      if (rows.length > 0) {
        const xRows = gatherRows(x, rows);
        let out: { adversarial: tf.Tensor; queries: number };
        try {
          out = await attack.atEpsilon(ctx, xRows, rows, epsilon);
        } finally {
          xRows.dispose();
        }
        merged = opts.maximizeLoss ? out.adversarial.clone() : replaceRows(carryAdv, out.adversarial, rows);
        out.adversarial.dispose();
        queries += out.queries;
      } else {
        merged = carryAdv.clone();
      }
      made.push(merged);
      const logits = await readLogits(model, merged);
      const stats = rowStats(logits, n, C, labels, targets);
      const norms = await allNorms(merged, x);
      results[k] = { epsilon, adversarial: merged, success: stats.success, predicted: stats.predicted, ...norms, queries };
      carryAdv = merged;
      carrySuccess = stats.success;
    }
  } catch (err) {
    for (const t of made) t.dispose();
    throw err;
  } finally {
    attack.dispose?.();
  }
  const out: AttackResult = { attack: id, hyperparameters: { norm, ...attack.hyperparameters }, results };
  if (targets) out.targets = targets;
  return out;
}

/** Labels (or targets) of the given rows. */
export function rowClasses(ctx: CurveContext, rows: Int32Array): { labels: Int32Array; targets: Int32Array | null } {
  return { labels: pick(ctx.labels, rows), targets: ctx.targets ? pick(ctx.targets, rows) : null };
}
