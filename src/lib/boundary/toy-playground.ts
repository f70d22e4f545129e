/**
 * The 2-D toy playground's state and work, framework-free so the worker, Node scripts and tests share it: a seeded
 * toy dataset (train and test), a small MLP trained in short chunks (standard or adversarial, through the project's
 * training loop), the class map over the plane, and adversarial points from the attack library.
 *
 * Training runs in chunks of a few steps so that the UI can play, pause and step between them; each chunk is one
 * call to trainModel with its own seed (derived from the playground seed and the chunk number), so a run is
 * reproducible. A "before" snapshot keeps a frozen copy of the model (e.g. before adversarial training) for a
 * before/after comparison.
 */
import * as tf from '@tensorflow/tfjs';
import { makeToySplit, toyDatasetInfo, type Bounds2D, type ToyDataset, type ToyDatasetId } from '../data/toy';
import { arrayExamples } from '../data/examples';
import { buildMlp, validateMlpConfig, type MlpActivation } from '../models/mlp';
import { trainModel, type TrainMethod } from '../train/train';
import type { AttackModel, AttackSpec, Norm } from '../attacks/types';
import { evaluatePoints, evaluateToyGrid, type ToyGrid } from './grid';
import { certify, type Certificate } from '../defenses/smoothing';

/** Randomized smoothing on the plane (defenses/smoothing.ts CERTIFY): σ in data units, n0 + n draws, level α. */
export interface ToyCertifySettings {
  sigma: number;
  n0: number;
  n: number;
  alpha: number;
  seed?: number;
}

export interface ToyDataConfig {
  dataset: ToyDatasetId;
  /** Training points. */
  n: number;
  /** Test points (default: half as many as training points). */
  nTest?: number;
  noise: number;
  seed: number;
  classes: number;
  /** The empty band between the classes and the class imbalance (data/toy.ts; shipped sets); absent: the default. */
  gap?: number;
  imbalance?: number;
}

export interface ToyModelConfig {
  layers: number;
  width: number;
  activation: MlpActivation;
}

export interface ToyTrainSettings {
  method: TrainMethod;
  /** L∞ budget for adversarial methods (data units). */
  epsilon: number;
  learningRate: number;
  batchSize: number;
  /** The attack the adversarial methods train against (normally getAttack('pgd')). */
  attack?: AttackSpec;
  signal?: AbortSignal;
  /** Loss after each step of the chunk. */
  onStep?: (step: number, loss: number) => void;
}

export interface ToyAttackSettings {
  attack: AttackSpec;
  norm: Norm;
  epsilon: number;
  steps: number;
  seed: number;
  signal?: AbortSignal;
}

export interface ToyAdversarials {
  /** n × 2 adversarial points (the attack's best try where it failed). */
  adversarial: Float32Array;
  /** 1 where the point is misclassified within ε (clean mistakes included). */
  success: Uint8Array;
  predicted: Int32Array;
  /** 1 − mean(success). */
  robustAccuracy: number;
}

export type ToySplitName = 'train' | 'test';
export type ToyModelWhich = 'current' | 'before';

/** Reads layers/width/activation back from a dense model (hidden layers of one width and one activation). */
export function inferMlpArchitecture(model: tf.LayersModel): ToyModelConfig {
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  if (dense.length !== model.layers.length || dense.length < 1) throw new Error('model must be a stack of dense layers');
  const hidden = dense.slice(0, -1).map((l) => l.getConfig() as { units: number; activation: string });
  const widths = new Set(hidden.map((h) => h.units));
  const activations = new Set(hidden.map((h) => h.activation));
  if (widths.size > 1 || activations.size > 1) throw new Error('model must have hidden layers of one width and one activation');
  const last = dense[dense.length - 1].getConfig() as { activation: string };
  if (last.activation !== 'linear') throw new Error(`model must output logits (linear last layer), got ${last.activation}`);
  const config: ToyModelConfig = {
    layers: hidden.length,
    width: hidden[0]?.units ?? 1,
    activation: (hidden[0]?.activation ?? 'relu') as MlpActivation,
  };
  validateMlpConfig({ ...config, inputSize: 2, numClasses: 2 });
  return config;
}

/** Forward-pass batch for accuracies and point sets (fixed shape, last batch padded). */
const POINT_BATCH = 512;

