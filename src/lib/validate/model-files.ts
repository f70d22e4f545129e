/**
 * Model files (a tfjs layers model: model.json + weight shards) checked before tfjs sees them, in plain words:
 * not JSON, not a layers model, a weights manifest that does not add up, missing or short shards, a size claim
 * beyond LIMITS.modelBytes (refused before any shard is read), NaN or infinite weights, layer classes the app does
 * not know, and inputs that are not images. Used by the zoo loader (src/lib/models/load.ts), the stored-model
 * store (storage.ts) and the own-model loader. No tfjs.
 */
import { LIMITS } from './limits';
import { formatBytes, formatCount } from '../util/format-count';
import { ValidationError } from './numeric';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
}

export interface CheckedModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

export const BYTES_PER_DTYPE: Record<WeightEntry['dtype'], number> = { float32: 4, int32: 4, bool: 1 };

/** Layer classes tfjs-layers can build that fit the app's small image and toy models. */
export const KNOWN_LAYER_CLASSES: ReadonlySet<string> = new Set([
  'InputLayer', 'Dense', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'MaxPooling2D', 'AveragePooling2D',
  'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten', 'Reshape', 'Dropout', 'SpatialDropout2D', 'Activation',
  'ReLU', 'LeakyReLU', 'ELU', 'Softmax', 'BatchNormalization', 'LayerNormalization', 'ZeroPadding2D', 'Cropping2D',
  'UpSampling2D', 'Add', 'Concatenate', 'Multiply', 'Average', 'Maximum', 'Rescaling', 'Sequential', 'Functional', 'Model',
]);

/** Layers that take [height, width, channels] per example. */
const SPATIAL_LAYERS: ReadonlySet<string> = new Set([
  'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D',
  'GlobalMaxPooling2D', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'SpatialDropout2D',
]);

const FIELD = 'Model file';

function refuse(message: string): never {
  throw new ValidationError(FIELD, message);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** model.json text → the parsed, checked manifest. `name` is the file as the person knows it. */
export function parseModelJson(text: unknown, name = 'model.json'): CheckedModelJson {
  if (typeof text !== 'string') refuse(`${name} could not be read as text; choose the model.json file again.`);
  if (text.length > 64 * 1024 * 1024) refuse(`${name} is ${formatBytes(text.length)} of text; a model.json describes layers and is far smaller. Is this the right file?`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    refuse(`${name} is not a JSON file; a TensorFlow.js model.json is expected.`);
  }
  return checkModelJson(json, name);
}

/** Checks a parsed model.json: structure, weights manifest, total size, layers and input shape. */
export function checkModelJson(json: unknown, name = 'model.json', opts: { imageInput?: boolean } = {}): CheckedModelJson {
  if (!isObject(json)) refuse(`${name} does not describe a model (it holds no settings object).`);
  if (!isObject(json.modelTopology)) refuse(`${name} has no layer description ("modelTopology"); is it a TensorFlow.js layers model?`);
  const checked = checkWeightsManifest(json, name);
  checkTopology(json.modelTopology, name, opts.imageInput ?? false);
  return checked;
}

/**
 * Checks the weights manifest alone (file names, weight entries, total size): what a tfjs graph model, whose
 * topology is a node list rather than layers, shares with a layers model.
 */
export function checkWeightsManifest(json: unknown, name = 'model.json'): CheckedModelJson {
  if (!isObject(json)) refuse(`${name} does not describe a model (it holds no settings object).`);
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest) || manifest.length === 0) refuse(`${name} lists no weight files ("weightsManifest"); the model would have no weights.`);
  manifest.forEach((group) => {
    if (!isObject(group) || !Array.isArray(group.paths) || group.paths.length === 0 || !group.paths.every((p) => typeof p === 'string' && p !== ''))
      refuse(`${name} has a weight group without file names.`);
    if (!Array.isArray(group.weights)) refuse(`${name} has a weight group without a list of weights.`);
    for (const w of group.weights as unknown[]) checkWeightEntry(w, name);
  });
  const checked = json as unknown as CheckedModelJson;
  const bytes = manifestBytes(checked);
  if (bytes > LIMITS.modelBytes.max)
    refuse(`${name} says its weights take ${formatBytes(bytes)}; at most ${formatBytes(LIMITS.modelBytes.max)} are accepted, because ${LIMITS.modelBytes.reason}.`);
  return checked;
}

