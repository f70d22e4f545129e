/**
 * Adversarial fine-tuning, live: the generic training loop (train.ts) driven step by step with a fixed held-out
 * batch evaluated every few steps (clean, PGD-k and FGSM accuracy at the training ε), the two overfitting
 * detectors on that series, pause/resume between steps, and timing that leaves out evaluation and pauses so that
 * throughput and ETA mean training speed. Model-agnostic: image CNNs and toy MLPs alike (any input shape, any
 * bounds). The caller owns the model; it is trained in place.
 */
import * as tf from '@tensorflow/tfjs';
import { layersModelAsAttackModel } from '../attacks/model-adapter';
import type { AttackModel, AttackSpec } from '../attacks/types';
import type { ExampleSet } from '../data/examples';
import type { PauseGate } from '../util/pause';
import { checkpoint } from '../util/checkpoint';
import { detectCatastrophicOverfitting, detectRobustOverfitting, type CatastrophicOverfitting, type EvalPoint, type RobustOverfitting } from './overfitting';
import { LR_SCHEDULES } from './schedule';
import { trainModel } from './train';
import type { FinetuneCheckpoint } from './finetune-checkpoint';

export const FINETUNE_METHODS = ['fgsm-rs', 'n-fgsm', 'pgd', 'trades'] as const;
export type FinetuneMethod = (typeof FINETUNE_METHODS)[number];

/** Everything that decides the training run; it goes on the model's card. */
export interface FinetuneRecipe {
  method: FinetuneMethod;
  /** L∞ budget in input units (images: [0, 1]). */
  epsilon: number;
  /** Fraction of the run over which ε ramps linearly from 0 to its target (0 = the full ε from the first step). */
  epsilonRamp: number;
  /** PGD-AT and TRADES attack steps k (FGSM-RS and N-FGSM always take one). */
  attackSteps: number;
  /** Attack step α as a multiple of ε (FGSM-RS: 1.25 by Wong et al.; N-FGSM: 1 by de Jorge et al.; PGD: 2.5/k by Madry et al.). */
  relativeStepSize: number;
  /** N-FGSM: the random start's radius as a multiple of ε (default 2, de Jorge et al.). */
  noiseMultiplier?: number;
  /** TRADES weight β on the robustness (KL) term. */
  tradesBeta: number;
  /** SGD runs with momentum 0.9. */
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  schedule: (typeof LR_SCHEDULES)[number];
  batchSize: number;
  steps: number;
  /** Share of each batch replaced by its adversarial version (1 = all adversarial); TRADES always uses both. */
  adversarialShare: number;
  seed: number;
}

/** The held-out check: a fixed batch, attacked every `every` steps at the training ε. */
export interface HeldOutSpec {
  every: number;
  /** PGD-k: steps k, step α as a multiple of ε, random restarts. */
  pgdSteps: number;
  pgdRelativeStepSize: number;
  restarts: number;
  seed: number;
}

export const DEFAULT_HELD_OUT: HeldOutSpec = { every: 20, pgdSteps: 10, pgdRelativeStepSize: 0.25, restarts: 1, seed: 7 };

export interface FinetuneWarnings {
  catastrophic: CatastrophicOverfitting | null;
  robustOverfitting: RobustOverfitting | null;
}

export interface FinetuneProgress {
  step: number;
  totalSteps: number;
  loss: number;
  smoothedLoss: number;
  learningRate: number;
  epsilon: number;
  /** Training images per second, evaluation and pauses left out. */
  imagesPerSecond: number;
  /** Seconds of training so far (evaluation included, pauses not). */
  elapsed: number;
  /** Estimated seconds left, evaluations included. */
  eta: number;
  /** Present on steps where the held-out batch was evaluated. */
  evaluation?: EvalPoint;
  warnings: FinetuneWarnings;
}

export interface FinetuneResult {
  steps: number;
  totalSteps: number;
  losses: number[];
  /** Step 0 (before any training) first. */
  evaluations: EvalPoint[];
  /** The step whose weights the model holds: the best held-out PGD accuracy. */
  bestStep: number;
  stoppedEarly: boolean;
  trainSeconds: number;
  imagesPerSecond: number;
  warnings: FinetuneWarnings;
}

