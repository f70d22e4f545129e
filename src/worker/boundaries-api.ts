/**
 * The Decision Boundaries panel's worker methods: the 2-D toy playground (dataset, live training of a small MLP,
 * class map, adversarial points and robust accuracy) and image-space slices (a plane through an image, the
 * predicted class over it for one or two models). Arguments are checked here with messages naming them; results
 * are plain numbers and transferred typed arrays.
 */
import * as Comlink from 'comlink';
import { getAttack } from '../lib/attacks/registry';
import type { AttackSpec, Norm } from '../lib/attacks/types';
import { TOY_DATASET_IDS, type Bounds2D, type ToyDatasetId } from '../lib/data/toy';
import { CLASS_NAMES, DATASET_IDS, type ImageDatasetId } from '../lib/data/dataset';
import { MLP_ACTIVATIONS, describeMlp, type MlpActivation } from '../lib/models/mlp';
import { cloneLayersModel } from '../lib/models/storage';
import { TRAIN_METHODS, type TrainMethod } from '../lib/train/train';
import { ToyPlayground, type ToyModelConfig, type ToyModelWhich, type ToySplitName } from '../lib/boundary/toy-playground';
import { SLICE_DIRECTIONS, type SliceDirection } from '../lib/boundary/slice';
import { computeSlice, type SliceModelResult } from '../lib/boundary/slice-run';
import { asJob, cancelJob, progressReporter, type ProgressCallback } from './jobs';
import { imageSubset } from './datasets';
import { getModel, layersModelOf } from './models';
import { checkChoice, checkJobId, checkNumber, checkParam, fail } from './checks';
import { SLICE_FIELDS, TOY_FIELDS } from '../lib/validate/numeric';

// ---------------------------------------------------------------------------------------------------------------
// Types shared with the UI (type-only imports there)

export interface ToySetupRequest {
  dataset: ToyDatasetId;
  n: number;
  noise: number;
  seed: number;
  classes: number;
  /** First class : last class (default 1, balanced). */
  imbalance?: number;
  layers: number;
  width: number;
  activation: MlpActivation;
  /** Seed of the weight initialisation (default: the data seed). */
  modelSeed?: number;
}

export interface ToyPoints {
  /** n × 2 coordinates. */
  x: Float32Array;
  y: Int32Array;
}

export interface ToySetup {
  dataset: ToyDatasetId;
  n: number;
  noise: number;
  seed: number;
  classes: number;
  /** First class : last class (1: balanced). */
  imbalance: number;
  bounds: Bounds2D;
  train: ToyPoints;
  test: ToyPoints;
  architecture: ToyModelConfig;
  /** "2 → 32 relu → 32 relu → 2". */
  description: string;
  step: number;
  /** The shipped model the playground started from, if any. */
  modelId: string | null;
}

export interface ToyTrainRequest {
  steps: number;
  method: TrainMethod;
  epsilon: number;
  learningRate: number;
  batchSize: number;
}

export interface ToyTrainReport {
  step: number;
  /** Mean loss over the chunk. */
  loss: number;
}

export interface ToyAttackRequest {
  attackId: string;
  norm: Norm;
  epsilon: number;
  steps: number;
  which?: ToyModelWhich;
}

export interface ToyEvaluation {
  step: number;
  trainAccuracy: number;
  testAccuracy: number;
  split: ToySplitName;
  /** Robust accuracy of `split` at ε. */
  robustAccuracy: number;
  /** Adversarial points of `split` (n × 2), success (1 = broken, clean mistakes included) and predictions. */
  adversarial: Float32Array;
  success: Uint8Array;
  predicted: Int32Array;
}

export interface ToyGridResult {
  width: number;
  height: number;
  /** Row-major, row 0 at the top (largest y). */
  predicted: Uint8Array;
  confidence: Float32Array;
}

