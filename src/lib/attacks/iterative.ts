/**
 * The one iterative loop behind FGSM, BIM, PGD (L∞, L2), MI-FGSM and APGD: an attack is a step rule plus the
 * norm's projection. Each step evaluates the ascent objective's gradient ∂L/∂x only (never weight gradients), asks
 * the rule for the next iterate, then clips to the input box and projects onto the ε-ball. The per-example best
 * iterate (first success, else highest objective) is kept across steps and restarts — the worst case per example.
 * ε and step size may differ per example (minimal-ε bisection uses that).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../util/rng';
import { checkpoint } from '../util/checkpoint';
import { bucketSize, gatherRows, indicesWhere, padRows, pick, replaceRows, selectRows } from './batch';
import { rowClasses, type CurveContext } from './epsilon-curve';
import { inputGradientPassOf } from './model-adapter';
import { DerivedWeights } from '../models/input-gradient-forward';
import { clampInto, signStepInBox } from './sign-step-kernel';
import { hostMemoryBackend } from '../backend/heap-kernels';
import { ascentObjective, crossEntropyObjectiveGrad, dlrLoss, dlrRows, dlrTargetedLoss, mean, rowStats, type AttackLoss } from './losses';
import { linfInterval, normsInHostMemory, perExample, perturbationNorm, projectToBall, randomInBall, unitBallSample } from './perturbation';
import type { AttackModel, StepInfo } from './types';

/** What a step rule sees at step k. Tensors belong to the loop: read them, don't dispose them. */
export interface StepState {
  k: number;
  steps: number;
  /** Current iterate x_k. */
  x: tf.Tensor;
  /** ∇ₓ of the ascent objective at x_k. */
  grad: tf.Tensor;
  /** Per-example ascent objective at x_k. */
  objective: Float32Array;
  /** The clean inputs. */
  xOrig: tf.Tensor;
  /** ε and step size per example, shape [n, 1, …]. */
  eps: tf.Tensor;
  stepSize: tf.Tensor;
  /** Clip to the box and project onto the ε-ball around xOrig (a new tensor). */
  project(t: tf.Tensor): tf.Tensor;
}

export interface StepRule {
  /** The next iterate (the loop projects it again). Runs inside tf.tidy: tensors the rule keeps must be tf.keep()-ed. */
  next(s: StepState): tf.Tensor;
  /**
   * next(s) is exactly x + stepSize·sign(grad) and keeps no state: the loop may then take the step and the L∞
   * projection in one kernel (sign-step-kernel.ts) instead of calling next.
   */
  plainSign?: boolean;
  /** Frees tensors the rule kept across steps. */
  dispose?(): void;
}

/** Makes a fresh rule for one run on a batch of n examples. */
export type StepRuleFactory = (n: number) => StepRule;

export interface IterativeParams {
  norm: 'linf' | 'l2';
  steps: number;
  /** Per-example ε and absolute step size. */
  epsilon: Float32Array;
  stepSize: Float32Array;
  /** Per-example radius of the random start when it differs from ε (N-FGSM starts in a cube larger than its step). */
  startRadius?: Float32Array;
  randomStart: boolean;
  /** Runs in all; runs after the first attack only the examples still unbroken, always from a random start. */
  restarts: number;
  seed: number;
  rule: StepRuleFactory;
  labels: Int32Array;
  targets: Int32Array | null;
  /** The ε reported in StepInfo. */
  reportEpsilon: number;
  onStep?: (s: StepInfo) => void;
  signal?: AbortSignal;
  /**
   * Where the rows sit in the caller's full batch: the first run's random start is then drawn for the full batch and
   * gathered, so each example gets the same start whichever subset of the batch is attacked (this makes restarts,
   * and ε-curves that skip broken rows, never lower success per example).
   */
  rowsOf?: { rows: Int32Array; total: number };
  /** Keep the highest-objective iterate and run every step, even after success (adversarial training). */
  maximizeLoss?: boolean;
  /**
   * Run every step and return each row's LAST iterate, unscored: no forward pass after the final step (success,
   * objective and predicted come back as 0, −∞ and −1). What single-step adversarial training trains on (FGSM-RS,
   * N-FGSM: their papers take the step's result as it is); it saves one forward pass per training step.
   */
  lastIterate?: boolean;
  /** The loss ascended (default cross-entropy; losses.ts). DLR with targets (or lossTargets) is the targeted DLR. */
  loss?: AttackLoss;
  /**
   * Classes the targeted DLR loss aims at while success stays untargeted (prediction ≠ label): APGD-T's way of using
   * a targeted loss to find ANY misclassification. Only with loss 'dlr' and targets null.
   */
  lossTargets?: Int32Array;
  /**
   * The gradient and logits at x itself, when the caller already has them (the driver's clean pass): the first run
   * without a random start then skips its step-0 forward-backward. grad is [n, …] for these rows; logits [n·C].
   */
  initial?: { grad: tf.Tensor; logits: Float32Array };
  /** Restarts pad the unbroken rows to a bucket instead of shrinking the batch (AttackOptions.fixedShapes). */
  fixedShapes?: boolean;
}

