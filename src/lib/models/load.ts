/**
 * Loading a tfjs layers model (model.json + binary weight shards) from anywhere: a URL in the browser, or files
 * in Node (see node.ts). Everything goes through one validation path, so a malformed model.json, a missing or
 * short weight file, or a model of the wrong shape fails with a message that says which.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelEntry } from './registry';

export interface ModelJson {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

const BYTES_PER_DTYPE: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** Checks the structure of a parsed model.json and returns it typed. */
export function validateModelJson(json: unknown, name = 'model.json'): ModelJson {
  if (typeof json !== 'object' || json === null) throw new Error(`${name}: expected a JSON object`);
  const m = json as Record<string, unknown>;
  if (typeof m.modelTopology !== 'object' || m.modelTopology === null) {
    throw new Error(`${name}: missing "modelTopology" (is this a tfjs layers model?)`);
  }
  if (!Array.isArray(m.weightsManifest) || m.weightsManifest.length === 0) throw new Error(`${name}: missing "weightsManifest"`);
  m.weightsManifest.forEach((group: unknown, g: number) => {
    const gr = group as Record<string, unknown>;
    if (!Array.isArray(gr?.paths) || gr.paths.length === 0 || !gr.paths.every((p) => typeof p === 'string')) {
      throw new Error(`${name}: weightsManifest[${g}].paths must be a non-empty list of file names`);
    }
    if (!Array.isArray(gr.weights)) throw new Error(`${name}: weightsManifest[${g}].weights must be a list`);
    gr.weights.forEach((w: unknown, i: number) => {
      const e = w as Record<string, unknown>;
      if (typeof e?.name !== 'string' || !Array.isArray(e.shape) || !(typeof e.dtype === 'string' && e.dtype in BYTES_PER_DTYPE)) {
        throw new Error(`${name}: weightsManifest[${g}].weights[${i}] must have a name, a shape and a float32/int32 dtype`);
      }
      if (e.quantization !== undefined) throw new Error(`${name}: quantized weights (${e.name}) are not supported`);
    });
  });
  return json as ModelJson;
}

/** Bytes the manifest's weights need in all. */
export function manifestByteLength(json: ModelJson): number {
  let bytes = 0;
  for (const group of json.weightsManifest) {
    for (const w of group.weights) bytes += w.shape.reduce((a, b) => a * b, 1) * BYTES_PER_DTYPE[w.dtype];
  }
  return bytes;
}

/**
 * Builds the model from a validated model.json and a function that returns each weight file's bytes by its path
 * as written in the manifest.
 */
export async function loadModelFromParts(
  modelJson: unknown,
  readWeights: (path: string) => Promise<ArrayBuffer>,
  name = 'model.json',
): Promise<tf.LayersModel> {
  const json = validateModelJson(modelJson, name);
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  const buffers = await Promise.all(
    paths.map(async (p) => {
      try {
        return await readWeights(p);
      } catch (err) {
        throw new Error(`${name}: cannot read weight file "${p}": ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  );
  const weightData = tf.io.concatenateArrayBuffers(buffers);
  const expected = manifestByteLength(json);
  if (weightData.byteLength !== expected) {
    throw new Error(`${name}: the weight files hold ${weightData.byteLength} bytes, the manifest needs ${expected}`);
  }
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
  } catch (err) {
    throw new Error(`${name}: tfjs could not build the model: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Browser (or any fetch): loads model.json from `url` and its shards relative to it. */
export async function loadModelFromUrl(url: string, fetchFn: typeof fetch = fetch): Promise<tf.LayersModel> {
  const response = await fetchFn(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new Error(`${url}: not valid JSON`);
  }
  const base = url.slice(0, url.lastIndexOf('/') + 1);
  return loadModelFromParts(
    json,
    async (p) => {
      const r = await fetchFn(base + p);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.arrayBuffer();
    },
    url,
  );
}

/** Checks that a loaded model matches its index entry: input shape and number of output classes. */
export function checkModelMatchesEntry(model: tf.LayersModel, entry: ModelEntry): void {
  const input = model.inputs[0].shape.slice(1);
  if (input.length !== entry.inputShape.length || input.some((d, i) => d !== entry.inputShape[i])) {
    throw new Error(`${entry.id}: the model takes input [${input.join(', ')}], the index says [${entry.inputShape.join(', ')}]`);
  }
  const out = model.outputs[0].shape;
  if (out.length !== 2 || out[1] !== entry.classNames.length) {
    throw new Error(`${entry.id}: the model outputs [${out.slice(1).join(', ')}] values, the index lists ${entry.classNames.length} classes`);
  }
}

/** Loads a zoo model by its index entry from the app's models/ base URL. */
export async function loadZooModel(entry: ModelEntry, baseUrl: string, fetchFn: typeof fetch = fetch): Promise<tf.LayersModel> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const model = await loadModelFromUrl(base + entry.files.model, fetchFn);
  try {
    checkModelMatchesEntry(model, entry);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
