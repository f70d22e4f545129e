/**
 * A generic, step-wise training loop over a tf.LayersModel that outputs logits, for Node scripts and the browser
 * worker alike: standard training and adversarial training (FGSM with random start, PGD, TRADES) with an ε
 * curriculum, learning-rate schedules, Adam or SGD, progress callbacks, cancellation, early stopping on a
 * held-out metric that keeps the best weights, and checkpoints a killed run resumes from (TrainState).
 *
 * Batches have a fixed shape (the last partial batch of an epoch is dropped), because the webgpu buffer pool never
 * shrinks. Adversarial examples come from the attack library (one iterative loop serves the project). PGD-AT and
 * TRADES use its PGD (by default): the library skips examples already misclassified when clean (their δ is 0) and
 * keeps each example's first successful iterate, so PGD-AT here trains on the earliest adversarial point along the
 * path (as in "friendly" AT) — unless `maximizeLoss` is set: then every example is attacked for all steps and the
 * highest-loss iterate is kept (Madry et al.'s inner maximisation).
 *
 * The single-step methods run the loop directly, as their papers do: every example, one sign step, its result
 * taken as it is (the loop's `lastIterate`: no clean pass to pick rows and no forward pass to score the step).
 * FGSM-RS (Wong, Rice & Kolter 2020): a start uniform in the ε-cube, one step of α = 1.25 ε, projected back onto
 * the ε-cube. N-FGSM (de Jorge et al. 2022): a start uniform in the LARGER cube of radius k·ε (k = 2), one step of
 * α = ε, with no projection back onto the ε-cube (only clipping to the input box): the noise and the missing
 * projection are what keep single-step training from catastrophic overfitting at large ε.
 */
import * as tf from '@tensorflow/tfjs';
import { layersModelAsAttackModel } from '../attacks/model-adapter';
import { iterativeAttack } from '../attacks/iterative';
import { getAttack } from '../attacks/registry';
import { signStep } from '../attacks/step-rules';
import type { AttackModel, AttackSpec } from '../attacks/types';
import { throwIfCancelled } from '../util/cancel';
import { checkpoint } from '../util/checkpoint';
import { createRng, type RngSnapshot } from '../util/rng';
import type { ExampleSet } from '../data/examples';
import { randomShift } from './augment';
import { distillationLoss, teacherSoftLabels } from './distill';
import { epsilonAt, learningRateAt, type EpsilonRamp, type LrSchedule } from './schedule';

export const TRAIN_METHODS = ['standard', 'fgsm-rs', 'n-fgsm', 'pgd', 'trades', 'gaussian', 'distill'] as const;
export type TrainMethod = (typeof TRAIN_METHODS)[number];