export interface IterativeOutcome {
  /** Best iterate per example (new tensor, caller disposes). */
  adversarial: tf.Tensor;
  success: Uint8Array;
  objective: Float32Array;
  /** The model's prediction at the best iterate (−1 where the best is still the clean input, never scored). */
  predicted: Int32Array;
  /** Forward(+gradient) evaluations, counted per example. */
  queries: number;
}

/**
 * ∇ₓ of the summed per-example objective and the logits of the same forward pass. `objectiveGrad`, where given, is
 * ∂(Σ objective)/∂logits written out; with the model's tape-free pass (model-adapter.ts) it replaces autodiff of
 * the objective too.
 */
export function gradientAndLogits(
  model: AttackModel,
  x: tf.Tensor,
  objective: (logits: tf.Tensor2D) => tf.Tensor1D,
  objectiveGrad?: (logits: tf.Tensor2D) => tf.Tensor,
  /** Weight-derived tensors kept across the steps of one run (the caller disposes it). */
  derived?: DerivedWeights,
): { grad: tf.Tensor; logits: tf.Tensor2D } {
  const pass = inputGradientPassOf(model);
  if (pass) return pass(x, objectiveGrad ?? ((z) => tf.grad((zi: tf.Tensor) => objective(zi as tf.Tensor2D).sum())(z)), derived);
  let logits: tf.Tensor2D | null = null;
  const grad = tf.grad((xi: tf.Tensor) => {
    const z = model.logits(xi);
    // A clone, because tensors saved on the gradient tape are disposed after backprop.
    logits = tf.keep(z.clone());
    return objective(z).sum();
  })(x);
  return { grad, logits: logits! };
}

