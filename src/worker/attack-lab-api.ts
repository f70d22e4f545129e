/**
 * The Attack Lab's worker methods: list and load models, serve test images, predict, run one attack on one image
 * (with a per-step trace for the animation) and show other models' predictions on the result. Every argument is
 * checked here with a message naming it; results come back as plain numbers and typed arrays.
 */
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import { ATTACKS, getAttack } from '../lib/attacks/registry';
import type { AttackModel, AttackOptions, AttackKind, AttackNeeds, Norm, StepInfo, TargetSpec } from '../lib/attacks/types';
import { CLASS_NAMES, DATASET_IDS, imageSize, type ImageDatasetId } from '../lib/data/dataset';
import { createRng } from '../lib/util/rng';
import { imageSubset } from './datasets';
import { asJob, progressReporter, type ProgressCallback } from './jobs';
import { getModel, listModels, type CachedModel, type ModelSummary } from './models';

// ---------------------------------------------------------------------------------------------------------------
// Types shared with the UI (type-only imports there)

/** An attack as the UI sees it: the registry's metadata without the run function. */
export interface AttackSummary {
  id: string;
  name: string;
  norm: Norm;
  norms: Norm[];
  kind: AttackKind;
  targeted: boolean;
  needs: AttackNeeds;
  /** Default options (plain values only). */
  defaults: Record<string, number | string | boolean | string[]>;
  description: string;
  reference: string;
}

export interface TestImagesRequest {
  /** Position in the (filtered, possibly shuffled) list. */
  offset?: number;
  count?: number;
  /** Only images of this class; null/undefined for all. */
  classFilter?: number | null;
  /** Seeded shuffle of the list; undefined keeps the file order. */
  shuffleSeed?: number;
}

export interface TestImages {
  dataset: ImageDatasetId;
  /** Index of each image in the test file (stable: use it in links). */
  indices: Int32Array;
  /** count × rows × cols × channels bytes (channels interleaved), 0 = black. */
  pixels: Uint8Array;
  labels: Uint8Array;
  rows: number;
  cols: number;
  /** 1 (greyscale) or 3 (RGB). */
  channels: number;
  /** How many images match the filter in all. */
  total: number;
  classNames: string[];
}

/** The options a UI may send: AttackOptions without callbacks, tensors or models. */
export type LabAttackOptions = Omit<AttackOptions, 'onStep' | 'signal' | 'surrogate'> & {
  /** Transfer attack: the id of the model to craft on. */
  surrogateModelId?: string;
};

export interface AttackRequest {
  modelId: string;
  attackId: string;
  options: LabAttackOptions;
  /** One image, row-major, values in the model's bounds (length = product of the model's input shape). */
  image: Float32Array;
  label: number;
}

export interface TraceStep extends StepInfo {
  /** Index into `frames` of the iterate the model saw at this step, or −1 when none was kept. */
  frame: number;
}

export interface LabEpsilonResult {
  epsilon: number;
  adversarial: Float32Array;
  /** adversarial − image. */
  delta: Float32Array;
  probabilities: Float32Array;
  predicted: number;
  success: boolean;
  linf: number;
  l2: number;
  l0: number;
  queries: number;
}

export interface LabAttackResult {
  modelId: string;
  attackId: string;
  attackName: string;
  norm: Norm;
  label: number;
  /** The target class of a targeted run. */
  target: number | null;
  hyperparameters: Record<string, number | string | boolean>;
  clean: { probabilities: Float32Array; predicted: number };
  results: LabEpsilonResult[];
  trace: TraceStep[];
  /** Iterates x_k the model was evaluated at, concatenated (frameCount × pixels). */
  frames: Float32Array;
  frameCount: number;
  elapsedMs: number;
}