export interface FinetuneOptions {
  recipe: FinetuneRecipe;
  heldOut: HeldOutSpec;
  /** The attack specs: PGD (also used for FGSM-RS training with one step) and FGSM. */
  attacks: { pgd: AttackSpec; fgsm: AttackSpec };
  /** Input range for the adversary (default [0, 1]). */
  bounds?: [number, number];
  /** Stop once robust overfitting is detected (the best weights are restored either way). */
  earlyStop: boolean;
  gate?: PauseGate;
  /** Called at a step boundary when a pause takes effect, before waiting (e.g. to snapshot the model). */
  onPause?: (step: number) => Promise<void> | void;
  onProgress?: (p: FinetuneProgress) => void;
  /** Called after every held-out evaluation, the one before training (step 0) included. */
  onEvaluation?: (e: EvalPoint, warnings: FinetuneWarnings) => void;
  signal?: AbortSignal;
  /** Continue a run from a checkpoint (same model architecture, data, recipe and held-out batch). */
  resume?: FinetuneCheckpoint;
  /** Every `every` steps (after that step's held-out check, if any) the run's whole state goes to `save`. */
  checkpoint?: { every: number; save: (c: FinetuneCheckpoint) => Promise<void> };
}

function fail(name: string, what: string, value: unknown): never {
  throw new Error(`${name} must be ${what}, got ${JSON.stringify(value)}`);
}

export function validateRecipe(r: FinetuneRecipe): FinetuneRecipe {
  if (!(FINETUNE_METHODS as readonly string[]).includes(r.method)) fail('method', `one of ${FINETUNE_METHODS.join(', ')}`, r.method);
  if (!(r.epsilon > 0 && r.epsilon <= 1)) fail('epsilon', 'in (0, 1]', r.epsilon);
  if (!(r.epsilonRamp >= 0 && r.epsilonRamp <= 1)) fail('epsilonRamp', 'a fraction in [0, 1]', r.epsilonRamp);
  if (!(Number.isInteger(r.attackSteps) && r.attackSteps >= 1 && r.attackSteps <= 100)) fail('attackSteps', 'an integer in 1–100', r.attackSteps);
  if (!(r.relativeStepSize > 0 && r.relativeStepSize <= 4)) fail('relativeStepSize', 'in (0, 4]', r.relativeStepSize);
  if (r.noiseMultiplier !== undefined && !(r.noiseMultiplier >= 0 && r.noiseMultiplier <= 4)) fail('noiseMultiplier', 'in [0, 4]', r.noiseMultiplier);
  if (!(r.tradesBeta > 0 && r.tradesBeta <= 100)) fail('tradesBeta', 'in (0, 100]', r.tradesBeta);
  if (r.optimizer !== 'adam' && r.optimizer !== 'sgd') fail('optimizer', 'adam or sgd', r.optimizer);
  if (!(r.learningRate > 0 && r.learningRate <= 1)) fail('learningRate', 'in (0, 1]', r.learningRate);
  if (!(LR_SCHEDULES as readonly string[]).includes(r.schedule)) fail('schedule', `one of ${LR_SCHEDULES.join(', ')}`, r.schedule);
  if (!(Number.isInteger(r.batchSize) && r.batchSize >= 2 && r.batchSize <= 1024)) fail('batchSize', 'an integer in 2–1024', r.batchSize);
  if (!(Number.isInteger(r.steps) && r.steps >= 1 && r.steps <= 100_000)) fail('steps', 'an integer in 1–100000', r.steps);
  if (!(r.adversarialShare > 0 && r.adversarialShare <= 1)) fail('adversarialShare', 'in (0, 1]', r.adversarialShare);
  if (!Number.isInteger(r.seed)) fail('seed', 'an integer', r.seed);
  return r;
}

function validateHeldOut(h: HeldOutSpec): void {
  if (!(Number.isInteger(h.every) && h.every >= 1)) fail('heldOut.every', 'a positive integer', h.every);
  if (!(Number.isInteger(h.pgdSteps) && h.pgdSteps >= 1)) fail('heldOut.pgdSteps', 'a positive integer', h.pgdSteps);
  if (!(h.pgdRelativeStepSize > 0)) fail('heldOut.pgdRelativeStepSize', 'positive', h.pgdRelativeStepSize);
  if (!(Number.isInteger(h.restarts) && h.restarts >= 1)) fail('heldOut.restarts', 'a positive integer', h.restarts);
}

/**
 * The held-out batch is attacked in chunks of this many images: one chunk's gradient is the longest stretch
 * between two cancellation points. With all 200 images at once (the panel's default) a Cancel took up to 530 ms
 * from click to idle on wasm on a busy machine, past the 200 ms it may take (test/e2e/cancel.spec.ts). Each chunk's attack is seeded by its offset, as robustAccuracy does.
 */