async function singleRun(model: AttackModel, x: tf.Tensor, p: IterativeParams, seed: number, restart: number): Promise<IterativeOutcome> {
  const n = x.shape[0];
  const C = model.numClasses;
  const eps = perExample(p.epsilon, x.rank);
  let step = perExample(p.stepSize, x.rank);
  const startEps = p.startRadius ? perExample(p.startRadius, x.rank) : eps;
  let classes = tf.tensor1d(p.targets ?? p.labels, 'int32');
  const targeted = p.targets !== null;
  const dlr = p.loss === 'dlr';
  if (p.lossTargets && !(dlr && !targeted)) throw new Error('lossTargets needs the DLR loss and an untargeted run');
  const dlrTargets = dlr ? (p.lossTargets ?? p.targets) : null;
  const labelTensor = dlr ? tf.tensor1d(p.labels, 'int32') : null;
  const dlrTargetTensor = dlrTargets ? tf.tensor1d(dlrTargets, 'int32') : null;
  const objective = (z: tf.Tensor2D): tf.Tensor1D =>
    !dlr ? ascentObjective(z, classes, targeted, p.loss === 'margin' ? 'margin' : 'ce') : dlrTargetTensor ? dlrTargetedLoss(z, labelTensor!, dlrTargetTensor) : dlrLoss(z, labelTensor!);
  // Built at the first gradient this run takes (an FGSM that reuses the driver's clean gradient takes none).
  let onehot: tf.Tensor2D | null = null;
  const objectiveGrad =
    !dlr && p.loss !== 'margin'
      ? (z: tf.Tensor2D) => crossEntropyObjectiveGrad(z, (onehot ??= tf.keep(tf.tidy(() => tf.oneHot(classes, C).cast('float32') as tf.Tensor2D))), targeted)
      : undefined;
  // L∞: the ε-cube ∩ box is a fixed per-coordinate interval for the whole run, so projecting is one clamp (one heap
  // kernel on wasm/cpu instead of projectToBall's nine ops; at batch 1 the per-op overhead is most of a step's
  // cost), and a plain sign step takes the step and the clamp together (signStepInBox).
  let box = p.norm === 'linf' ? linfInterval(x, eps, model.bounds) : null;
  const project = (t: tf.Tensor) =>
    box ? clampInto(t, box.lo, box.hi) : projectToBall(t, x, eps, p.norm, model.bounds);
  const rule = p.rule(n);
  // A row broken at an earlier step keeps that iterate (first success), so its later steps are wasted work: once a
  // quarter of the working rows are broken, the loop goes on with the others only — the same iterates for them, fewer
  // passes. Only where the working rows' state is just the iterate, its L∞ interval, α and the class (a plain sign
  // step, cross-entropy or margin loss); not in the modes that attack every row to the end, not with fixed shapes
  // (WebGPU's buffer pool). The progress report stays over the whole batch: a broken row keeps the figures of its
  // first successful iterate (the one returned), whether or not it is still stepped.
  const compactable = box !== null && rule.plainSign === true && !dlr && !p.maximizeLoss && !p.lastIterate && !p.fixedShapes;
  /** Each working row's row in x; null while the working rows are all of x's, in order. */
  let workingRows: Int32Array | null = null;
  /** The clean rows of the working rows (x itself until the batch shrinks). */
  let xWork = x;
  const progress = p.onStep
    ? {
        objective: new Float32Array(n),
        trueConfidence: new Float32Array(n),
        bestOtherConfidence: new Float32Array(n),
        norm: new Float32Array(n),
        success: new Float32Array(n),
        frozen: new Uint8Array(n),
      }
    : null;
  let labels = p.labels;
  let targets = p.targets;
  const start = () =>
    tf.tidy(() => {
      if (restart === 0 && p.rowsOf) {
        const { rows, total } = p.rowsOf;
        const full = unitBallSample([total, ...x.shape.slice(1)], p.norm, seed);
        // The whole batch in order (every row of a training batch): no gather of a batch-sized tensor.
        const everyRow = rows.length === total && rows.every((r, i) => r === i);
        return project(x.add((everyRow ? full : tf.gather(full, tf.tensor1d(rows, 'int32'))).mul(startEps)));
      }
      return project(x.add(randomInBall(x, startEps, p.norm, seed)));
    });
  let xk: tf.Tensor = p.randomStart || restart > 0 ? start() : x.clone();
  let best = x.clone();
  const host = hostMemoryBackend();
  let grad: tf.Tensor | null = null;
  const bestSuccess = new Uint8Array(n);
  const bestObjective = new Float32Array(n).fill(-Infinity);
  const bestPredicted = new Int32Array(n).fill(-1);
  const reuse = p.initial && !p.randomStart && restart === 0 ? p.initial : null;
  // The weights stay fixed during a run (training updates them between runs): weight-derived tensors are made once.
  const derived = new DerivedWeights();
  let queries = 0;
  try {
    for (let k = 0; ; k++) {
      await checkpoint(p.signal);
      const last = k === p.steps;
      if (last && p.lastIterate) {
        if (best !== xk) best.dispose();
        best = xk;
        break;
      }
      let data: Float32Array;
      let stride: number;
      let stepNorms: Float32Array = new Float32Array(xk.shape[0]);
      if (k === 0 && reuse) {
        // x_0 = x: the caller's clean pass already has the gradient and logits there.
        grad = reuse.grad.clone();
        queries += n; // evaluated once, in the driver's clean pass
        data = reuse.logits;
        stride = C; // and stepNorms stays 0: x_0 = x
      } else {
        let logits: tf.Tensor2D;
        if (last) logits = tf.tidy(() => model.logits(xk));
        else ({ grad, logits } = gradientAndLogits(model, xk, objective, objectiveGrad, derived));
        queries += xk.shape[0];
        if (p.onStep && !host) {
          // On a GPU the progress norm rides with the logits: one read-back per step.
          const packed = tf.tidy(() => tf.concat([logits, perturbationNorm(xk.sub(xWork), p.norm).expandDims(1)], 1));
          logits.dispose();
          data = (await packed.data()) as Float32Array;
          packed.dispose();
          stride = C + 1;
          stepNorms = Float32Array.from({ length: xk.shape[0] }, (_, i) => data[i * stride + C]);
        } else {
          data = (await logits.data()) as Float32Array;
          logits.dispose();
          stride = C;
          // In host memory the iterate is read where it lies: no kernel (perturbationNorm's five cost more than the
          // arithmetic at batch 1) and no copy of the batch (~9 ms per PGD-20 call at 256 MNIST images).
          if (p.onStep) {
            const all = normsInHostMemory(xk, xWork)!;
            stepNorms = p.norm === 'linf' ? all.linf : all.l2;
          }
        }
      }
      const m = xk.shape[0];
      const stats = rowStats(data, m, C, labels, targets, stride);
      // The margin loss's ascent objective is minus the row margin (see losses.ts), in both modes; DLR has its own.
      if (p.loss === 'margin') stats.objective = stats.margin.map((m) => -m);
      if (dlr) stats.objective = dlrRows(data, n, C, p.labels, dlrTargets, stride);
      if (k > 0 && !p.lastIterate) {
        const take = new Uint8Array(m);
        for (let i = 0; i < m; i++) {
          const r = workingRows ? workingRows[i] : i;
          if (p.maximizeLoss) {
            if (stats.objective[i] > bestObjective[r]) {
              take[i] = 1;
              bestSuccess[r] = stats.success[i];
              bestObjective[r] = stats.objective[i];
              bestPredicted[r] = stats.predicted[i];
            }
            continue;
          }
          if (bestSuccess[r]) continue;
          if (stats.success[i] || stats.objective[i] > bestObjective[r]) {
            take[i] = 1;
            bestSuccess[r] = stats.success[i];
            bestObjective[r] = stats.objective[i];
            bestPredicted[r] = stats.predicted[i];
          }
        }
        const taken = take.reduce((a, t) => a + t, 0);
        if (workingRows) {
          if (taken > 0) {
            const local = indicesWhere(take, 1);
            const updated = replaceRows(best, xk, pick(workingRows, local), local);
            best.dispose();
            best = updated;
          }
        } else if (taken === n) {
          // Whole-batch outcomes (every row at batch 1) share the iterate instead of copying it (one kernel less).
          if (best !== xk) best.dispose();
          best = xk;
        } else if (taken > 0) {
          const updated = selectRows(take, xk, best);
          if (best !== xk) best.dispose();
          best = updated;
        }
      }
      if (progress && p.onStep) {
        for (let i = 0; i < m; i++) {
          const r = workingRows ? workingRows[i] : i;
          // A row broken earlier is reported at the iterate the attack returns for it, its first success.
          if (progress.frozen[r]) continue;
          if (bestSuccess[r] && !p.maximizeLoss) progress.frozen[r] = 1;
          progress.objective[r] = stats.objective[i];
          progress.trueConfidence[r] = stats.trueConfidence[i];
          progress.bestOtherConfidence[r] = stats.bestOtherConfidence[i];
          progress.norm[r] = stepNorms[i];
          progress.success[r] = stats.success[i];
        }
        p.onStep({
          epsilon: p.reportEpsilon,
          restart,
          step: k,
          steps: p.steps,
          loss: mean(progress.objective),
          trueConfidence: mean(progress.trueConfidence),
          bestOtherConfidence: mean(progress.bestOtherConfidence),
          norm: mean(progress.norm),
          successRate: mean(progress.success),
        });
      }
      if (last || (!p.maximizeLoss && !p.lastIterate && k > 0 && bestSuccess.every((s) => s === 1))) break;
      if (compactable && k > 0) {
        const open = new Uint8Array(m);
        for (let i = 0; i < m; i++) open[i] = bestSuccess[workingRows ? workingRows[i] : i] ? 0 : 1;
        const keep = indicesWhere(open, 1);
        if (keep.length <= 0.75 * m) {
          const index = tf.tensor1d(keep, 'int32');
          const [xk2, grad2, step2, lo2, hi2, classes2, x2] = tf.tidy(() => [xk, grad!, step, box!.lo, box!.hi, classes, ...(progress ? [xWork] : [])].map((t) => tf.gather(t, index)));
          index.dispose();
          if (xWork !== x) xWork.dispose();
          xWork = x2 ?? x;
          if (xk !== best) xk.dispose();
          tf.dispose([grad!, step, box!.lo, box!.hi, classes]);
          (onehot as tf.Tensor2D | null)?.dispose();
          onehot = null;
          [xk, grad, step, classes] = [xk2, grad2, step2, classes2 as tf.Tensor1D];
          box = { lo: lo2, hi: hi2 };
          labels = pick(labels, keep);
          targets = targets && pick(targets, keep);
          workingRows = workingRows ? pick(workingRows, keep) : keep;
        }
      }
      const g = grad!;
      const next =
        box && rule.plainSign
          ? signStepInBox(xk, g, step, box.lo, box.hi)
          : tf.tidy(() => project(rule.next({ k, steps: p.steps, x: xk, grad: g, objective: stats.objective, xOrig: x, eps, stepSize: step, project })));
      g.dispose();
      grad = null;
      if (xk !== best) xk.dispose();
      xk = next;
    }
  } catch (err) {
    best.dispose();
    throw err;
  } finally {
    grad?.dispose();
    if (xk !== best) xk.dispose();
    if (xWork !== x) xWork.dispose();
    derived.dispose();
    if (startEps !== eps) startEps.dispose();
    eps.dispose();
    step.dispose();
    classes.dispose();
    (onehot as tf.Tensor2D | null)?.dispose();
    labelTensor?.dispose();
    dlrTargetTensor?.dispose();
    if (box) tf.dispose([box.lo, box.hi]);
    rule.dispose?.();
  }
  return { adversarial: best, success: bestSuccess, objective: bestObjective, predicted: bestPredicted, queries };
}

