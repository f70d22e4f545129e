/**
 * Bring your own model: a tfjs layers model or a tfjs graph model (model.json + weight files, e.g. from the
 * Keras or TensorFlow converter), turned into the attack contract — inputs in [0, 1], outputs logits — with
 * everything that commonly goes wrong noticed and said in plain words:
 * - a softmax output (attacks on probabilities saturate and under-report success): the softmax is removed and the
 *   logits under it are used; where it cannot be found in the graph, log-probabilities are used (they differ from
 *   the logits by one constant per example, so every margin is the same) with a note;
 * - a model that expects another input range or a normalisation: the person states it, and it is applied inside
 *   the wrapper, so attacks keep working in [0, 1];
 * - operations without a gradient (rounding, arg-max, …): named, and only gradient-free attacks are offered;
 * - input shapes that are neither an image ([H, W, C]) nor a 2-D point, and outputs that are not one score per class.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackModel } from '../attacks/types';
import { layersModelAsAttackModel } from '../attacks/model-adapter';
import { loadModelFromParts } from './load';
import { checkModelJson, checkWeightsManifest, manifestBytes } from '../validate/model-files';

export type UserModelFormat = 'layers' | 'graph';

/** What the person states about the model (from its metadata where present). */
export interface UserModelSettings {
  /** The range the model expects its pixels in: [0, 1], [0, 255], [-1, 1] … Inputs in [0, 1] are mapped onto it. */
  inputRange: [number, number];
  /** Per-channel mean and standard deviation subtracted and divided after the range mapping; empty for none. */
  mean: number[];
  std: number[];
  /** One name per output class. */
  classNames: string[];
}

export interface UserModelReport {
  format: UserModelFormat;
  inputShape: number[];
  numClasses: number;
  kind: 'image' | 'toy';
  /** How the softmax was dealt with, if there was one. */
  softmax: 'none' | 'removed' | 'log-probabilities';
  /** Operations the gradient cannot pass (empty when white-box attacks work). */
  noGradientOps: string[];
  /** True when white-box (gradient) attacks can run. */
  gradients: boolean;
  /** Class names found in the model's metadata, if any. */
  metadataClassNames: string[] | null;
  /** Sentences for the person: what was noticed and done. */
  notes: string[];
}

export interface LoadedUserModel {
  attackModel: AttackModel;
  report: UserModelReport;
  dispose(): void;
}

/** Limits with reasons (the weight-size limit is the model-file check's, src/lib/validate/limits.ts). */
export const USER_MODEL_LIMITS = { maxInputElements: 256 * 256 * 4, maxClasses: 1000 } as const;

export class UserModelError extends Error {}

function fail(message: string): never {
  throw new UserModelError(message);
}

/** Which of the two tfjs formats a parsed model.json is. */
export function detectFormat(json: unknown): UserModelFormat {
  const m = json as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null) fail('model.json is not a JSON object. Choose the model.json file that the tfjs converter wrote.');
  const topology = m.modelTopology as Record<string, unknown> | undefined;
  if (m.format === 'graph-model' || Array.isArray(topology?.node)) return 'graph';
  if (m.format === 'layers-model' || topology?.model_config || topology?.class_name || topology?.config) return 'layers';
  fail('model.json is neither a tfjs layers model nor a tfjs graph model (no "modelTopology" with layers or nodes).');
}

/** Class names in the model's metadata: `userDefinedMetadata.classNames` (or `labels`), where a converter put them. */
export function metadataClassNames(json: unknown): string[] | null {
  const meta = (json as { userDefinedMetadata?: Record<string, unknown> })?.userDefinedMetadata;
  const names = meta?.classNames ?? meta?.labels;
  return Array.isArray(names) && names.length > 0 && names.every((n) => typeof n === 'string') ? (names as string[]) : null;
}

/** Checks the stated settings against the model: finite ranges, one mean/std per channel, one name per class. */
export function checkSettings(s: UserModelSettings, channels: number, numClasses: number): void {
  const [lo, hi] = s.inputRange;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) fail(`The input range must be two numbers, the first smaller (e.g. 0 and 255); got ${lo} and ${hi}.`);
  if (s.mean.length !== s.std.length) fail(`Give as many standard deviations as means (${s.mean.length} means, ${s.std.length} deviations).`);
  if (s.mean.length && s.mean.length !== 1 && s.mean.length !== channels) fail(`Give one mean per channel (${channels}) or one for all; got ${s.mean.length}.`);
  if (s.mean.some((v) => !Number.isFinite(v))) fail('Every mean must be a number.');
  if (s.std.some((v) => !Number.isFinite(v) || v <= 0)) fail('Every standard deviation must be a positive number.');
  if (s.classNames.length !== numClasses) fail(`The model has ${numClasses} outputs; give ${numClasses} class names (got ${s.classNames.length}).`);
  if (s.classNames.some((n) => !n.trim())) fail('A class name is empty.');
}