export const HELD_OUT_CHUNK = 50;

/** Accuracy on `x` (labels y) clean, under PGD-k and under FGSM at ε. */
export async function evaluateHeldOut(
  model: AttackModel,
  x: tf.Tensor,
  y: Int32Array,
  epsilon: number,
  spec: HeldOutSpec,
  attacks: { pgd: AttackSpec; fgsm: AttackSpec },
  signal?: AbortSignal,
): Promise<{ clean: number; robust: number; fgsm: number }> {
  const n = y.length;
  let clean = 0;
  let robust = 0;
  let fgsm = 0;
  const survivors = async (attack: AttackSpec, xs: tf.Tensor, ys: Int32Array, opts: Parameters<AttackSpec['run']>[3]): Promise<number> => {
    const result = await attack.run(model, xs, ys, opts);
    let count = 0;
    for (const r of result.results) {
      r.adversarial.dispose();
      for (let i = 0; i < ys.length; i++) if (!r.success[i]) count++;
    }
    return count;
  };
  for (let start = 0; start < n; start += HELD_OUT_CHUNK) {
    await checkpoint(signal);
    const size = Math.min(HELD_OUT_CHUNK, n - start);
    const xs = x.slice(start, size);
    try {
      const ys = y.subarray(start, start + size);
      const pred = tf.tidy(() => tf.argMax(model.logits(xs), 1));
      const p = await pred.data();
      pred.dispose();
      for (let i = 0; i < size; i++) if (p[i] === ys[i]) clean++;
      robust += await survivors(attacks.pgd, xs, ys, {
        epsilons: [epsilon],
        norm: 'linf',
        steps: spec.pgdSteps,
        stepSize: spec.pgdRelativeStepSize * epsilon,
        randomStart: true,
        restarts: spec.restarts,
        seed: spec.seed + start,
        signal,
      });
      fgsm += await survivors(attacks.fgsm, xs, ys, { epsilons: [epsilon], norm: 'linf', randomStart: false, seed: spec.seed + start, signal });
    } finally {
      xs.dispose();
    }
  }
  return { clean: clean / n, robust: robust / n, fgsm: fgsm / n };
}

/**
 * Fine-tunes `model` in place on `train`, checking it on the fixed held-out batch (x, y) before training and every
 * `heldOut.every` steps. On return the model holds the weights of the best held-out PGD accuracy seen after
 * training began.
 */
