/**
 * The Attack Lab's worker methods: list and load models, serve test images, predict, run one attack on one image
 * (with a per-step trace for the animation) and show other models' predictions on the result. Every argument is
 * checked here with a message naming it; results come back as plain numbers and typed arrays.
 */
import * as Comlink from 'comlink';
import { argmax } from '../lib/util/argmax';
import { ATTACKS, getAttack } from '../lib/attacks/registry';
import type { AttackModel, AttackOptions, AttackSpec, Norm, TargetSpec } from '../lib/attacks/types';
import { probabilitiesOf, tracedAttack, transferables, type LabEpsilonResult, type TraceStep, type TracedAttack } from '../lib/attacks/traced-run';
import { CLASS_NAMES, DATASET_IDS, imageSize, type ImageDatasetId } from '../lib/data/dataset';
import { createRng } from '../lib/util/rng';
import { imageSubset } from './datasets';
import { asJob, progressReporter, type ProgressCallback } from './jobs';
import { unlessCancelled } from '../lib/util/cancel';
import { checkJobId, fail } from './checks';
import { checkEpsilons, checkParams, describeGiven, FIELDS } from '../lib/validate/numeric';
import { LAB_EPSILON_MAX } from '../lib/validate/epsilon-limits';
import { validateOptions } from '../lib/attacks/validate';
import { getModel, listModels, type CachedModel, type ModelSummary } from './models';
import { defend } from '../lib/defenses/defend';
import { makeTransform } from '../lib/defenses/registry';
import { GRADIENT_MODES, type GradientMode } from '../lib/defenses/transform';
import { isImageSetId } from '../lib/data/user-image-set';
import { imageSetData } from './user-images-api';
import { attackPathPieces, warmUp } from './warm-up';

// ---------------------------------------------------------------------------------------------------------------
// Types shared with the UI (type-only imports there)

/** An attack as the UI sees it: the registry's metadata without the run function, its defaults as plain values. */
export type AttackSummary = Pick<AttackSpec, 'id' | 'name' | 'norm' | 'norms' | 'kind' | 'targeted' | 'needs' | 'description' | 'reference'> & {
  defaults: Record<string, number | string | boolean | string[]>;
};

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
  /** A shipped test set or one of the person's image sets ("images:…"). */
  dataset: ImageDatasetId | string;
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
  /**
   * Attack the model behind an input-transform defense (src/lib/defenses/catalog.ts ids; 'distillation' and
   * 'smoothing' are models or panels of their own). `gradient` is what the attacker differentiates: 'naive', 'bpda'
   * or 'eot' (over `samples` draws). Predictions and success are those of the deployed defense.
   */
  defense?: { id: string; value?: number; gradient?: GradientMode; samples?: number };
}

export interface LabAttackResult extends TracedAttack {
  modelId: string;
  attackId: string;
  attackName: string;
  norm: Norm;
  label: number;
}

export type { TraceStep, LabEpsilonResult };