/** The loop with restarts: later runs attack only the examples not yet broken and keep the per-example worst case. */
export async function iterativeAttack(model: AttackModel, x: tf.Tensor, p: IterativeParams): Promise<IterativeOutcome> {
  // Unscored runs give restarts nothing to compare.
  if (p.lastIterate && p.restarts > 1) throw new Error('lastIterate returns unscored iterates: it takes one run (restarts = 1)');
  const rng = createRng(p.seed);
  const out = await singleRun(model, x, p, rng.seed(), 0);
  try {
    for (let r = 1; r < p.restarts; r++) {
      const rows = p.maximizeLoss ? indicesWhere(new Uint8Array(out.success.length), 0) : indicesWhere(out.success, 0);
      if (rows.length === 0) break;
      // Padded rows repeat rows[0] and come after the real ones, so index i < rows.length still means rows[i].
      const work = p.fixedShapes ? padRows(rows, bucketSize(rows.length, x.shape[0])) : rows;
      const sub = gatherRows(x, work);
      let again: IterativeOutcome;
      try {
        again = await singleRun(
          model,
          sub,
          {
            ...p,
            epsilon: pick(p.epsilon, work),
            stepSize: pick(p.stepSize, work),
            startRadius: p.startRadius ? pick(p.startRadius, work) : undefined,
            labels: pick(p.labels, work),
            targets: p.targets ? pick(p.targets, work) : null,
            lossTargets: p.lossTargets ? pick(p.lossTargets, work) : undefined,
          },
          rng.seed(),
          r,
        );
      } finally {
        sub.dispose();
      }
      out.queries += again.queries;
      const local: number[] = [];
      const global: number[] = [];
      rows.forEach((row, i) => {
        if ((!p.maximizeLoss && again.success[i]) || again.objective[i] > out.objective[row]) {
          local.push(i);
          global.push(row);
          out.success[row] = again.success[i];
          out.objective[row] = again.objective[i];
          out.predicted[row] = again.predicted[i];
        }
      });
      // Straight from the restart's (bucket-sized) batch: no tensor of the improved rows' count is made.
      const merged = replaceRows(out.adversarial, again.adversarial, Int32Array.from(global), Int32Array.from(local));
      again.adversarial.dispose();
      out.adversarial.dispose();
      out.adversarial = merged;
    }
  } catch (err) {
    out.adversarial.dispose();
    throw err;
  }
  return out;
}