export async function finetuneModel(
  model: tf.LayersModel,
  train: ExampleSet,
  heldOut: { x: tf.Tensor; y: Int32Array },
  opts: FinetuneOptions,
): Promise<FinetuneResult> {
  const recipe = validateRecipe(opts.recipe);
  validateHeldOut(opts.heldOut);
  if (heldOut.x.shape[0] !== heldOut.y.length) throw new Error(`heldOut: ${heldOut.x.shape[0]} inputs but ${heldOut.y.length} labels`);
  const bounds = opts.bounds ?? [0, 1];
  const target = layersModelAsAttackModel(model, bounds);
  const resume = opts.resume;
  if (resume && resume.train.totalSteps !== recipe.steps) {
    throw new Error(`cannot resume: the checkpoint is from a run of ${resume.train.totalSteps} steps, this recipe has ${recipe.steps}`);
  }
  const evaluations: EvalPoint[] = resume ? resume.evaluations.map((e) => ({ ...e })) : [];
  const warnings: FinetuneWarnings = resume ? { ...resume.warnings } : { catastrophic: null, robustOverfitting: null };
  const evaluate = async (step: number): Promise<EvalPoint> => {
    const acc = await evaluateHeldOut(target, heldOut.x, heldOut.y, recipe.epsilon, opts.heldOut, opts.attacks, opts.signal);
    const point = { step, ...acc };
    evaluations.push(point);
    // With an ε ramp the gap sign waits for the full ε (see overfitting.ts): the check attacks at the full ε.
    warnings.catastrophic ??= detectCatastrophicOverfitting(evaluations, { rampEndStep: Math.ceil(recipe.epsilonRamp * recipe.steps) });
    warnings.robustOverfitting = detectRobustOverfitting(evaluations);
    opts.onEvaluation?.(point, { ...warnings });
    return point;
  };

  // A resumed run measured the base model before it was saved; its clock goes on from where it stopped.
  if (!resume) await evaluate(0);
  const clock = { start: performance.now(), paused: 0, evaluating: (resume?.evaluatingSeconds ?? 0) * 1000, prior: resume?.elapsedSeconds ?? 0 };
  const steppedSeconds = () => clock.prior + (performance.now() - clock.start - clock.paused) / 1000;
  let latestEvaluation: EvalPoint | undefined;
  let evaluationsRun = resume?.evaluationsRun ?? 0;
  /** Steps finished so far: train.ts validates after a step, so this is the step a validation belongs to. */
  let stepsDone = 0;

  const result = await trainModel(model, train, {
    method: recipe.method,
    epochs: 1,
    steps: recipe.steps,
    batchSize: recipe.batchSize,
    optimizer: recipe.optimizer,
    momentum: recipe.optimizer === 'sgd' ? 0.9 : undefined,
    learningRate: recipe.learningRate,
    schedule: { kind: recipe.schedule },
    epsilon: recipe.epsilon,
    epsilonRamp: recipe.epsilonRamp > 0 ? { rampFraction: recipe.epsilonRamp } : undefined,
    // Relative, so that α follows the ramped ε (an N-FGSM step is not projected; see train.ts).
    relativeStepSize: recipe.relativeStepSize,
    ...(recipe.noiseMultiplier !== undefined ? { noiseMultiplier: recipe.noiseMultiplier } : {}),
    attackSteps: recipe.attackSteps,
    tradesBeta: recipe.tradesBeta,
    adversarialShare: recipe.adversarialShare,
    attack: opts.attacks.pgd,
    bounds,
    seed: recipe.seed,
    signal: opts.signal,
    resume: resume?.train,
    checkpoint: opts.checkpoint && {
      every: opts.checkpoint.every,
      save: (train) =>
        opts.checkpoint!.save({
          train,
          evaluations: evaluations.map((e) => ({ ...e })),
          warnings: { ...warnings },
          elapsedSeconds: steppedSeconds(),
          evaluatingSeconds: clock.evaluating / 1000,
          evaluationsRun,
        }),
    },
    beforeStep: async (step) => {
      stepsDone = step;
      if (!opts.gate?.paused) return;
      const t = performance.now();
      await opts.onPause?.(step);
      await opts.gate.wait(opts.signal);
      clock.paused += performance.now() - t;
    },
    validation: {
      every: opts.heldOut.every,
      evaluate: async (m) => {
        if (m !== model) throw new Error('finetuneModel: validation called on another model');
        const t = performance.now();
        latestEvaluation = await evaluate(stepsDone + 1);
        clock.evaluating += performance.now() - t;
        evaluationsRun++;
        return latestEvaluation.robust;
      },
      shouldStop: () => opts.earlyStop && warnings.robustOverfitting !== null,
    },
    onProgress: (p) => {
      const seconds = steppedSeconds();
      const training = Math.max(1e-9, seconds - clock.evaluating / 1000);
      const perEval = evaluationsRun > 0 ? clock.evaluating / 1000 / evaluationsRun : 0;
      const stepsLeft = p.totalSteps - p.step;
      const evalsLeft = Math.floor(p.totalSteps / opts.heldOut.every) - Math.floor(p.step / opts.heldOut.every) + (p.totalSteps % opts.heldOut.every ? 1 : 0);
      opts.onProgress?.({
        step: p.step,
        totalSteps: p.totalSteps,
        loss: p.loss,
        smoothedLoss: p.smoothedLoss,
        learningRate: p.learningRate,
        epsilon: p.epsilon,
        imagesPerSecond: (p.step * recipe.batchSize) / training,
        elapsed: seconds,
        eta: stepsLeft > 0 ? (training / p.step) * stepsLeft + perEval * evalsLeft : 0,
        evaluation: p.validation !== undefined ? latestEvaluation : undefined,
        warnings: { ...warnings },
      });
      latestEvaluation = undefined;
    },
  });
  const seconds = steppedSeconds();
  const trainSeconds = Math.max(1e-9, seconds - clock.evaluating / 1000);
  return {
    steps: result.steps,
    totalSteps: result.totalSteps,
    losses: result.losses,
    evaluations,
    bestStep: result.bestStep,
    stoppedEarly: result.stoppedEarly,
    trainSeconds,
    imagesPerSecond: (result.steps * recipe.batchSize) / trainSeconds,
    warnings,
  };
}