export class ToyPlayground {
  readonly data: ToyDataConfig;
  readonly architecture: ToyModelConfig;
  readonly train: ToyDataset;
  readonly test: ToyDataset;
  readonly numClasses: number;
  readonly bounds: Bounds2D;
  /** Steps trained so far. */
  step = 0;
  private model: tf.LayersModel;
  private before: tf.LayersModel | null = null;
  private chunk = 0;
  private readonly modelSeed: number;

  private constructor(data: ToyDataConfig, architecture: ToyModelConfig, modelSeed: number, model?: tf.LayersModel) {
    const info = toyDatasetInfo(data.dataset);
    if (!Number.isInteger(data.classes) || data.classes < info.minClasses || data.classes > info.maxClasses) {
      throw new Error(`classes for ${info.id} must be an integer in [${info.minClasses}, ${info.maxClasses}], got ${data.classes}`);
    }
    const split = makeToySplit(data.dataset, { n: data.n, nTest: data.nTest, noise: data.noise, seed: data.seed, classes: data.classes, gap: data.gap, imbalance: data.imbalance });
    this.data = { ...data };
    this.architecture = { ...architecture };
    this.train = split.train;
    this.test = split.test;
    this.numClasses = data.classes;
    this.bounds = split.train.bounds;
    this.modelSeed = modelSeed;
    this.model = model ?? this.freshModel();
  }

  /** A playground with a new MLP initialised from `modelSeed`. */
  static create(data: ToyDataConfig, architecture: ToyModelConfig, modelSeed: number): ToyPlayground {
    validateMlpConfig({ ...architecture, inputSize: 2, numClasses: data.classes });
    return new ToyPlayground(data, architecture, modelSeed);
  }

  /**
   * A playground around an existing (e.g. shipped) dense model, which it takes over (and disposes). Its
   * architecture is read from the layers, so reset() and snapshot() rebuild the same shape.
   */
  static withModel(data: ToyDataConfig, model: tf.LayersModel, modelSeed = 0): ToyPlayground {
    const out = model.outputs[0].shape;
    if (model.inputs[0].shape[1] !== 2 || out[out.length - 1] !== data.classes) {
      throw new Error(`model must map [N, 2] to [N, ${data.classes}] logits, got [N, ${model.inputs[0].shape[1]}] → [N, ${out[out.length - 1]}]`);
    }
    return new ToyPlayground(data, inferMlpArchitecture(model), modelSeed, model);
  }

  private freshModel(): tf.LayersModel {
    return buildMlp({ ...this.architecture, inputSize: 2, numClasses: this.numClasses }, this.modelSeed);
  }

  private pick(which: ToyModelWhich): tf.LayersModel {
    if (which === 'before') {
      if (!this.before) throw new Error('there is no "before" snapshot: call snapshot() first');
      return this.before;
    }
    return this.model;
  }

  /** The model as attacks see it: logits in the dataset's box. */
  attackModel(which: ToyModelWhich = 'current'): AttackModel {
    const model = this.pick(which);
    return {
      logits: (x) => model.apply(x, { training: false }) as tf.Tensor2D,
      numClasses: this.numClasses,
      inputShape: [2],
      bounds: [this.bounds[0][0], this.bounds[0][1]],
    };
  }

  split(name: ToySplitName): ToyDataset {
    if (name !== 'train' && name !== 'test') throw new Error(`split must be "train" or "test", got ${name}`);
    return name === 'train' ? this.train : this.test;
  }