export interface TrainOptions {
  method: TrainMethod;
  /** Passes over the data; the loop runs epochs × floor(count / batchSize) steps unless `steps` is given. */
  epochs: number;
  /** Stop after this many steps in total (a smoke test, a short fine-tune). */
  steps?: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  /** SGD momentum (0 = plain SGD). */
  momentum?: number;
  /** Maximum learning rate; the schedule scales it. */
  learningRate: number;
  schedule: LrSchedule;
  /** L∞ budget for adversarial methods (input units). */
  epsilon?: number;
  epsilonRamp?: EpsilonRamp;
  /** Step size α: absolute. Default: 1.25 ε for fgsm-rs, ε for n-fgsm, 2.5 ε / steps for pgd and trades. */
  stepSize?: number;
  /**
   * The step as a multiple of the CURRENT ε (during an ε ramp it shrinks with ε) when `stepSize` is not given. An
   * absolute step with a ramp keeps the full-ε step from the first batch, which a projected attack (PGD, FGSM-RS)
   * absorbs but N-FGSM, whose step is never projected, does not: its ramp would start at the full step.
   */
  relativeStepSize?: number;
  /** N-FGSM: the random start is uniform in the cube of radius noiseMultiplier·ε (default k = 2). */
  noiseMultiplier?: number;
  /**
   * PGD-AT / TRADES: attack every example for all steps and train on the highest-loss iterate (Madry et al.) instead
   * of the first successful one. Default false (the shipped recipes before it were trained that way). FGSM-RS and
   * N-FGSM always attack every example and train on their one step's result.
   */
  maximizeLoss?: boolean;
  /** Attack steps for pgd and trades (default 7); fgsm-rs always takes 1. */
  attackSteps?: number;
  /** TRADES weight β on the robust (KL) term (default 6). */
  tradesBeta?: number;
  /**
   * Image augmentation: every training example translated by a random whole number of pixels up to this many in
   * each direction (augment.ts), before any attack. Default 0 (none).
   */
  shift?: number;
  /** 'gaussian': σ of the N(0, σ²) noise added to every training input (unclipped, as randomized smoothing samples it). */
  noiseSigma?: number;
  /** 'distill': the temperature T the student's softmax is trained at (its logits are divided by T). */
  temperature?: number;
  /** 'distill': the teacher whose soft labels the student learns (see distill.ts). */
  teacher?: AttackModel;
  /** The attack that makes PGD-AT's and TRADES's adversarial examples (default: the library's PGD, getAttack('pgd')). */
  attack?: AttackSpec;
  /** Input bounds for the adversary (default [0, 1]). */
  bounds?: [number, number];
  seed: number;
  /** Early stopping: every `every` steps (and at the end), `evaluate` scores the model (higher is better). */
  validation?: {
    every: number;
    evaluate: (model: tf.LayersModel, step: number) => Promise<number>;
    /** Stop after this many evaluations without improvement (default: never stop, only keep the best weights). */
    patience?: number;
    /** Checked after each evaluation: true stops training (e.g. an overfitting detector fired); best weights kept. */
    shouldStop?: () => boolean;
  };
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /** Awaited before every step (0-based index): a pause holds the loop here with its state intact. */
  beforeStep?: (step: number) => Promise<void>;
  /** Share of each batch replaced by its adversarial version (default 1) for fgsm-rs and pgd; the rest stays clean. */
  adversarialShare?: number;
  /** Continue a run from a checkpoint written by `checkpoint` (same data, options and seed). */
  resume?: TrainState;
  /** Every `every` steps (and at the end) the whole loop state is handed to `save` (e.g. written to a folder). */
  checkpoint?: { every: number; save: (state: TrainState) => Promise<void> };
}

/** A tensor read back for a checkpoint. */
export interface SavedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * Everything a killed run needs to continue exactly where it stopped: the step, the weights, the optimizer's slots
 * (Adam's moments and step count), the generator's position and the epoch's shuffled order (batch index = step mod
 * steps per epoch), the loss and validation history and the best weights kept for early stopping.
 */
export interface TrainState {
  /** Steps finished. */
  step: number;
  totalSteps: number;
  method: TrainMethod;
  seed: number;
  weights: SavedTensor[];
  optimizer: SavedTensor[];
  rng: RngSnapshot;
  order: Int32Array;
  losses: number[];
  smoothedLoss: number;
  validations: { step: number; value: number }[];
  best: { step: number; value: number; weights: SavedTensor[] } | null;
  sinceBest: number;
  /** Training seconds before this segment (for the ETA). */
  seconds: number;
}

export interface TrainProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  /** Exponential moving average of the loss (smoothing 0.95). */
  smoothedLoss: number;
  learningRate: number;
  epsilon: number;
  examplesPerSecond: number;
  elapsedSeconds: number;
  etaSeconds: number;
  /** Present on steps where validation ran. */
  validation?: number;
}

export interface TrainResult {
  steps: number;
  totalSteps: number;
  seconds: number;
  /** Loss per step. */
  losses: number[];
  validations: { step: number; value: number }[];
  /** Step whose weights the model holds at the end (the best validation, or the last step without validation). */
  bestStep: number;
  bestValidation: number | null;
  stoppedEarly: boolean;
}

/** The methods that train on adversarial examples (and so need ε). */
const ADVERSARIAL = new Set<TrainMethod>(['fgsm-rs', 'n-fgsm', 'pgd', 'trades']);

