/**
 * The public contract of the attack library. Every attack has one call shape (foolbox-style: an ε-curve is one
 * call) and is listed in the registry (registry.ts) with what it needs from the model.
 *
 * Conventions
 * - Inputs live in `model.bounds` (for images [0,1]); the model outputs LOGITS (a softmax output is rejected).
 * - ε is measured in the attack's own norm: L∞ and L2 in input units; L0 as a NUMBER OF CHANGED INPUT ELEMENTS
 *   (pixels × channels) — e.g. ε = 10 allows ten changed values.
 * - Success: untargeted = prediction ≠ label; targeted = prediction == target. A clean input that is already
 *   misclassified (untargeted) counts as a success at every ε, so robust accuracy = 1 − success rate.
 * - Tensors in results are owned by the caller (dispose them); everything else an attack creates is disposed.
 */
import type * as tf from '@tensorflow/tfjs';
import type { AttackLoss } from './losses';

export type Norm = 'linf' | 'l2' | 'l0';

/** A white-box model as attacks see it. */
export interface AttackModel {
  /** Logits [N, numClasses] for a batch x of shape [N, ...inputShape]; must be differentiable in x. Never softmax. */
  logits(x: tf.Tensor): tf.Tensor2D;
  numClasses: number;
  /** Shape of one example, e.g. [28, 28, 1] or [2]. */
  inputShape: number[];
  /** Valid input range: [0,1] for images; toy 2-D models use their dataset's box or [-Infinity, Infinity]. */
  bounds: [number, number];
}

/** What a score-based (black-box) attack sees: forward scores only, no gradients. */
export interface ScoreOracle {
  /** Logits (or any monotone scores) [N, numClasses]; gradients are not available. Each call counts as queries. */
  scores(x: tf.Tensor): tf.Tensor2D;
  numClasses: number;
  inputShape: number[];
  bounds: [number, number];
}

export type TargetMode = 'given' | 'random' | 'least-likely';

export interface TargetSpec {
  mode: TargetMode;
  /** The target class for mode 'given' (the same for all examples)… */
  label?: number;
  /** …or one target per example for mode 'given' (wrappers use this to keep targets fixed across attacks). */
  labels?: Int32Array;
}

/** Per-step progress, means over the batch (for a batch of one: that example's values). */
export interface StepInfo {
  epsilon: number;
  restart: number;
  step: number;
  steps: number;
  /** The attack's own loss (cross-entropy for PGD-like attacks, margin for Square, objective for C&W). */
  loss: number;
  /** Softmax probability of the true class. */
  trueConfidence: number;
  /** Highest softmax probability among the other classes. */
  bestOtherConfidence: number;
  /** ‖δ‖ in the attack's norm. */
  norm: number;
  /** Fraction of the batch that is adversarial at the current iterate. */
  successRate: number;
  /** Within an ensemble or a suite (or a wrapper's restart), which of its runs this step belongs to. */
  stage?: string;
}