/** Settings of a fixed-ε iterative attack once defaults are applied. */
export interface IterativeSettings {
  norm: 'linf' | 'l2';
  steps: number;
  /** Absolute step size; when absent relativeStepSize·ε. */
  stepSize?: number;
  relativeStepSize: number;
  randomStart: boolean;
  restarts: number;
  rule: StepRuleFactory;
  /** The loss ascended (default cross-entropy). */
  loss?: AttackLoss;
}

/** Runs the loop on the driver's rows at one ε (the common atEpsilon of the iterative attacks). */
export async function iterativeAtEpsilon(
  ctx: CurveContext,
  xRows: tf.Tensor,
  rows: Int32Array,
  epsilon: number,
  s: IterativeSettings,
  model: AttackModel = ctx.model,
  /** Per-call additions (APGD-T's lossTargets). */
  extra: Partial<IterativeParams> = {},
): Promise<{ adversarial: tf.Tensor; queries: number; scored?: { predicted: Int32Array; success: Uint8Array } }> {
  if (epsilon === 0) return { adversarial: xRows.clone(), queries: 0 };
  const { labels, targets } = rowClasses(ctx, rows);
  const n = rows.length;
  // The driver's clean gradient (same model, untargeted cross-entropy) is the first step's gradient when x_0 = x —
  // only for that loss: a margin or DLR run takes its own first gradient.
  const loss = s.loss ?? ctx.opts.loss ?? 'ce';
  const clean = ctx.clean && model === ctx.model && !s.randomStart && loss === 'ce' ? ctx.clean : null;
  const initial = clean
    ? {
        grad: rows.length === ctx.labels.length ? clean.grad.clone() : gatherRows(clean.grad, rows),
        logits: pickRows(clean.logits, rows, model.numClasses),
      }
    : undefined;
  const out = await iterativeAttack(model, xRows, {
    norm: s.norm,
    steps: s.steps,
    epsilon: new Float32Array(n).fill(epsilon),
    stepSize: new Float32Array(n).fill(s.stepSize ?? s.relativeStepSize * epsilon),
    randomStart: s.randomStart,
    restarts: s.restarts,
    seed: ctx.rng.seed(),
    rule: s.rule,
    labels,
    targets,
    reportEpsilon: epsilon,
    onStep: ctx.opts.onStep,
    signal: ctx.opts.signal,
    rowsOf: { rows, total: ctx.labels.length },
    maximizeLoss: ctx.opts.maximizeLoss === true,
    loss,
    ...extra,
    initial,
    fixedShapes: ctx.fixedShapes === true,
  }).finally(() => initial?.grad.dispose());
  // Every row scored at its best iterate: the driver need not run the model on the result again.
  const scored = out.predicted.every((c) => c >= 0) ? { predicted: out.predicted, success: out.success } : undefined;
  return { adversarial: out.adversarial, queries: out.queries, scored };
}

/** Rows of a flat [n·width] array. */
function pickRows(a: Float32Array, rows: Int32Array, width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(a.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

