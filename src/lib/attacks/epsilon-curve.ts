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
import { bucketSize, fixedShapesByDefault, gatherRows, indicesWhere, padRows, pick, replaceRows } from './batch';
import { gradientAndLogits } from './iterative';
import { ascentObjective, crossEntropyObjectiveGrad, rowStats } from './losses';
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
  /** Pad working batches to buckets rather than shrink them (AttackOptions.fixedShapes, resolved). */
  fixedShapes?: boolean;
  /** The gradient of the untargeted objective and the logits at the clean batch, when the attack asked for them. */
  clean?: { grad: tf.Tensor; logits: Float32Array };
}

export interface CurveAttack {
  caps: AttackCapabilities;
  hyperparameters: Record<string, number | string | boolean>;
  /**
   * The attack's first step is the gradient at the clean input (FGSM, BIM without random start): the driver's clean
   * pass then computes that gradient with the logits (one forward-backward instead of a forward, then another
   * forward-backward), kept for every ε of the curve.
   */
  cleanGradient?: boolean;
  /** Optional one-off run on the rows robust on clean inputs (minimisation attacks); returns queries spent. */
  prepare?(ctx: CurveContext, xRows: tf.Tensor, rows: Int32Array): Promise<number>;
  /**
   * Attacks rows `rows` of the batch (given as xRows) at budget ε; returns their adversarials (a new tensor the
   * driver takes over) and the model queries spent.
   */
  atEpsilon(
    ctx: CurveContext,
    xRows: tf.Tensor,
    rows: Int32Array,
    epsilon: number,
  ): Promise<{ adversarial: tf.Tensor; queries: number; scored?: { predicted: Int32Array; success: Uint8Array } }>;
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

  const targeted = opts.targeted === true;
  // Targets are chosen from the clean logits, so only an untargeted attack can take its first gradient here.
  let cleanPass: { grad: tf.Tensor; logits: Float32Array } | undefined;
  let cleanLogits: Float32Array | null;
  // The clean pass's gradient is of the cross-entropy: an attack ascending another loss (main's `loss: 'margin'`
  // option) computes its own first gradient.
  const loss = (opts as { loss?: string }).loss;
  if (attack.cleanGradient && !targeted && (loss === undefined || loss === 'ce')) {
    const classes = tf.tensor1d(labels, 'int32');
    let pass: { grad: tf.Tensor; logits: tf.Tensor2D };
    try {
      const onehot = tf.tidy(() => tf.oneHot(classes, C).cast('float32') as tf.Tensor2D);
      try {
        pass = gradientAndLogits(model, x, (z) => ascentObjective(z, classes, false), (z) => crossEntropyObjectiveGrad(z, onehot, false));
      } finally {
        onehot.dispose();
      }
    } finally {
      classes.dispose();
    }
    const { grad, logits } = pass;
    try {
      cleanLogits = (await logits.data()) as Float32Array;
    } catch (err) {
      grad.dispose();
      throw err;
    } finally {
      logits.dispose();
    }
    cleanPass = { grad, logits: cleanLogits };
  } else if (opts.maximizeLoss && !targeted) {
    // Adversarial training: every row is attacked at every ε whatever the clean prediction, and the rows come
    // scored by the attack, so the clean forward would only be checked and dropped (a forward in seven of an
    // FGSM-RS training step). A model with non-finite logits still shows in the training loss.
    cleanLogits = null;
  } else {
    cleanLogits = await readLogits(model, x);
  }
  try {
    if (cleanLogits) checkLogits(cleanLogits, n, C, id);
  } catch (err) {
    cleanPass?.grad.dispose();
    throw err;
  }
  const rng = createRng(opts.seed ?? 0);
  const targets = targeted ? chooseTargets(opts.target, labels, cleanLogits!, C, rng, id) : null;
  const norm = opts.norm ?? attack.caps.norms[0];
  const fixedShapes = opts.fixedShapes ?? fixedShapesByDefault();
  const ctx: CurveContext = { model, labels, targets, targeted, norm, opts, rng, fixedShapes, clean: cleanPass };
  // Without clean logits (adversarial training) no row counts as broken before the attack; every row is attacked.
  const clean = cleanLogits ? rowStats(cleanLogits, n, C, labels, targets) : { success: new Uint8Array(n), predicted: new Int32Array(n).fill(-1) };