/** A point's randomized-smoothing certificate on the plane, with the settings it was computed with. */
export interface ToyCertificate {
  point: [number, number];
  /** The certified class, or -1 (abstain). */
  prediction: number;
  /** Certified L2 radius in data units (0 when abstaining). */
  radius: number;
  pA: number;
  nA: number;
  sigma: number;
  n0: number;
  draws: number;
  alpha: number;
}

export interface ToyPointAttack {
  adversarial: [number, number];
  success: boolean;
  predicted: number;
}

export interface SliceRequest {
  dataset: ImageDatasetId;
  /** Index of the image in the test file. */
  imageIndex: number;
  /** The models evaluated on the plane (one or two). */
  modelIds: string[];
  /** The model whose adversarial direction spans the plane (one of modelIds). */
  planeModelId: string;
  direction: SliceDirection;
  /** L∞ budget: the ε-ball drawn, and PGD's ε for the 'pgd' direction. */
  epsilon: number;
  /** The plane covers a, b ∈ [−extent, extent] (L∞ units). */
  extent: number;
  resolution: number;
  seed: number;
}

export type { SliceModelResult };

export interface SliceResult {
  dataset: ImageDatasetId;
  imageIndex: number;
  label: number;
  classNames: string[];
  /** The image (rows × cols, [0, 1]). */
  image: Float32Array;
  rows: number;
  cols: number;
  extent: number;
  resolution: number;
  epsilon: number;
  direction: SliceDirection;
  /** The adversarial point's coordinates on the plane: (‖δ‖∞, 0). */
  adversarialPoint: [number, number];
  /** The L∞ ε-ball's cut through the plane: flat [a0, b0, a1, b1, …]. */
  ballPolygon: Float32Array;
  models: SliceModelResult[];
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

function toyAttack(request: ToyAttackRequest): { attack: AttackSpec; norm: Norm; epsilon: number; steps: number; which: ToyModelWhich } {
  if (request == null || typeof request !== 'object') fail('request must be an object {attackId, norm, epsilon, steps}');
  const attack = getAttack(String(request.attackId));
  if (attack.needs !== 'gradients') fail(`attackId must name a gradient attack on the toy plane, got ${attack.id}`);
  const norm = checkChoice(request.norm, 'norm', ['linf', 'l2'] as const);
  if (!attack.norms.includes(norm)) fail(`${attack.id} does not support the ${norm} norm (it supports ${attack.norms.join(', ')})`);
  return {
    attack,
    norm,
    epsilon: checkParam(request.epsilon, TOY_FIELDS.epsilon),
    steps: checkNumber(request.steps, 'steps', 1, 200, true),
    which: checkChoice(request.which ?? 'current', 'which', ['current', 'before'] as const),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Toy playground state (one per worker)

let playground: ToyPlayground | null = null;
let modelId: string | null = null;
let training: { jobId: string; done: Promise<unknown> } | null = null;

function requirePlayground(): ToyPlayground {
  if (!playground) fail('There is no toy playground yet: call toyCreate() first.');
  return playground;
}

/** Stops a running training chunk and waits for it, before the model is replaced or reset. */
async function stopTraining(): Promise<void> {
  if (!training) return;
  cancelJob(training.jobId);
  await training.done.catch(() => undefined);
  training = null;
}

function setupOf(pg: ToyPlayground): ToySetup {
  const copy = (x: Float32Array, y: Int32Array): ToyPoints => ({ x: Float32Array.from(x), y: Int32Array.from(y) });
  const setup: ToySetup = {
    dataset: pg.data.dataset,
    n: pg.data.n,
    noise: pg.data.noise,
    seed: pg.data.seed,
    classes: pg.numClasses,
    imbalance: pg.data.imbalance ?? 1,
    bounds: pg.bounds,
    train: copy(pg.train.x, pg.train.y),
    test: copy(pg.test.x, pg.test.y),
    architecture: { ...pg.architecture },
    description: describeMlp({ ...pg.architecture, inputSize: 2, numClasses: pg.numClasses }),
    step: pg.step,
    modelId,
  };
  return Comlink.transfer(setup, [setup.train.x.buffer, setup.train.y.buffer, setup.test.x.buffer, setup.test.y.buffer] as ArrayBuffer[]);
}

// ---------------------------------------------------------------------------------------------------------------
// The API module

export const boundariesApi = {
  /** A new toy playground: the seeded dataset and a freshly initialised MLP. */
  async toyCreate(request: ToySetupRequest): Promise<ToySetup> {
    if (request == null || typeof request !== 'object') fail('request must be an object {dataset, n, noise, seed, classes, imbalance?, layers, width, activation}');
    const dataset = checkChoice(request.dataset, 'dataset', TOY_DATASET_IDS);
    const data = {
      dataset,
      n: checkParam(request.n, TOY_FIELDS.n),
      noise: checkParam(request.noise, TOY_FIELDS.noise),
      seed: checkParam(request.seed, TOY_FIELDS.seed),
      classes: checkParam(request.classes, TOY_FIELDS.classes),
      ...(request.imbalance === undefined ? {} : { imbalance: checkParam(request.imbalance, TOY_FIELDS.imbalance) }),
    };
    const architecture: ToyModelConfig = {
      layers: checkParam(request.layers, TOY_FIELDS.layers),
      width: checkParam(request.width, TOY_FIELDS.width),
      activation: checkChoice(request.activation, 'activation', MLP_ACTIVATIONS),
    };
    const modelSeed = request.modelSeed === undefined ? data.seed : checkNumber(request.modelSeed, 'modelSeed', 0, 2 ** 31 - 1, true);
    const next = ToyPlayground.create(data, architecture, modelSeed);
    await stopTraining();
    playground?.dispose();
    playground = next;
    modelId = null;
    return setupOf(next);
  },

  /** A toy playground around a shipped toy model (a copy: training it leaves the shipped one untouched). */
  async toyLoadShipped(id: string): Promise<ToySetup> {
    const cached = await getModel(id);
    const { entry } = cached;
    if (entry.kind !== 'toy' || !entry.toy) fail(`${id} is not a toy model`);
    const t = entry.toy;
    const copy = await cloneLayersModel(layersModelOf(cached, 'a toy playground'));
    let next: ToyPlayground;
    try {
      const dataset = checkChoice(t.dataset, `${id}: toy.dataset`, TOY_DATASET_IDS);
      next = ToyPlayground.withModel({ dataset, n: t.n, nTest: t.nTest, noise: t.noise, seed: t.seed, classes: t.classes, gap: t.gap, imbalance: t.imbalance }, copy, t.seed);
    } catch (err) {
      copy.dispose();
      throw err;
    }
    await stopTraining();
    playground?.dispose();
    playground = next;
    modelId = id;
    return setupOf(next);
  },

  /** Back to the freshly initialised model (same seed), step 0, no snapshot; the data stay. */
  async toyReset(): Promise<ToySetup> {
    await stopTraining();
    const pg = requirePlayground();
    pg.reset();
    return setupOf(pg);
  },

  /** Trains one chunk of `steps` steps as job `jobId` (cancel by id); progress counts steps of the chunk. */
  async toyTrain(jobId: string, request: ToyTrainRequest, onProgress?: ProgressCallback): Promise<ToyTrainReport> {
    checkJobId(jobId);
    if (request == null || typeof request !== 'object') fail('request must be an object {steps, method, epsilon, learningRate, batchSize}');
    const pg = requirePlayground();
    const steps = checkNumber(request.steps, 'steps', 1, 10_000, true);
    const method = checkChoice(request.method, 'method', TRAIN_METHODS);
    // Standard training ignores ε: 0 is allowed there.
    const epsilon = checkParam(request.epsilon, method === 'standard' ? { ...TOY_FIELDS.epsilon, min: 0 } : TOY_FIELDS.epsilon);
    const learningRate = checkParam(request.learningRate, TOY_FIELDS.learningRate);
    const batchSize = checkParam(request.batchSize, TOY_FIELDS.batchSize);
    await stopTraining();
    const report = progressReporter(onProgress, steps);
    const start = pg.step;
    const done = asJob(jobId, async (signal) => {
      const loss = await pg.trainSteps(steps, {
        method,
        epsilon,
        learningRate,
        batchSize,
        attack: method === 'standard' ? undefined : getAttack('pgd'),
        signal,
        onStep: (step) => report(step - start, 'Training'),
      });
      return { step: pg.step, loss };
    });
    training = { jobId, done };
    try {
      return await done;
    } finally {
      if (training?.done === done) training = null;
    }
  },

  /** Freezes the current model as the "before" model (for a before/after comparison). */
  toySnapshot(): boolean {
    requirePlayground().snapshot();
    return true;
  },

  /** Clean accuracies and the robust accuracy of a split at ε, with every adversarial point. */
  async toyEvaluate(jobId: string, request: ToyAttackRequest & { split: ToySplitName }): Promise<ToyEvaluation> {
    checkJobId(jobId);
    const pg = requirePlayground();
    const a = toyAttack(request);
    const split = checkChoice(request.split, 'split', ['train', 'test'] as const);
    return asJob(jobId, async (signal) => {
      const trainAccuracy = await pg.accuracy('train', a.which);
      const testAccuracy = await pg.accuracy('test', a.which);
      const r = await pg.splitAdversarials(split, { attack: a.attack, norm: a.norm, epsilon: a.epsilon, steps: a.steps, seed: 1, signal }, a.which);
      const out: ToyEvaluation = { step: pg.step, trainAccuracy, testAccuracy, split, robustAccuracy: r.robustAccuracy, adversarial: r.adversarial, success: r.success, predicted: r.predicted };
      return Comlink.transfer(out, [out.adversarial.buffer, out.success.buffer, out.predicted.buffer] as ArrayBuffer[]);
    });
  },

  /** The class map on a resolution × resolution grid over the plotting box (evaluated in fixed batches). */
  async toyGrid(jobId: string, request: { resolution: number; which?: ToyModelWhich }): Promise<ToyGridResult> {
    checkJobId(jobId);
    const pg = requirePlayground();
    const resolution = checkNumber(request?.resolution, 'resolution', 2, 400, true);
    const which = checkChoice(request?.which ?? 'current', 'which', ['current', 'before'] as const);
    return asJob(jobId, async (signal) => {
      const grid = await pg.grid(resolution, which, signal);
      const out: ToyGridResult = { width: grid.width, height: grid.height, predicted: grid.predicted, confidence: grid.confidence };
      return Comlink.transfer(out, [out.predicted.buffer, out.confidence.buffer] as ArrayBuffer[]);
    });
  },

  /** The adversarial counterpart of one (e.g. dragged) point; a newer request under the same job id cancels this one. */
  async toyAttackPoint(jobId: string, request: ToyAttackRequest & { point: [number, number]; label: number }): Promise<ToyPointAttack> {
    checkJobId(jobId);
    const pg = requirePlayground();
    const a = toyAttack(request);
    const p = request.point;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      fail(`point must be [x, y] with finite numbers, got ${JSON.stringify(p)}`);
    }
    const label = checkNumber(request.label, 'label', 0, pg.numClasses - 1, true);
    return asJob(jobId, async (signal) => {
      const r = await pg.adversarials(Float32Array.from(p), Int32Array.of(label), { attack: a.attack, norm: a.norm, epsilon: a.epsilon, steps: a.steps, seed: 1, signal }, a.which);
      return { adversarial: [r.adversarial[0], r.adversarial[1]], success: r.success[0] === 1, predicted: r.predicted[0] };
    });
  },

  /** The randomized-smoothing certificate (certified L2 disc) of one point of the plane; a newer request cancels this one. */
  async toyCertifyPoint(jobId: string, request: { point: [number, number]; sigma: number; draws: number; which?: ToyModelWhich }): Promise<ToyCertificate> {
    checkJobId(jobId);
    const pg = requirePlayground();
    const p = request?.point;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      fail(`point must be [x, y] with finite numbers, got ${JSON.stringify(p)}`);
    }
    const sigma = checkParam(request.sigma, TOY_FIELDS.certSigma);
    const draws = checkParam(request.draws, TOY_FIELDS.certDraws);
    const which = checkChoice(request.which ?? 'current', 'which', ['current', 'before'] as const);
    const settings = { sigma, n0: 100, n: draws, alpha: 0.001, seed: 1 };
    return asJob(jobId, async () => {
      const c = await pg.certifyPoint([p[0], p[1]], settings, which);
      return { point: [p[0], p[1]], ...c, sigma, n0: settings.n0, draws, alpha: settings.alpha };
    });
  },

  /**
   * A 2-D slice of image space through one test image: the plane spanned by the plane model's adversarial
   * direction and a seeded random orthogonal direction, with each model's prediction on a grid over it.
   */
  async imageSlice(jobId: string, request: SliceRequest, onProgress?: ProgressCallback): Promise<SliceResult> {
    checkJobId(jobId);
    if (request == null || typeof request !== 'object') fail('request must be an object {dataset, imageIndex, modelIds, planeModelId, …}');
    const dataset = checkChoice(request.dataset, 'dataset', DATASET_IDS);
    const direction = checkChoice(request.direction, 'direction', SLICE_DIRECTIONS);
    const epsilon = checkParam(request.epsilon, SLICE_FIELDS.epsilon);
    const extent = checkParam(request.extent, SLICE_FIELDS.extent);
    const resolution = checkParam(request.resolution, SLICE_FIELDS.resolution);
    const seed = checkParam(request.seed, SLICE_FIELDS.planeSeed);
    checkParam(request.imageIndex, SLICE_FIELDS.imageIndex);
    if (!Array.isArray(request.modelIds) || request.modelIds.length < 1 || request.modelIds.length > 4) {
      fail(`modelIds must list one to four model ids, got ${JSON.stringify(request.modelIds)}`);
    }
    if (!request.modelIds.includes(request.planeModelId)) fail(`planeModelId (${request.planeModelId}) must be one of modelIds`);
    const models = await Promise.all(request.modelIds.map((id) => getModel(id)));
    for (const m of models) {
      if (m.entry.kind !== 'image' || m.entry.dataset !== dataset) fail(`${m.entry.id} is not a model for ${dataset} images`);
    }
    const data = await imageSubset(dataset, 'test');
    const imageIndex = checkNumber(request.imageIndex, 'imageIndex', 0, data.count - 1, true);
    const px = data.rows * data.cols;
    const image = Float32Array.from(data.images.subarray(imageIndex * px, (imageIndex + 1) * px), (v) => v / 255);
    const label = data.labels[imageIndex];
    const report = progressReporter(onProgress, 1);

    return asJob(jobId, async (signal) => {
      const computed = await computeSlice(
        image,
        label,
        models.map((m) => ({ id: m.entry.id, name: m.entry.name, robust: m.entry.robust, model: m.attackModel })),
        request.modelIds.indexOf(request.planeModelId),
        { direction, epsilon, extent, resolution, seed, pgd: getAttack('pgd'), signal, onProgress: (done, total, phase) => report(done, phase, total) },
      );
      const { adversarialPoint, ballPolygon, models: results } = computed;
      const out: SliceResult = {
        dataset,
        imageIndex,
        label,
        classNames: CLASS_NAMES[dataset],
        image,
        rows: data.rows,
        cols: data.cols,
        extent,
        resolution,
        epsilon,
        direction,
        adversarialPoint,
        ballPolygon,
        models: results,
      };
      const buffers = [image.buffer, ballPolygon.buffer, ...results.flatMap((r) => [r.predicted.buffer, r.confidence.buffer])];
      return Comlink.transfer(out, buffers as ArrayBuffer[]);
    });
  },
};