export interface TransferPrediction {
  modelId: string;
  name: string;
  probabilities: Float32Array;
  predicted: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation helpers

function fail(message: string): never {
  throw new Error(message);
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The image as float32 in the model's bounds, checked for length and finite values. */
function checkImage(image: unknown, entry: CachedModel, name = 'image'): Float32Array {
  const want = size(entry.entry.inputShape);
  if (!(image instanceof Float32Array)) fail(`${name} must be a Float32Array of ${want} values, got ${Object.prototype.toString.call(image)}`);
  if (image.length !== want) {
    fail(`${name} has ${image.length} values; ${entry.entry.id} takes [${entry.entry.inputShape.join('×')}] = ${want}`);
  }
  const [lo, hi] = entry.entry.bounds;
  for (let i = 0; i < image.length; i++) {
    const v = image[i];
    if (!Number.isFinite(v)) fail(`${name}[${i}] is ${v}; every value must be a finite number`);
    if (v < lo - 1e-6 || v > hi + 1e-6) fail(`${name}[${i}] = ${v} is outside the model's input range [${lo}, ${hi}]`);
  }
  return image;
}

function checkLabel(label: unknown, numClasses: number, name = 'label'): number {
  if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= numClasses) {
    fail(`${name} must be an integer class in 0–${numClasses - 1}, got ${String(label)}`);
  }
  return label;
}

/** Largest ε that makes sense per norm for a model's input (larger values are certainly typos). */
function maxEpsilon(norm: Norm, entry: CachedModel): number {
  const [lo, hi] = entry.entry.bounds;
  const range = hi - lo;
  const n = size(entry.entry.inputShape);
  return norm === 'linf' ? range : norm === 'l2' ? range * Math.sqrt(n) : n;
}

function checkOptions(options: unknown, attack: AttackSummary, entry: CachedModel): LabAttackOptions {
  if (options == null || typeof options !== 'object') fail('options must be an object with epsilons');
  const o = options as LabAttackOptions;
  if (!Array.isArray(o.epsilons) || o.epsilons.length === 0) fail('options.epsilons must be a non-empty array of numbers');
  if (o.epsilons.length > 64) fail(`options.epsilons lists ${o.epsilons.length} values; at most 64 per run`);
  const norm = o.norm ?? attack.norm;
  if (!attack.norms.includes(norm)) fail(`options.norm "${String(norm)}" is not supported by ${attack.id} (supported: ${attack.norms.join(', ')})`);
  const top = maxEpsilon(norm, entry);
  o.epsilons.forEach((e, i) => {
    if (typeof e !== 'number' || !Number.isFinite(e)) fail(`options.epsilons[${i}] must be a finite number, got ${String(e)}`);
    if (e < 0 || e > top) fail(`options.epsilons[${i}] = ${e} is outside [0, ${+top.toFixed(3)}] for the ${norm} norm`);
  });
  if (o.steps !== undefined && !(Number.isInteger(o.steps) && o.steps >= 1 && o.steps <= 10_000)) {
    fail(`options.steps must be an integer in 1–10000, got ${String(o.steps)}`);
  }
  if (o.restarts !== undefined && !(Number.isInteger(o.restarts) && o.restarts >= 1 && o.restarts <= 100)) {
    fail(`options.restarts must be an integer in 1–100, got ${String(o.restarts)}`);
  }
  if (o.stepSize !== undefined && !(typeof o.stepSize === 'number' && Number.isFinite(o.stepSize) && o.stepSize > 0)) {
    fail(`options.stepSize must be a finite number > 0, got ${String(o.stepSize)}`);
  }
  if (o.targeted !== undefined && typeof o.targeted !== 'boolean') fail(`options.targeted must be true or false, got ${String(o.targeted)}`);
  if (o.targeted && !attack.targeted) fail(`${attack.id} has no targeted mode (options.targeted)`);
  if (o.targeted && o.target?.mode === 'given') checkLabel(o.target.label, entry.attackModel.numClasses, 'options.target.label');
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// Model evaluation

async function probabilitiesOf(model: AttackModel, batch: Float32Array, n: number): Promise<Float32Array> {
  const p = tf.tidy(() => tf.softmax(model.logits(tf.tensor(batch, [n, ...model.inputShape]))));
  try {
    return (await p.data()) as Float32Array;
  } finally {
    p.dispose();
  }
}

function argmax(values: ArrayLike<number>, from = 0, to = values.length): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if (values[i] > values[best]) best = i;
  return best - from;
}

/**
 * Wraps a model so that every single-example forward pass keeps a copy of its input: the iterate x_k an attack
 * evaluated last. The attack loops call onStep right after evaluating x_k, so the copy taken then is that step's
 * iterate, whatever the attack (gradient or score-based).
 */
function recordingModel(model: AttackModel): { model: AttackModel; take(): tf.Tensor | null; dispose(): void } {
  let latest: tf.Tensor | null = null;
  return {
    model: {
      ...model,
      logits(x: tf.Tensor) {
        if (x.shape[0] === 1) {
          latest?.dispose();
          latest = tf.keep(x.clone());
        }
        return model.logits(x);
      },
    },
    take() {
      const t = latest;
      latest = null;
      return t;
    },
    dispose() {
      latest?.dispose();
      latest = null;
    },
  };
}

/** At most this many iterates are kept per run (3.8 MB for 28×28; a longer run keeps only its scalars after that). */
const MAX_FRAMES = 1200;
/** Progress messages are sent at most this often (a square attack takes thousands of tiny steps). */
const PROGRESS_INTERVAL_MS = 80;

// ---------------------------------------------------------------------------------------------------------------
// The API module

export const attackLabApi = {
  /** Shipped (models/index.json) and registered models. */
  async listModels(): Promise<ModelSummary[]> {
    return listModels();
  },

  /** Loads a model into the cache (once) and returns its summary. */
  async loadModel(id: string): Promise<ModelSummary> {
    const cached = await getModel(id);
    const all = await listModels();
    return all.find((m) => m.id === id) ?? { ...cached.entry, source: 'registered' };
  },

  /** The attack registry's metadata, in registry order. */
  listAttacks(): AttackSummary[] {
    return ATTACKS.map((a) => ({
      id: a.id,
      name: a.name,
      norm: a.norm,
      norms: [...a.norms],
      kind: a.kind,
      targeted: a.targeted,
      needs: a.needs,
      defaults: Object.fromEntries(
        Object.entries(a.defaults).filter(([, v]) => ['number', 'string', 'boolean'].includes(typeof v) || Array.isArray(v)),
      ) as AttackSummary['defaults'],
      description: a.description,
      reference: a.reference,
    }));
  },

  /**
   * A page of test images: offset/count into the list of images (optionally only one class, optionally in a
   * seeded random order). `indices` are positions in the test file, stable across filters and shuffles.
   */
  async getTestImages(dataset: string, request: TestImagesRequest = {}): Promise<TestImages> {
    if (!(DATASET_IDS as readonly string[]).includes(dataset)) fail(`dataset must be one of ${DATASET_IDS.join(', ')}, got "${dataset}"`);
    const id = dataset as ImageDatasetId;
    const { offset = 0, count = 24, classFilter = null, shuffleSeed } = request ?? {};
    if (!Number.isInteger(count) || count < 1 || count > 1000) fail(`count must be an integer in 1–1000, got ${String(count)}`);
    if (!Number.isInteger(offset) || offset < 0) fail(`offset must be an integer ≥ 0, got ${String(offset)}`);
    if (shuffleSeed !== undefined && !Number.isFinite(shuffleSeed)) fail(`shuffleSeed must be a finite number, got ${String(shuffleSeed)}`);
    const d = await imageSubset(id, 'test');
    if (classFilter !== null && classFilter !== undefined) checkLabel(classFilter, d.numClasses, 'classFilter');
    const matching: number[] = [];
    for (let i = 0; i < d.count; i++) if (classFilter == null || d.labels[i] === classFilter) matching.push(i);
    if (shuffleSeed !== undefined) createRng(shuffleSeed).shuffle(matching);
    if (offset >= matching.length && matching.length > 0) fail(`offset ${offset} is past the last of ${matching.length} images`);
    const chosen = matching.slice(offset, offset + count);
    const px = imageSize(d);
    const pixels = new Uint8Array(chosen.length * px);
    const labels = new Uint8Array(chosen.length);
    chosen.forEach((i, k) => {
      pixels.set(d.images.subarray(i * px, (i + 1) * px), k * px);
      labels[k] = d.labels[i];
    });
    const out: TestImages = {
      dataset: id,
      indices: Int32Array.from(chosen),
      pixels,
      labels,
      rows: d.rows,
      cols: d.cols,
      channels: d.channels,
      total: matching.length,
      classNames: CLASS_NAMES[id],
    };
    return Comlink.transfer(out, [out.indices.buffer, out.pixels.buffer, out.labels.buffer] as ArrayBuffer[]);
  },

  /** Softmax probabilities of one image (float32 in the model's bounds). */
  async predict(modelId: string, image: Float32Array): Promise<Float32Array> {
    const m = await getModel(modelId);
    checkImage(image, m);
    const p = await probabilitiesOf(m.attackModel, image, 1);
    return Comlink.transfer(p, [p.buffer as ArrayBuffer]);
  },

  /**
   * Runs one attack on one image as job `jobId`: a newer run under the same id cancels this one (it then rejects
   * with "cancelled"). Progress counts iterations over every ε and restart.
   */
  async runAttack(jobId: string, request: AttackRequest, onProgress?: ProgressCallback): Promise<LabAttackResult> {
    if (typeof jobId !== 'string' || jobId === '') fail(`jobId must be a non-empty string, got ${JSON.stringify(jobId)}`);
    if (request == null || typeof request !== 'object') fail('request must be an object {modelId, attackId, options, image, label}');
    const spec = ATTACKS.find((a) => a.id === request.attackId);
    if (!spec) fail(`Unknown attack id "${String(request.attackId)}": known attacks are ${ATTACKS.map((a) => a.id).join(', ')}`);
    const summary = attackLabApi.listAttacks().find((a) => a.id === spec.id)!;
    const m = await getModel(request.modelId);
    const image = checkImage(request.image, m);
    const label = checkLabel(request.label, m.attackModel.numClasses);
    const { surrogateModelId, ...options } = checkOptions(request.options, summary, m);
    let surrogate: AttackModel | undefined;
    if (spec.needs === 'surrogate') {
      if (!surrogateModelId) fail(`${spec.id} needs options.surrogateModelId: the model the perturbation is crafted on`);
      const s = await getModel(surrogateModelId);
      if (size(s.entry.inputShape) !== image.length) fail(`options.surrogateModelId "${surrogateModelId}" takes a different input shape`);
      surrogate = s.attackModel;
    }

    return asJob(jobId, async (signal) => {
      const started = performance.now();
      // Expected onStep calls, for the progress bar's ETA (attacks that stop early simply finish sooner).
      const option = (key: 'steps' | 'queryBudget' | 'samples' | 'binarySearchSteps' | 'restarts') => options[key] ?? spec.defaults[key];
      const perRun = (option('steps') ?? option('queryBudget') ?? option('samples') ?? 1) * (option('binarySearchSteps') ?? 1);
      const report = progressReporter(onProgress, options.epsilons.length * perRun * (option('restarts') ?? 1));
      const recorder = recordingModel(m.attackModel);
      const trace: TraceStep[] = [];
      const frames: tf.Tensor[] = [];
      let done = 0;
      let lastReport = 0;
      const x = tf.tensor(image, [1, ...m.entry.inputShape]);
      try {
        const result = await spec.run(recorder.model, x, Int32Array.of(label), {
          ...options,
          ...(surrogate ? { surrogate } : {}),
          signal,
          onStep: (s: StepInfo) => {
            const frame = recorder.take();
            let index = -1;
            if (frame && frames.length < MAX_FRAMES) {
              index = frames.length;
              frames.push(frame);
            } else frame?.dispose();
            trace.push({ ...s, frame: index });
            done++;
            const now = performance.now();
            if (now - lastReport > PROGRESS_INTERVAL_MS) {
              lastReport = now;
              report(done, `ε = ${+s.epsilon.toFixed(4)}, step ${s.step}/${s.steps}`);
            }
          },
        });
        try {
          const n = result.results.length;
          const px = image.length;
          const advData = new Float32Array(n * px);
          for (let i = 0; i < n; i++) advData.set((await result.results[i].adversarial.data()) as Float32Array, i * px);
          const probs = await probabilitiesOf(m.attackModel, advData, n);
          const clean = await probabilitiesOf(m.attackModel, image, 1);
          const stacked = frames.length ? tf.concat(frames) : null;
          const frameData = stacked ? ((await stacked.data()) as Float32Array) : new Float32Array(0);
          stacked?.dispose();
          const C = m.attackModel.numClasses;
          const results: LabEpsilonResult[] = result.results.map((r, i) => {
            const adversarial = advData.slice(i * px, (i + 1) * px);
            return {
              epsilon: r.epsilon,
              adversarial,
              delta: adversarial.map((v, j) => v - image[j]),
              probabilities: probs.slice(i * C, (i + 1) * C),
              predicted: r.predicted[0],
              success: r.success[0] === 1,
              linf: r.linf[0],
              l2: r.l2[0],
              l0: r.l0[0],
              queries: r.queries,
            };
          });
          report(done, 'done', done);
          const out: LabAttackResult = {
            modelId: m.entry.id,
            attackId: spec.id,
            attackName: spec.name,
            norm: options.norm ?? spec.norm,
            label,
            target: result.targets ? result.targets[0] : null,
            hyperparameters: result.hyperparameters,
            clean: { probabilities: clean, predicted: argmax(clean) },
            results,
            trace,
            frames: frameData,
            frameCount: frames.length,
            elapsedMs: performance.now() - started,
          };
          const buffers = [out.frames.buffer, out.clean.probabilities.buffer, ...results.flatMap((r) => [r.adversarial.buffer, r.delta.buffer, r.probabilities.buffer])];
          return Comlink.transfer(out, buffers as ArrayBuffer[]);
        } finally {
          for (const r of result.results) r.adversarial.dispose();
        }
      } finally {
        x.dispose();
        recorder.dispose();
        for (const f of frames) f.dispose();
      }
    });
  },

  /** Predictions of other models on one (adversarial) image; models whose input does not fit are refused by name. */
  async transferPredictions(image: Float32Array, modelIds: string[]): Promise<TransferPrediction[]> {
    if (!Array.isArray(modelIds)) fail('modelIds must be an array of model ids');
    const out: TransferPrediction[] = [];
    for (const id of modelIds) {
      const m = await getModel(id);
      checkImage(image, m, `image (for ${id})`);
      const probabilities = await probabilitiesOf(m.attackModel, image, 1);
      out.push({ modelId: id, name: m.entry.name, probabilities, predicted: argmax(probabilities) });
    }
    return out;
  },
};

export type { ModelSummary, TargetSpec };