  /** Trains `steps` steps (one chunk) and returns the mean loss over them. */
  async trainSteps(steps: number, settings: ToyTrainSettings): Promise<number> {
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`);
    const batchSize = Math.min(settings.batchSize, this.train.n);
    const examples = arrayExamples(this.train.x, this.train.y, [2], this.numClasses);
    const adversarial = settings.method !== 'standard';
    const result = await trainModel(this.model, examples, {
      method: settings.method,
      epochs: 1,
      steps,
      batchSize,
      optimizer: 'adam',
      learningRate: settings.learningRate,
      schedule: { kind: 'constant' },
      ...(adversarial ? { epsilon: settings.epsilon, attack: settings.attack, attackSteps: 5 } : {}),
      bounds: [this.bounds[0][0], this.bounds[0][1]],
      seed: this.modelSeed * 7919 + this.chunk++,
      signal: settings.signal,
      onProgress: (p) => settings.onStep?.(this.step + p.step, p.loss),
    });
    this.step += result.steps;
    return result.losses.reduce((a, b) => a + b, 0) / Math.max(1, result.losses.length);
  }

  /** Fraction of the split classified correctly. */
  async accuracy(name: ToySplitName, which: ToyModelWhich = 'current'): Promise<number> {
    const set = this.split(name);
    const model = this.attackModel(which);
    const evaluation = await evaluatePoints(model.logits, set.x, 2, { batchSize: POINT_BATCH, numClasses: this.numClasses });
    let correct = 0;
    for (let i = 0; i < set.n; i++) if (evaluation.predicted[i] === set.y[i]) correct++;
    return correct / set.n;
  }

  /** Adversarial points for a set of points (a split, or any points with their labels). */
  async adversarials(points: Float32Array, labels: Int32Array, settings: ToyAttackSettings, which: ToyModelWhich = 'current'): Promise<ToyAdversarials> {
    if (points.length !== 2 * labels.length) throw new Error(`points must hold 2 values per label, got ${points.length} for ${labels.length}`);
    if (!(settings.epsilon > 0)) throw new Error(`epsilon must be positive, got ${settings.epsilon}`);
    const [lo, hi] = [this.bounds[0][0], this.bounds[0][1]];
    const inside = points.map((v) => Math.min(hi, Math.max(lo, v)));
    const x = tf.tensor2d(inside, [labels.length, 2]);
    try {
      const result = await settings.attack.run(this.attackModel(which), x, labels, {
        epsilons: [settings.epsilon],
        norm: settings.norm,
        steps: settings.steps,
        randomStart: false,
        restarts: 1,
        seed: settings.seed,
        signal: settings.signal,
      });
      const [first, ...rest] = result.results;
      rest.forEach((r) => r.adversarial.dispose());
      try {
        const adversarial = (await first.adversarial.data()) as Float32Array;
        let broken = 0;
        for (const s of first.success) broken += s;
        return {
          adversarial: Float32Array.from(adversarial),
          success: first.success,
          predicted: first.predicted,
          robustAccuracy: 1 - broken / labels.length,
        };
      } finally {
        first.adversarial.dispose();
      }
    } finally {
      x.dispose();
    }
  }

  /**
   * The smoothed classifier's certificate at one point of the plane: its class and the L2 radius within which the
   * vote cannot change (with probability ≥ 1 − α over the draws), or ABSTAIN with radius 0. The noise is not
   * clipped to the plotting box: the certificate is for the Gaussian.
   */
  async certifyPoint(point: [number, number], settings: ToyCertifySettings, which: ToyModelWhich = 'current'): Promise<Certificate> {
    if (!point.every((v) => Number.isFinite(v))) throw new Error(`point must be two finite numbers, got ${point.join(', ')}`);
    const x = tf.tensor2d([point[0], point[1]], [1, 2]);
    try {
      return await certify(this.attackModel(which), x, { ...settings, seed: settings.seed ?? 0 });
    } finally {
      x.dispose();
    }
  }

  /** Robust accuracy of a split at ε (with its adversarial points). */
  splitAdversarials(name: ToySplitName, settings: ToyAttackSettings, which: ToyModelWhich = 'current'): Promise<ToyAdversarials> {
    const set = this.split(name);
    return this.adversarials(set.x, set.y, settings, which);
  }

  /** The class map over the plotting box. */
  grid(resolution: number, which: ToyModelWhich = 'current', signal?: AbortSignal): Promise<ToyGrid> {
    return evaluateToyGrid(this.attackModel(which).logits, this.bounds, resolution, { numClasses: this.numClasses, signal });
  }

  /** Freezes a copy of the current model as the "before" model. */
  snapshot(): void {
    const copy = this.freshModel();
    copy.setWeights(this.model.getWeights());
    this.before?.dispose();
    this.before = copy;
  }

  hasSnapshot(): boolean {
    return this.before !== null;
  }

  /** Back to a freshly initialised model (same seed), step 0, no snapshot. */
  reset(): void {
    this.model.dispose();
    this.before?.dispose();
    this.before = null;
    this.model = this.freshModel();
    this.step = 0;
    this.chunk = 0;
  }

  dispose(): void {
    this.model.dispose();
    this.before?.dispose();
    this.before = null;
  }
}