function checkShapes(inputShape: (number | null)[], outputShape: (number | null)[]): { inputShape: number[]; numClasses: number; kind: 'image' | 'toy' } {
  const shape = inputShape.slice(1);
  if (shape.some((d) => d == null || d <= 0)) fail(`The model's input shape [${inputShape.join(', ')}] must be fixed apart from the batch size.`);
  const dims = shape as number[];
  const isImage = dims.length === 3 && (dims[2] === 1 || dims[2] === 3);
  const isPoint = dims.length === 1 && dims[0] === 2;
  if (!isImage && !isPoint) fail(`The model takes inputs of shape [${dims.join(', ')}]; the playground attacks images [height, width, 1 or 3 channels] and 2-D points [2].`);
  if (dims.reduce((a, b) => a * b, 1) > USER_MODEL_LIMITS.maxInputElements) fail(`Images of ${dims.join('×')} are larger than this playground handles (up to 256×256×4 values).`);
  const out = outputShape.slice(1);
  if (out.length !== 1 || out[0] == null || out[0] < 2) fail(`The model outputs shape [${outputShape.join(', ')}]; it must output one score per class (at least two classes).`);
  if (out[0] > USER_MODEL_LIMITS.maxClasses) fail(`The model has ${out[0]} classes; at most ${USER_MODEL_LIMITS.maxClasses} are supported.`);
  return { inputShape: dims, numClasses: out[0], kind: isImage ? 'image' : 'toy' };
}

/** The model's weights, read and checked against the manifest before tfjs sees them. */
async function readAllWeights(json: { weightsManifest: { paths: string[] }[] }, readWeights: (path: string) => Promise<ArrayBuffer>): Promise<ArrayBuffer> {
  const buffers: ArrayBuffer[] = [];
  for (const p of json.weightsManifest.flatMap((g) => g.paths)) {
    try {
      buffers.push(await readWeights(p));
    } catch {
      fail(`The weight file "${p}" named in model.json is missing. Choose model.json together with all its .bin files.`);
    }
  }
  return tf.io.concatenateArrayBuffers(buffers);
}

/** Maps [0,1] inputs to what the model expects: the stated range, then (x − mean) / std per channel. */
function preprocessor(s: UserModelSettings, channels: number): { apply: ((x: tf.Tensor) => tf.Tensor) | null; dispose: () => void } {
  const [lo, hi] = s.inputRange;
  if (lo === 0 && hi === 1 && s.mean.length === 0) return { apply: null, dispose: () => {} };
  const per = (v: number[]) => (v.length === 1 ? Array(channels).fill(v[0]) : v);
  const mean = s.mean.length ? tf.tensor1d(per(s.mean)) : null;
  const std = s.std.length ? tf.tensor1d(per(s.std)) : null;
  return {
    apply: (x) => {
      let y = lo === 0 && hi === 1 ? x : x.mul(hi - lo).add(lo);
      if (mean && std) y = y.sub(mean).div(std);
      return y;
    },
    dispose: () => tf.dispose([mean, std].filter((t): t is tf.Tensor1D => t !== null)),
  };
}

/**
 * Probes the gradient of the logits with respect to the input on a few random inputs: an operation without a
 * gradient function makes tfjs throw and is named; gradients that are zero everywhere (rounding, arg-max) are noticed.
 */
async function probeGradients(logits: (x: tf.Tensor) => tf.Tensor, inputShape: number[], lo: number, hi: number): Promise<{ ok: boolean; ops: string[]; zero: boolean }> {
  const x = tf.randomUniform([2, ...inputShape], lo, hi, 'float32', 7);
  try {
    const absMaxT = tf.tidy(() => tf.grad((v: tf.Tensor) => logits(v).sum())(x).abs().max());
    const absMax = (await absMaxT.data())[0];
    absMaxT.dispose();
    return { ok: Number.isFinite(absMax) && absMax > 0, ops: [], zero: !(absMax > 0) };
  } catch (e) {
    const message = (e as Error).message;
    const op = /gradient function not found for (\w+)/i.exec(message)?.[1] ?? /for (\w+) kernel/i.exec(message)?.[1];
    return { ok: false, ops: [op ?? message.slice(0, 80)], zero: false };
  } finally {
    x.dispose();
  }
}