function validate(opts: TrainOptions, data: ExampleSet): void {
  if (!(TRAIN_METHODS as readonly string[]).includes(opts.method)) {
    throw new Error(`method must be one of ${TRAIN_METHODS.join(', ')}, got ${opts.method}`);
  }
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${opts.batchSize}`);
  if (opts.batchSize > data.count) throw new Error(`batchSize ${opts.batchSize} exceeds the ${data.count} training examples`);
  if (!(opts.epochs > 0)) throw new Error(`epochs must be positive, got ${opts.epochs}`);
  if (opts.steps !== undefined && !(Number.isInteger(opts.steps) && opts.steps >= 1)) throw new Error(`steps must be a positive integer, got ${opts.steps}`);
  if (!(opts.learningRate > 0)) throw new Error(`learningRate must be positive, got ${opts.learningRate}`);
  if (opts.optimizer !== 'adam' && opts.optimizer !== 'sgd') throw new Error(`optimizer must be adam or sgd, got ${opts.optimizer}`);
  if (ADVERSARIAL.has(opts.method)) {
    if (!(opts.epsilon !== undefined && opts.epsilon > 0)) throw new Error(`epsilon must be positive for ${opts.method} training, got ${opts.epsilon}`);
  }
  if (opts.method === 'gaussian' && !(opts.noiseSigma !== undefined && opts.noiseSigma > 0)) {
    throw new Error(`noiseSigma must be positive for gaussian training, got ${opts.noiseSigma}`);
  }
  if (opts.method === 'distill') {
    if (!(opts.temperature !== undefined && opts.temperature >= 1)) throw new Error(`temperature must be at least 1 for distillation, got ${opts.temperature}`);
    if (!opts.teacher) throw new Error('distillation needs a teacher model');
  }
  if (opts.attackSteps !== undefined && !(Number.isInteger(opts.attackSteps) && opts.attackSteps >= 1)) {
    throw new Error(`attackSteps must be a positive integer, got ${opts.attackSteps}`);
  }
  if (opts.adversarialShare !== undefined && !(opts.adversarialShare >= 0 && opts.adversarialShare <= 1)) {
    throw new Error(`adversarialShare must be in [0, 1], got ${opts.adversarialShare}`);
  }
  if (opts.validation && !(Number.isInteger(opts.validation.every) && opts.validation.every >= 1)) {
    throw new Error(`validation.every must be a positive integer, got ${opts.validation.every}`);
  }
  if (opts.shift !== undefined && !(Number.isInteger(opts.shift) && opts.shift >= 0)) throw new Error(`shift must be a whole number of pixels ≥ 0, got ${opts.shift}`);
  if (opts.shift && data.inputShape.length !== 3) throw new Error(`shift augments images; these examples have shape [${data.inputShape.join(', ')}]`);
  if (opts.relativeStepSize !== undefined && !(opts.relativeStepSize > 0)) throw new Error(`relativeStepSize must be positive, got ${opts.relativeStepSize}`);
  if (opts.noiseMultiplier !== undefined && !(opts.noiseMultiplier >= 0)) throw new Error(`noiseMultiplier must be ≥ 0, got ${opts.noiseMultiplier}`);
  if (opts.checkpoint && !(Number.isInteger(opts.checkpoint.every) && opts.checkpoint.every >= 1)) {
    throw new Error(`checkpoint.every must be a positive integer, got ${opts.checkpoint.every}`);
  }
  const r = opts.resume;
  if (r) {
    if (r.method !== opts.method || r.seed !== opts.seed) {
      throw new Error(`cannot resume: the checkpoint is from a ${r.method} run with seed ${r.seed}, this run is ${opts.method} with seed ${opts.seed}`);
    }
    if (r.order.length !== data.count) throw new Error(`cannot resume: the checkpoint shuffled ${r.order.length} examples, the data has ${data.count}`);
  }
}

async function readTensors(list: { name: string; tensor: tf.Tensor }[]): Promise<SavedTensor[]> {
  return Promise.all(list.map(async (w) => ({ name: w.name, shape: w.tensor.shape.slice(), data: Float32Array.from(await w.tensor.data()) })));
}

/** The optimizer's slots; its step count comes as a fresh scalar ('iter'), the slots are its live variables. */
async function readOptimizer(optimizer: tf.Optimizer): Promise<SavedTensor[]> {
  const named = await optimizer.getWeights();
  try {
    return await readTensors(named.map((w) => ({ name: w.name, tensor: w.tensor })));
  } finally {
    for (const w of named) if (w.name === 'iter') w.tensor.dispose();
  }
}

function checkShapes(saved: SavedTensor[], like: tf.Tensor[], what: string): void {
  if (saved.length !== like.length || saved.some((w, i) => w.shape.join('x') !== like[i].shape.join('x'))) {
    throw new Error(`cannot resume: the checkpoint's ${what} do not match this model's shapes`);
  }
}

function makeOptimizer(opts: TrainOptions): tf.Optimizer {
  if (opts.optimizer === 'adam') return tf.train.adam(opts.learningRate);
  return opts.momentum ? tf.train.momentum(opts.learningRate, opts.momentum) : tf.train.sgd(opts.learningRate);
}

function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  // SGD and momentum keep the rate in a tensor that setLearningRate replaces; Adam reads the field on every step.
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** Mean softmax cross-entropy of logits against integer labels. */
export function meanCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar);
}

/** KL(p_clean ‖ p_adv) averaged over the batch, from logits. */
function klDivergence(cleanLogits: tf.Tensor2D, advLogits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const logP = tf.logSoftmax(cleanLogits);
    const logQ = tf.logSoftmax(advLogits);
    return tf.mean(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), 1)) as tf.Scalar;
  });
}

/**
 * The training attack's step α at the current (possibly ramped) ε: the absolute `stepSize` if given, else
 * `relativeStepSize`·ε, else the method's rule: 1.25ε for FGSM-RS (Wong et al.), ε for N-FGSM (de Jorge et al.),
 * 2.5ε/k for k-step PGD and TRADES (Madry et al.).
 */
export function attackStepSize(opts: Pick<TrainOptions, 'method' | 'stepSize' | 'relativeStepSize' | 'attackSteps'>, epsilon: number): number {
  if (opts.stepSize !== undefined) return opts.stepSize;
  const rule = opts.method === 'fgsm-rs' ? 1.25 : opts.method === 'n-fgsm' ? 1 : 2.5 / (opts.attackSteps ?? 7);
  return (opts.relativeStepSize ?? rule) * epsilon;
}

/**
 * The adversarial batch for one step. PGD-AT and FGSM-RS attack the true labels. TRADES attacks the model's own
 * clean prediction with the same loop (cross-entropy ascent away from it), a stand-in for the paper's KL ascent
 * that keeps one attack loop in the project; the outer TRADES loss (CE + β·KL) is the paper's.
 */
async function adversarialBatch(
  opts: TrainOptions,
  target: AttackModel,
  x: tf.Tensor,
  y: tf.Tensor1D,
  epsilon: number,
  seed: number,
): Promise<tf.Tensor> {
  if (opts.method === 'fgsm-rs' || opts.method === 'n-fgsm') return singleStepBatch(opts, target, x, y, epsilon, seed);
  const labels = opts.method === 'trades' ? tf.tidy(() => tf.argMax(target.logits(x), 1).toInt() as tf.Tensor1D) : y;
  try {
    const result = await (opts.attack ?? getAttack('pgd')).run(target, x, labels, {
      epsilons: [epsilon],
      norm: 'linf',
      steps: opts.attackSteps ?? 7,
      stepSize: attackStepSize(opts, epsilon),
      randomStart: true,
      restarts: 1,
      seed,
      signal: opts.signal,
      maximizeLoss: opts.maximizeLoss === true,
    });
    const [first, ...rest] = result.results;
    for (const r of rest) r.adversarial.dispose();
    return first.adversarial;
  } finally {
    if (labels !== y) labels.dispose();
  }
}

/**
 * FGSM-RS and N-FGSM on the attack library's loop, every example perturbed (misclassified ones too) and the step's
 * result kept unscored, as in both papers. FGSM-RS: start x + η with η ~ U[−ε, ε]ᵈ, one sign step of α, projection
 * onto the ε-cube and the input box. N-FGSM: η ~ U[−kε, kε]ᵈ and the loop's ε-ball set to kε + α, which the iterate
 * can never leave, so nothing is projected back onto the ε-cube (only clipped to the input box).
 */
export async function singleStepBatch(
  opts: Pick<TrainOptions, 'method' | 'stepSize' | 'relativeStepSize' | 'attackSteps' | 'noiseMultiplier' | 'signal'>,
  target: AttackModel,
  x: tf.Tensor,
  y: tf.Tensor1D,
  epsilon: number,
  seed: number,
): Promise<tf.Tensor> {
  const n = x.shape[0];
  const alpha = attackStepSize(opts, epsilon);
  const start = opts.method === 'n-fgsm' ? (opts.noiseMultiplier ?? 2) * epsilon : epsilon;
  const ball = opts.method === 'n-fgsm' ? start + alpha : epsilon;
  const labels = (await y.data()) as Int32Array;
  const out = await iterativeAttack(target, x, {
    norm: 'linf',
    steps: 1,
    epsilon: new Float32Array(n).fill(ball),
    startRadius: new Float32Array(n).fill(start),
    stepSize: new Float32Array(n).fill(alpha),
    randomStart: start > 0,
    restarts: 1,
    seed,
    rule: signStep,
    labels: Int32Array.from(labels),
    targets: null,
    reportEpsilon: epsilon,
    signal: opts.signal,
    lastIterate: true,
  });
  return out.adversarial;
}

/**
 * The training batch with the first round(share·n) rows adversarial and the rest clean (batches come shuffled, so
 * which rows is random); only those rows are attacked. TRADES always attacks every row: its loss uses both views.
 */
async function mixedBatch(
  opts: TrainOptions,
  target: AttackModel,
  x: tf.Tensor,
  y: tf.Tensor1D,
  epsilon: number,
  seed: number,
): Promise<tf.Tensor> {
  const n = x.shape[0];
  const k = opts.method === 'trades' ? n : Math.round((opts.adversarialShare ?? 1) * n);
  if (k >= n) return adversarialBatch(opts, target, x, y, epsilon, seed);
  if (k === 0) return x.clone();
  const [xa, xc] = tf.split(x, [k, n - k]);
  const [ya, yc] = tf.split(y, [k, n - k]);
  try {
    const adv = await adversarialBatch(opts, target, xa, ya as tf.Tensor1D, epsilon, seed);
    const out = tf.concat([adv, xc]);
    adv.dispose();
    return out;
  } finally {
    xa.dispose();
    xc.dispose();
    ya.dispose();
    yc.dispose();
  }
}

/** Trains `model` in place. On return the model holds the best validated weights (or the last ones). */
export async function trainModel(model: tf.LayersModel, data: ExampleSet, opts: TrainOptions): Promise<TrainResult> {
  validate(opts, data);
  const resume = opts.resume;
  const rng = createRng(opts.seed, resume?.rng);
  const stepsPerEpoch = Math.floor(data.count / opts.batchSize);
  const totalSteps = opts.steps ?? Math.max(1, Math.round(opts.epochs * stepsPerEpoch));
  if (resume && resume.totalSteps !== totalSteps) {
    throw new Error(`cannot resume: the checkpoint is from a run of ${resume.totalSteps} steps, this run has ${totalSteps}`);
  }
  const optimizer = makeOptimizer(opts);
  const target = layersModelAsAttackModel(model, opts.bounds ?? [0, 1]);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const order = resume ? Int32Array.from(resume.order) : Int32Array.from({ length: data.count }, (_, i) => i);
  const losses: number[] = resume ? resume.losses.slice() : [];
  const validations: TrainResult['validations'] = resume ? resume.validations.slice() : [];
  let best: { step: number; value: number; weights: tf.Tensor[] } | null = null;
  let sinceBest = resume?.sinceBest ?? 0;
  let stoppedEarly = false;
  let smoothed = resume?.smoothedLoss ?? NaN;
  const priorSeconds = resume?.seconds ?? 0;
  const started = Date.now();
  let examples = 0;
  if (resume) {
    checkShapes(resume.weights, model.getWeights(), 'weights');
    const restored = resume.weights.map((w) => tf.tensor(w.data, w.shape));
    model.setWeights(restored);
    tf.dispose(restored);
    if (resume.best) {
      checkShapes(resume.best.weights, model.getWeights(), 'best weights');
      best = { step: resume.best.step, value: resume.best.value, weights: resume.best.weights.map((w) => tf.tensor(w.data, w.shape)) };
    }
    if (resume.optimizer.length > 0) {
      // The optimizer's new slot variables share these tensors' data (reference-counted), so they can go.
      const slots = resume.optimizer.map((w) => ({ name: w.name, tensor: tf.tensor(w.data, w.shape) }));
      await optimizer.setWeights(slots);
      tf.dispose(slots.map((w) => w.tensor));
    }
  }
  const saveCheckpoint = async (done: number): Promise<void> => {
    const kept = best as { step: number; value: number; weights: tf.Tensor[] } | null;
    const names = model.weights.map((w) => w.name);
    await opts.checkpoint!.save({
      step: done,
      totalSteps,
      method: opts.method,
      seed: opts.seed,
      weights: await readTensors(model.getWeights().map((t, i) => ({ name: names[i], tensor: t }))),
      optimizer: await readOptimizer(optimizer),
      rng: rng.snapshot(),
      order: Int32Array.from(order),
      losses: losses.slice(),
      smoothedLoss: smoothed,
      validations: validations.slice(),
      best: kept ? { step: kept.step, value: kept.value, weights: await readTensors(kept.weights.map((t, i) => ({ name: names[i], tensor: t }))) } : null,
      sinceBest,
      seconds: priorSeconds + (Date.now() - started) / 1000,
    });
  };

  const runValidation = async (step: number): Promise<number> => {
    const value = await opts.validation!.evaluate(model, step);
    validations.push({ step, value });
    if (!best || value > best.value) {
      best?.weights.forEach((w) => w.dispose());
      best = { step, value, weights: model.getWeights().map((w) => tf.clone(w)) };
      sinceBest = 0;
    } else {
      sinceBest++;
    }
    return value;
  };

  let step = resume?.step ?? 0;
  const firstStep = step;
  try {
    for (; step < totalSteps; step++) {
      // A yield, not only a check: standard training awaits nothing else, so a cancel would never get in.
      await checkpoint(opts.signal);
      if (opts.beforeStep) {
        await opts.beforeStep(step);
        throwIfCancelled(opts.signal);
      }
      const inEpoch = step % stepsPerEpoch;
      // A checkpoint holds the order of the epoch its last step belonged to: resumed mid-epoch it is used as is,
      // resumed at an epoch boundary the new epoch is shuffled from the saved generator position, as it would be.
      if (inEpoch === 0) rng.shuffle(order);
      const lr = learningRateAt(opts.schedule, opts.learningRate, step, totalSteps);
      setLearningRate(optimizer, lr);
      const eps = !ADVERSARIAL.has(opts.method) ? 0 : epsilonAt(opts.epsilon!, opts.epsilonRamp, step, totalSteps);
      const batch = data.batch(order.subarray(inEpoch * opts.batchSize, (inEpoch + 1) * opts.batchSize));
      const y = batch.y;
      let x = batch.x;
      if (opts.shift) {
        try {
          x = await randomShift(batch.x, opts.shift, rng, (opts.bounds ?? [0, 1])[0]);
        } finally {
          batch.x.dispose();
          if (x === batch.x) y.dispose();
        }
      }
      let xAdv: tf.Tensor | null = null;
      let loss: tf.Scalar | null = null;
      let soft: tf.Tensor2D | null = null;
      try {
        const attackSeed = rng.seed();
        if (ADVERSARIAL.has(opts.method)) xAdv = await mixedBatch(opts, target, x, y, eps, attackSeed);
        if (opts.method === 'gaussian') xAdv = tf.tidy(() => x.add(tf.randomNormal(x.shape, 0, opts.noiseSigma!, 'float32', attackSeed)));
        if (opts.method === 'distill') soft = teacherSoftLabels(opts.teacher!, x);
        // The attack and the update are the two long stretches of a step: a cancel may come in between.
        if (xAdv) await checkpoint(opts.signal);
        const beta = opts.tradesBeta ?? 6;
        loss = optimizer.minimize(
          () => {
            if (opts.method === 'trades') {
              const clean = model.apply(x, { training: true }) as tf.Tensor2D;
              const adv = model.apply(xAdv!, { training: true }) as tf.Tensor2D;
              return tf.add(meanCrossEntropy(clean, y), tf.mul(beta, klDivergence(clean, adv))) as tf.Scalar;
            }
            if (soft) return distillationLoss(model.apply(x, { training: true }) as tf.Tensor2D, soft, opts.temperature!);
            return meanCrossEntropy(model.apply(xAdv ?? x, { training: true }) as tf.Tensor2D, y);
          },
          true,
          vars,
        );
        const value = (await loss!.data())[0];
        if (!Number.isFinite(value)) throw new Error(`training diverged: loss is ${value} at step ${step}`);
        losses.push(value);
        smoothed = Number.isNaN(smoothed) ? value : 0.95 * smoothed + 0.05 * value;
      } finally {
        x.dispose();
        y.dispose();
        xAdv?.dispose();
        soft?.dispose();
        loss?.dispose();
      }
      examples += opts.batchSize;
      const segment = (Date.now() - started) / 1000;
      const elapsed = priorSeconds + segment;
      let validation: number | undefined;
      const last = step + 1 === totalSteps;
      if (opts.validation && ((step + 1) % opts.validation.every === 0 || last)) {
        validation = await runValidation(step + 1);
      }
      opts.onProgress?.({
        step: step + 1,
        totalSteps,
        epoch: step / stepsPerEpoch,
        loss: losses[losses.length - 1],
        smoothedLoss: smoothed,
        learningRate: lr,
        epsilon: eps,
        examplesPerSecond: segment > 0 ? examples / segment : 0,
        elapsedSeconds: elapsed,
        // The rate of this segment: a resumed run may run on a machine of another speed.
        etaSeconds: segment > 0 ? ((totalSteps - step - 1) * segment) / (step + 1 - firstStep) : 0,
        validation,
      });
      if (opts.checkpoint && ((step + 1) % opts.checkpoint.every === 0 || last)) await saveCheckpoint(step + 1);
      const exhausted = opts.validation?.patience !== undefined && sinceBest >= opts.validation.patience;
      if (exhausted || (validation !== undefined && opts.validation?.shouldStop?.())) {
        stoppedEarly = true;
        step++;
        break;
      }
    }
    const kept = best as { step: number; value: number; weights: tf.Tensor[] } | null;
    if (kept) model.setWeights(kept.weights);
    return {
      steps: step,
      totalSteps,
      seconds: priorSeconds + (Date.now() - started) / 1000,
      losses,
      validations,
      bestStep: kept ? kept.step : step,
      bestValidation: kept ? kept.value : null,
      stoppedEarly,
    };
  } finally {
    (best as { weights: tf.Tensor[] } | null)?.weights.forEach((w) => w.dispose());
    disposeOptimizer(optimizer);
  }
}

/** tfjs's MomentumOptimizer.dispose() forgets the learning-rate scalar its SGD base keeps; free it too. */
function disposeOptimizer(optimizer: tf.Optimizer): void {
  const c = (optimizer as unknown as { c?: tf.Tensor }).c;
  optimizer.dispose();
  if (c && !c.isDisposed) c.dispose();
}