export interface AttackOptions {
  /** Perturbation budgets in the attack's norm; one result per ε, in the given order. */
  epsilons: number[];
  norm?: Norm;
  steps?: number;
  stepSize?: number;
  /** For iterative attacks with a fixed step: step = stepSize (absolute) if given, else relativeStepSize·ε. */
  relativeStepSize?: number;
  randomStart?: boolean;
  /** Number of runs (≥ 1) keeping the per-example worst case; later runs only attack unbroken examples. */
  restarts?: number;
  targeted?: boolean;
  target?: TargetSpec;
  seed?: number;
  /** Square attack: maximum model queries per example (the total never exceeds queryBudget × N). */
  queryBudget?: number;
  /** Transfer attack: the model the perturbation is crafted on (its gradients only). */
  surrogate?: AttackModel;
  /** Ensemble wrapper: attack ids to run in order. */
  attacks?: string[];
  /** MI-FGSM momentum decay μ; APGD momentum α. */
  momentum?: number;
  /** C&W: confidence κ, binary-search steps, initial c, Adam learning rate. */
  confidence?: number;
  binarySearchSteps?: number;
  initialConst?: number;
  learningRate?: number;
  /** DeepFool overshoot. */
  overshoot?: number;
  /** JSMA: maximum fraction of input elements that may change (γ). */
  gamma?: number;
  /** JSMA: amount added per chosen element (θ, in input units). */
  theta?: number;
  /** Noise baseline: number of random draws. */
  samples?: number;
  /** Square attack: initial fraction p of the input changed per query (schedule of Andriushchenko et al.). */
  initialFraction?: number;
  /**
   * Sticker attack: 0/1 mask of where stickers may go, height × width values for all images or n × height × width
   * (one per image); default: two bars across the middle sized to ε.
   */
  stickerMask?: Float32Array;
  /** Sticker attack: views per optimisation step, the first being the unchanged image (1 = no EOT). */
  eotSamples?: number;
  /** Sticker attack: the random views EOT averages over (default: sticker.ts DEFAULT_VIEWS). */
  views?: import('./sticker').ViewDistribution;
  /**
   * Adversarial-training mode (gradient attacks on the shared loop): attack EVERY example, misclassified ones too,
   * for all steps, and return the iterate with the highest loss instead of stopping at the first success (Madry et
   * al.'s inner maximisation). Success is still reported truthfully, but earlier ε are not carried forward.
   */
  maximizeLoss?: boolean;
  /** Gradient attacks on the shared loop: 'ce' (cross-entropy, default) or 'margin' (C&W logit margin; losses.ts). */
  loss?: AttackLoss;
  /**
   * Pad the working batch to a fixed bucket (powers of two up to the batch size) instead of shrinking it to the
   * rows still unbroken. Default: on for WebGPU and WebGL, whose buffer pools keep one buffer per shape seen and
   * never shrink; off elsewhere, where padding would only add work.
   */
  fixedShapes?: boolean;
  onStep?: (s: StepInfo) => void;
  signal?: AbortSignal;
}

export interface EpsilonResult {
  epsilon: number;
  /** Adversarial batch, same shape as the input; where the attack failed it holds the attack's best try. Caller disposes. */
  adversarial: tf.Tensor;
  /** 1 where the example is adversarial at this ε (see the success convention above). */
  success: Uint8Array;
  /** Model prediction on `adversarial`. */
  predicted: Int32Array;
  /** ‖δ‖∞, ‖δ‖₂, ‖δ‖₀ (count of elements with |δ| > 1e-7) per example. */
  linf: Float32Array;
  l2: Float32Array;
  l0: Float32Array;
  /**
   * Model evaluations spent on this ε, counted per example (a forward on a batch of n counts n; a forward+gradient
   * counts as one). For minimisation attacks run once, the whole cost is reported on every ε.
   */
  queries: number;
}

export interface AttackResult {
  attack: string;
  hyperparameters: Record<string, number | string | boolean>;
  /** Target class per example (targeted runs only). */
  targets?: Int32Array;
  results: EpsilonResult[];
  /**
   * Worst-case wrappers (ensemble, autoattack, restarts): after each run in order, the number of examples still
   * robust at each ε (same order as `results`).
   */
  stages?: { attack: string; robust: number[] }[];
}

export type AttackKind = 'gradient' | 'score' | 'transfer' | 'baseline' | 'minimization' | 'ensemble';
export type AttackNeeds = 'gradients' | 'scores' | 'surrogate' | 'none';

/** Class labels, one per example (a plain number[] is accepted too). */
export type Labels = Int32Array | tf.Tensor1D | number[];

/** An option that sets an attack's compute budget (see AttackSpec.effort). */
export type EffortOption = 'steps' | 'restarts' | 'queryBudget' | 'samples';

export interface AttackSpec {
  /** Registry id used by the CLI, the URL state and the UI. */
  id: string;
  name: string;
  /** The default norm; `norms` lists all the attack supports (opts.norm picks one). */
  norm: Norm;
  norms: Norm[];
  kind: AttackKind;
  /** Supports targeted mode. */
  targeted: boolean;
  needs: AttackNeeds;
  defaults: Partial<AttackOptions>;
  /**
   * The options that set how hard the attack tries (its compute budget), which evaluations let a person change:
   * steps and restarts for iterative attacks, the query budget of score-based ones, draws for noise. Empty: none
   * (single-step attacks; DeepFool stops by itself). Set in the registry.
   */
  effort?: readonly EffortOption[];
  description: string;
  /** Paper / reference. */
  reference: string;
  run(model: AttackModel, x: tf.Tensor, labels: Labels, opts: AttackOptions): Promise<AttackResult>;
}