  const order = opts.epsilons.map((e, i) => i).sort((a, b) => opts.epsilons[a] - opts.epsilons[b]);
  const results: EpsilonResult[] = new Array(opts.epsilons.length);
  const made: tf.Tensor[] = [];
  let carryAdv: tf.Tensor = x;
  let carrySuccess = clean.success;
  let carryPredicted = clean.predicted;
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
      // Predictions at the merged batch: carried rows keep theirs; attacked rows come scored by the attack, or not.
      let predicted: Int32Array | null = carryPredicted.slice();
      if (rows.length > 0) {
        // Fixed shapes: the padded rows repeat rows[0]; their results are dropped below.
        const work = fixedShapes ? padRows(rows, bucketSize(rows.length, n)) : rows;
        // Every row, in order (indicesWhere is increasing): the batch itself, without a gather, and below the
        // attack's result is the merged batch as it is (no concat + gather of two whole batches).
        const whole = rows.length === n && work.length === n;
        const xRows = whole ? x : gatherRows(x, work);
        let out: Awaited<ReturnType<CurveAttack['atEpsilon']>>;
        try {
          out = await attack.atEpsilon(ctx, xRows, work, epsilon);
        } finally {
          if (xRows !== x) xRows.dispose();
        }
        if (work.length > rows.length) {
          // The padded rows stay in the tensor: replaceRows reads only the first rows.length of them, so no
          // tensor of the unpadded size is made (on WebGPU every new size is a buffer the pool keeps forever).
          out = {
            adversarial: out.adversarial,
            queries: Math.round((out.queries * rows.length) / work.length),
            scored: out.scored && { predicted: out.scored.predicted.slice(0, rows.length), success: out.scored.success.slice(0, rows.length) },
          };
        }
        if (whole) merged = out.adversarial;
        else {
          merged = opts.maximizeLoss ? out.adversarial.clone() : replaceRows(carryAdv, out.adversarial, rows);
          out.adversarial.dispose();
        }
        queries += out.queries;
        if (out.scored) rows.forEach((r, i) => (predicted![r] = out.scored!.predicted[i]));
        else predicted = null;
      } else {
        merged = carryAdv.clone();
      }
      made.push(merged);
      const stats = predicted ? scoreFromPredictions(predicted, labels, targets) : rowStats(await readLogits(model, merged), n, C, labels, targets);
      const norms = await allNorms(merged, x);
      results[k] = { epsilon, adversarial: merged, success: stats.success, predicted: stats.predicted, ...norms, queries };
      carryAdv = merged;
      carrySuccess = stats.success;
      carryPredicted = stats.predicted;
    }
  } catch (err) {
    for (const t of made) t.dispose();
    throw err;
  } finally {
    attack.dispose?.();
    cleanPass?.grad.dispose();
  }
  const out: AttackResult = { attack: id, hyperparameters: { norm, ...attack.hyperparameters }, results };
  if (targets) out.targets = targets;
  return out;
}

/** Success from predictions alone (the convention of rowStats: untargeted ≠ label, targeted = target). */
function scoreFromPredictions(predicted: Int32Array, labels: Int32Array, targets: Int32Array | null): { success: Uint8Array; predicted: Int32Array } {
  const success = new Uint8Array(predicted.length);
  for (let i = 0; i < predicted.length; i++) success[i] = (targets ? predicted[i] === targets[i] : predicted[i] !== labels[i]) ? 1 : 0;
  return { success, predicted };
}

/** Labels (or targets) of the given rows. */
export function rowClasses(ctx: CurveContext, rows: Int32Array): { labels: Int32Array; targets: Int32Array | null } {
  return { labels: pick(ctx.labels, rows), targets: ctx.targets ? pick(ctx.targets, rows) : null };
}