export interface TransferPrediction {
  modelId: string;
  name: string;
  probabilities: Float32Array;
  predicted: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation helpers

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

/**
 * Largest ε per norm: the Attack Lab's limit (its field and address read the same table), scaled to the model's
 * input range; L0 counts pixels, at most the input's size.
 */
function maxEpsilon(norm: Norm, entry: CachedModel): number {
  const [lo, hi] = entry.entry.bounds;
  return norm === 'l0' ? size(entry.entry.inputShape) : LAB_EPSILON_MAX[norm] * (hi - lo);
}

/**
 * The options of a lab run: the library's own checks (validate.ts: types, norms, targeted mode), then the limits
 * of a run on one image in the browser (ε within the input's range for the norm, at most 64 budgets, sane step
 * and restart counts) and a target class the model has.
 */
function checkOptions(options: unknown, attack: AttackSummary, entry: CachedModel): LabAttackOptions {
  if (options == null || typeof options !== 'object') fail(`The attack settings must be a set of named values with ε; got ${describeGiven(options)}.`);
  const o = options as LabAttackOptions;
  // The settings a person types, in words and with the app's limits (FIELDS), before the library's own checks.
  const norm = o.norm ?? attack.norm;
  if (!attack.norms.includes(norm)) fail(`${attack.name} has no ${String(norm)} version; it works in ${attack.norms.join(', ')}.`);
  const top = maxEpsilon(norm, entry);
  const eps = checkEpsilons(o.epsilons, { label: `ε (${NORM_NAMES[norm]})`, min: 0, max: +top.toFixed(3), integer: norm === 'l0' });
  o.epsilons = eps;
  checkParams(
    { steps: o.steps, restarts: o.restarts, queryBudget: o.queryBudget, stepSize: o.stepSize },
    { steps: FIELDS.steps, restarts: FIELDS.restarts, queryBudget: FIELDS.queryBudget, stepSize: { ...FIELDS.stepSize, max: 10 } },
  );
  if (o.targeted !== undefined && typeof o.targeted !== 'boolean') fail(`Targeted must be on or off; got ${describeGiven(o.targeted)}.`);
  validateOptions(o, { id: attack.id, norms: attack.norms, targeted: attack.targeted });
  if (o.targeted && o.target?.mode === 'given') checkLabel(o.target.label, entry.attackModel.numClasses, 'options.target.label');
  return o;
}

const NORM_NAMES: Record<Norm, string> = { linf: 'L∞', l2: 'L2', l0: 'L0' };

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
    // The first attacks on this model run warm code: a throw-away FGSM and PGD once the worker is idle (warm-up.ts).
    if (cached.gradients) warmUp.request(id, async () => attackPathPieces((await getModel(id)).attackModel));
    const all = await listModels();
    return all.find((m) => m.id === id) ?? { ...cached.entry, source: 'registered', gradients: cached.gradients };
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
    const own = isImageSetId(dataset) ? await imageSetData(dataset) : null;
    if (!own && !(DATASET_IDS as readonly string[]).includes(dataset)) fail(`The test set must be one of ${DATASET_IDS.join(', ')} or one of your image sets; got ${describeGiven(dataset)}.`);
    const id = dataset as ImageDatasetId;
    const { offset = 0, count = 24, classFilter = null, shuffleSeed } = request ?? {};
    if (!Number.isInteger(count) || count < 1 || count > 1000) fail(`count must be an integer in 1–1000, got ${String(count)}`);
    if (!Number.isInteger(offset) || offset < 0) fail(`offset must be an integer ≥ 0, got ${String(offset)}`);
    if (shuffleSeed !== undefined && !Number.isFinite(shuffleSeed)) fail(`shuffleSeed must be a finite number, got ${String(shuffleSeed)}`);
    const d = own ? own.data : await imageSubset(id, 'test');
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
      classNames: own ? own.summary.classNames : CLASS_NAMES[id],
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
    checkJobId(jobId);
    // The job is registered before the models and images load, so a Cancel while they load is not lost.
    return asJob(jobId, async (signal) => {
      if (request == null || typeof request !== 'object') fail('request must be an object {modelId, attackId, options, image, label}');
      const spec = ATTACKS.find((a) => a.id === request.attackId);
      if (!spec) fail(`Unknown attack ${describeGiven(request.attackId)}: known attacks are ${ATTACKS.map((a) => a.id).join(', ')}.`);
      const summary = attackLabApi.listAttacks().find((a) => a.id === spec.id)!;
      const m = await unlessCancelled(getModel(request.modelId), signal);
      if (!m.gradients && spec.needs === 'gradients') fail(`${spec.name} needs the model's gradient, which cannot pass ${m.entry.name}: choose a gradient-free attack.`);
      const image = checkImage(request.image, m);
      const label = checkLabel(request.label, m.attackModel.numClasses);
      const { surrogateModelId, ...options } = checkOptions(request.options, summary, m);
      const d = request.defense;
      if (d !== undefined && (d === null || typeof d !== 'object')) fail('defense must be an object {id, value?, gradient?, samples?}');
      if (d && d.gradient !== undefined && !(GRADIENT_MODES as readonly string[]).includes(d.gradient)) {
        fail(`defense.gradient must be one of ${GRADIENT_MODES.join(', ')}, got ${String(d.gradient)}`);
      }
      const transform = d ? makeTransform(d.id, d.value) : null;
      // The attacker's view (its gradient mode) and the deployed defense (the real forward pass, fresh draws).
      const attacked = transform ? defend(m.attackModel, transform, { gradient: d!.gradient ?? 'naive', samples: d!.samples, seed: 1 }) : m.attackModel;
      const deployed = transform ? defend(m.attackModel, transform, { gradient: 'naive', seed: 2 }) : m.attackModel;
      let surrogate: AttackModel | undefined;
      if (spec.needs === 'surrogate') {
        if (!surrogateModelId) fail(`${spec.id} needs options.surrogateModelId: the model the perturbation is crafted on`);
        const s = await unlessCancelled(getModel(surrogateModelId), signal);
        if (size(s.entry.inputShape) !== image.length) fail(`options.surrogateModelId "${surrogateModelId}" takes a different input shape`);
        surrogate = s.attackModel;
      }

      const traced = await tracedAttack(spec, attacked, image, label, { ...options, ...(surrogate ? { surrogate } : {}) }, {
        signal,
        judge: transform ? deployed : undefined,
        onProgress: progressReporter(onProgress, 1),
      });
      const out: LabAttackResult = { ...traced, modelId: m.entry.id, attackId: spec.id, attackName: spec.name, norm: options.norm ?? spec.norm, label };
      return Comlink.transfer(out, transferables(out) as ArrayBuffer[]);
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