function checkWeightEntry(w: unknown, name: string): void {
  if (!isObject(w) || typeof w.name !== 'string') refuse(`${name} lists a weight without a name.`);
  if (!(typeof w.dtype === 'string' && w.dtype in BYTES_PER_DTYPE))
    refuse(`${name}: the weight “${w.name.slice(0, 60)}” has the number type “${String(w.dtype).slice(0, 20)}”; only float32, int32 and bool are supported.`);
  if (w.quantization !== undefined) refuse(`${name}: the weight “${w.name.slice(0, 60)}” is quantized; convert the model without quantization.`);
  if (!Array.isArray(w.shape) || w.shape.length > 8 || !w.shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 2 ** 31))
    refuse(`${name}: the weight “${w.name.slice(0, 60)}” has an impossible shape.`);
}

/** Bytes the manifest's weights need in all (may be huge for a lying file: checked against the limit). */
export function manifestBytes(json: CheckedModelJson): number {
  let bytes = 0;
  for (const g of json.weightsManifest) for (const w of g.weights) bytes += w.shape.reduce((a, b) => a * b, 1) * BYTES_PER_DTYPE[w.dtype];
  return bytes;
}

/** Every layer config in a (possibly nested) Keras topology. */
function layersOf(topology: Record<string, unknown>): { className: string; config: Record<string, unknown> }[] {
  const out: { className: string; config: Record<string, unknown> }[] = [];
  const visit = (node: unknown, depth: number) => {
    if (depth > 8 || out.length > LIMITS.modelLayers.max) return;
    if (!isObject(node)) return;
    const className = typeof node.class_name === 'string' ? node.class_name : null;
    const config = isObject(node.config) ? node.config : {};
    if (className) out.push({ className, config });
    const inner = Array.isArray(config.layers) ? config.layers : Array.isArray(node.layers) ? node.layers : null;
    if (inner) for (const l of inner) visit(l, depth + 1);
  };
  visit(isObject(topology.model_config) ? topology.model_config : topology, 0);
  return out;
}

function checkTopology(topology: Record<string, unknown>, name: string, imageInput: boolean): void {
  const layers = layersOf(topology);
  if (layers.length === 0) refuse(`${name} describes no layers.`);
  if (layers.length > LIMITS.modelLayers.max)
    refuse(`${name} describes more than ${LIMITS.modelLayers.max} layers; ${LIMITS.modelLayers.reason}.`);
  const unknown = [...new Set(layers.map((l) => l.className).filter((c) => !KNOWN_LAYER_CLASSES.has(c)))];
  if (unknown.length)
    refuse(`${name} uses layer types this app cannot run: ${unknown.slice(0, 5).map((c) => c.slice(0, 40)).join(', ')}. Supported: dense, convolution, pooling, normalisation and activation layers.`);
  // Sizes that would make tfjs allocate gigabytes while building the layers, before the weights are compared.
  for (const l of layers) {
    for (const key of ['units', 'filters'] as const) {
      const v = l.config[key];
      if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= LIMITS.layerWidth.max))
        refuse(`${name} has a layer with ${describeWidth(v)} ${key === 'units' ? 'units' : 'filters'}; at most ${formatCount(LIMITS.layerWidth.max)} are accepted, because ${LIMITS.layerWidth.reason}.`);
    }
  }
  const shape = layers.map((l) => l.config.batch_input_shape ?? l.config.batchInputShape).find((s) => Array.isArray(s)) as unknown[] | undefined;
  if (shape) {
    const dims = shape.slice(1);
    if (!dims.every((d) => Number.isInteger(d) && (d as number) >= 1))
      refuse(`${name} takes input of shape [${dims.map((d) => (d === null ? '?' : String(d).slice(0, 12))).join(', ')}]; every size must be a whole number of at least 1.`);
    // A first layer that works on pictures needs height × width × channels; tfjs would fail while building the
    // layers and leave what it built allocated (a tfjs leak no caller can reach), so refuse it here.
    const first = layers.find((l) => l.className !== 'Sequential' && l.className !== 'Functional' && l.className !== 'Model' && l.className !== 'InputLayer');
    if (first && SPATIAL_LAYERS.has(first.className) && dims.length !== 3)
      refuse(`${name} starts with a ${first.className} layer, which needs pictures (height × width × channels), but takes input of shape [${dims.join(', ')}].`);
    const values = (dims as number[]).reduce((a, b) => a * b, 1);
    if (values > LIMITS.modelInputValues.max)
      refuse(`${name} takes ${formatCount(values)} input values per example; at most ${formatCount(LIMITS.modelInputValues.max)} are accepted, because ${LIMITS.modelInputValues.reason}.`);
  }
  if (!imageInput) return;
  if (!shape) refuse(`${name} does not say what input it takes (no input shape); re-export it with its input layer.`);
  checkImageInputShape(shape.slice(1), name);
}