const GRAPH_OPS_WITHOUT_GRADIENT = new Set(['Round', 'Floor', 'Ceil', 'Sign', 'ArgMax', 'ArgMin', 'TopKV2', 'Equal', 'NotEqual', 'Greater', 'Less', 'Cast', 'RandomUniform', 'Multinomial', 'NonMaxSuppressionV3', 'NonMaxSuppressionV5', 'LoopCond', 'Enter', 'Exit', 'Switch', 'Merge', 'NextIteration']);

interface GraphNode { name: string; op: string; input?: string[] }

/** Layers model → logits function, with the softmax removed where the last layer applies it. */
function layersLogits(model: tf.LayersModel, notes: string[]): { model: tf.LayersModel; softmax: UserModelReport['softmax']; rebuilt: tf.layers.Layer | null } {
  const last = model.layers[model.layers.length - 1];
  const config = last.getConfig() as Record<string, unknown>;
  const className = last.getClassName();
  if (className === 'Softmax' || (className === 'Activation' && config.activation === 'softmax')) {
    notes.push(`The model ends in a softmax layer (${last.name}); attacks use the scores before it (the logits), because attacks on probabilities saturate and report too little.`);
    return { model: tf.model({ inputs: model.inputs, outputs: last.input as tf.SymbolicTensor }), softmax: 'removed', rebuilt: null };
  }
  if (config.activation === 'softmax') {
    // The same layer with a linear activation: rebuilt from its own config through tfjs's registry of layer classes.
    const registered = tf.serialization.SerializationMap.getMap().classNameMap[className];
    if (!registered) fail(`The last layer (${className}) applies a softmax, and this playground cannot rebuild it without one.`);
    const [cls, fromConfig] = registered;
    const linear = fromConfig(cls, { ...config, activation: 'linear', name: `${last.name}_logits` } as tf.serialization.ConfigDict) as unknown as tf.layers.Layer;
    const output = linear.apply(last.input as tf.SymbolicTensor) as tf.SymbolicTensor;
    linear.setWeights(last.getWeights());
    notes.push(`The last layer (${last.name}) applies a softmax; attacks use its scores before the softmax (the logits), because attacks on probabilities saturate and report too little.`);
    return { model: tf.model({ inputs: model.inputs, outputs: output }), softmax: 'removed', rebuilt: linear };
  }
  return { model, softmax: 'none', rebuilt: null };
}

/** Whether outputs look like probabilities: non-negative rows summing to 1 on random inputs. */
async function looksLikeProbabilities(forward: (x: tf.Tensor) => tf.Tensor, inputShape: number[], lo: number, hi: number): Promise<boolean> {
  const x = tf.randomUniform([4, ...inputShape], lo, hi, 'float32', 3);
  const y = tf.tidy(() => forward(x));
  const values = await y.data();
  const sums = await tf.tidy(() => y.sum(-1)).data();
  tf.dispose([x, y]);
  return values.every((v) => v >= 0) && Array.from(sums).every((s) => Math.abs(s - 1) < 1e-3);
}

/**
 * Loads a model from its model.json (parsed) and a reader for its weight files, and wraps it with the stated
 * settings. `settings.classNames` may be empty to take the metadata's names (or "class 0", "class 1", …).
 */