function describeWidth(v: unknown): string {
  return typeof v === 'number' ? formatCount(v) : 'an unreadable number of';
}

/** An image model takes [height, width, channels] with 1 (grey) or 3 (colour) channels. */
export function checkImageInputShape(shape: unknown[], name = 'The model'): void {
  const ok =
    shape.length === 3 &&
    shape.every((d) => Number.isInteger(d) && (d as number) >= 1) &&
    (shape[2] === 1 || shape[2] === 3) &&
    (shape[0] as number) <= 512 &&
    (shape[1] as number) <= 512;
  if (!ok)
    refuse(`${name} takes input of shape [${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]; an image model takes height × width × 1 or 3 channels, at most 512 × 512.`);
}

/**
 * The shards, by path as the manifest writes it: every one present, their sizes adding up to what the manifest
 * needs, and no NaN or infinite float32 weight. Returns the shards joined in manifest order.
 */
export function checkWeightShards(json: CheckedModelJson, shards: ReadonlyMap<string, ArrayBuffer>, name = 'model.json'): ArrayBuffer {
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  const missing = paths.filter((p) => !shards.has(p));
  if (missing.length) refuse(`The weight file${missing.length > 1 ? 's' : ''} ${missing.slice(0, 4).map((p) => `“${p.slice(0, 60)}”`).join(', ')} named in ${name} ${missing.length > 1 ? 'are' : 'is'} missing; add ${missing.length > 1 ? 'them' : 'it'} next to ${name}.`);
  const total = paths.reduce((s, p) => s + shards.get(p)!.byteLength, 0);
  const needed = manifestBytes(json);
  if (total !== needed)
    refuse(`The weight files hold ${formatCount(total)} bytes but ${name} needs ${formatCount(needed)}; the files do not belong together or one is cut short.`);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of paths) {
    joined.set(new Uint8Array(shards.get(p)!), at);
    at += shards.get(p)!.byteLength;
  }
  checkWeightValues(json.weightsManifest.flatMap((g) => g.weights), joined.buffer, name);
  return joined.buffer;
}

/** No NaN or ±Infinity among float32 weights (they would make every prediction NaN). */
export function checkWeightValues(weights: WeightEntry[], data: ArrayBuffer, name = 'The model'): void {
  let offset = 0;
  for (const w of weights) {
    const count = w.shape.reduce((a, b) => a * b, 1);
    const bytes = count * BYTES_PER_DTYPE[w.dtype];
    if (offset + bytes > data.byteLength) refuse(`${name}: the weights end before “${w.name.slice(0, 60)}”; a weight file is cut short.`);
    if (w.dtype === 'float32') {
      // A view needs 4-byte alignment; copy when the offset is not aligned (bool weights before float32 ones).
      const values = offset % 4 === 0 ? new Float32Array(data, offset, count) : new Float32Array(data.slice(offset, offset + bytes));
      for (let i = 0; i < values.length; i++)
        if (!Number.isFinite(values[i])) refuse(`${name}: the weight “${w.name.slice(0, 60)}” contains ${Number.isNaN(values[i]) ? 'NaN (not a number)' : 'an infinite value'}; the model is damaged or was trained into divergence.`);
    }
    offset += bytes;
  }
}

/** A model kept in memory or browser storage: {modelTopology, weightSpecs, weightData}, checked as a whole. */
export function checkModelArtifacts(a: unknown, name = 'The stored model'): void {
  if (!isObject(a)) refuse(`${name} has no model data.`);
  if (!Array.isArray(a.weightSpecs)) refuse(`${name} has no weight list.`);
  if (!(a.weightData instanceof ArrayBuffer)) refuse(`${name} has no weights.`);
  const json = checkModelJson({ modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights'], weights: a.weightSpecs }] }, name);
  checkWeightShards(json, new Map([['weights', a.weightData]]), name);
}