export async function loadUserModel(modelJson: unknown, readWeights: (path: string) => Promise<ArrayBuffer>, settings: UserModelSettings): Promise<LoadedUserModel> {
  const format = detectFormat(modelJson);
  const notes: string[] = [];
  // The shared model-file checks (src/lib/validate): the whole file for a layers model, the manifest for a graph.
  const manifest = format === 'graph' ? checkWeightsManifest(modelJson) : checkModelJson(modelJson);
  const expected = manifestBytes(manifest);
  const metaNames = metadataClassNames(modelJson);

  let forward: (x: tf.Tensor) => tf.Tensor;
  let inputShape: number[];
  let numClasses: number;
  let kind: 'image' | 'toy';
  let softmax: UserModelReport['softmax'] = 'none';
  let disposeModel: () => void;
  let noGradientOps: string[] = [];
  let layersModel: tf.LayersModel | null = null;

  if (format === 'layers') {
    const loaded = await loadModelFromParts(modelJson, readWeights);
    try {
      ({ inputShape, numClasses, kind } = checkShapes(loaded.inputs[0].shape, loaded.outputs[0].shape));
    } catch (e) {
      loaded.dispose();
      throw e;
    }
    const logitsModel = layersLogits(loaded, notes);
    softmax = logitsModel.softmax;
    layersModel = logitsModel.model;
    forward = (x) => logitsModel.model.apply(x, { training: false }) as tf.Tensor;
    // The logits model shares every layer but the rebuilt last one with the loaded model: dispose both.
    disposeModel = () => {
      logitsModel.rebuilt?.dispose();
      loaded.dispose();
    };
  } else {
    const weightData = await readAllWeights(manifest, readWeights);
    if (weightData.byteLength !== expected) fail(`The weight files hold ${weightData.byteLength} bytes but model.json needs ${expected}: a file is missing, truncated or from another model.`);
    const topology = (modelJson as { modelTopology: { node: GraphNode[] } }).modelTopology;
    let graph: tf.GraphModel;
    try {
      graph = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: manifest.weightsManifest.flatMap((g) => g.weights), weightData, format: 'graph-model' }));
    } catch (e) {
      fail(`tfjs could not build the graph model: ${(e as Error).message}`);
    }
    const nodes = topology.node;
    const byName = new Map(nodes.map((n) => [n.name, n]));
    let outputName = graph.outputNodes[0];
    const outNode = byName.get(outputName.split(':')[0]);
    if (outNode?.op === 'Softmax' && outNode.input?.[0]) {
      outputName = outNode.input[0];
      softmax = 'removed';
      notes.push(`The graph ends in a Softmax (${outNode.name}); attacks use its input, the logits, because attacks on probabilities saturate and report too little.`);
    }
    const inputNode = graph.inputs[0];
    const probeShape = tf.tidy(() => (graph.execute(tf.zeros([1, ...(inputNode.shape ?? []).slice(1).map((d) => (d == null || d < 0 ? 1 : d))]), outputName) as tf.Tensor).shape);
    try {
      ({ inputShape, numClasses, kind } = checkShapes(inputNode.shape ?? [], probeShape));
    } catch (e) {
      graph.dispose();
      throw e;
    }
    noGradientOps = [...new Set(nodes.map((n) => n.op).filter((op) => GRAPH_OPS_WITHOUT_GRADIENT.has(op)))];
    forward = (x) => graph.execute(x, outputName) as tf.Tensor;
    disposeModel = () => graph.dispose();
  }

  const channels = kind === 'image' ? inputShape[2] : 2;
  const chosen: UserModelSettings = { ...settings, classNames: settings.classNames.length ? settings.classNames : metaNames ?? Array.from({ length: numClasses }, (_, i) => `class ${i}`) };
  try {
    checkSettings(chosen, channels, numClasses);
  } catch (e) {
    disposeModel();
    throw e;
  }
  // Toy models take points in their data box as they are; image models get [0, 1] pixels mapped onto their range.
  const pre = kind === 'image' ? preprocessor(chosen, channels) : { apply: null, dispose: () => {} };
  const bounds: [number, number] = kind === 'image' ? [0, 1] : chosen.inputRange;
  const withPre = (x: tf.Tensor) => (pre.apply ? forward(pre.apply(x)) : forward(x));
  if (softmax === 'none' && (await looksLikeProbabilities(withPre, inputShape, bounds[0], bounds[1]))) {
    const inner = forward;
    forward = (x) => tf.log(tf.maximum(inner(x), 1e-30));
    softmax = 'log-probabilities';
    notes.push('The outputs look like probabilities (they are non-negative and sum to 1), but no softmax could be found to remove; attacks use their logarithm, which keeps every margin between classes — yet gradients may still vanish where the model is very sure.');
  }
  const logits = (x: tf.Tensor) => tf.tidy(() => withPre(x)) as tf.Tensor2D;
  const probe = await probeGradients(logits, inputShape, bounds[0], bounds[1]);
  if (!probe.ok) noGradientOps = [...new Set([...noGradientOps, ...probe.ops])];
  const gradients = probe.ok && noGradientOps.length === 0;
  if (!gradients) {
    notes.push(
      noGradientOps.length
        ? `The gradient cannot pass ${noGradientOps.join(', ')}: white-box attacks would see nothing, so only gradient-free attacks (score-based, transfer, noise) are offered.`
        : 'The gradient with respect to the input is zero everywhere: white-box attacks would see nothing, so only gradient-free attacks are offered.',
    );
  }

  // A layers model with no preprocessing keeps the fast attack path of the shipped models.
  const attackModel: AttackModel =
    layersModel && !pre.apply && softmax !== 'log-probabilities'
      ? layersModelAsAttackModel(layersModel, bounds)
      : { logits, numClasses, inputShape, bounds };
  return {
    attackModel,
    report: { format, inputShape, numClasses, kind, softmax, noGradientOps, gradients, metadataClassNames: metaNames, notes },
    dispose: () => {
      pre.dispose();
      disposeModel();
    },
  };
}
