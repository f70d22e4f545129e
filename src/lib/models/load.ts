/**
 * Loading a tfjs layers model (model.json + binary weight shards) from anywhere: a URL in the browser, or files
 * in Node (see node.ts). Everything goes through one validation path, so a malformed model.json, a missing or
 * short weight file, or a model of the wrong shape fails with a message that says which.
 */
import * as tf from '@tensorflow/tfjs';
import { checkModelJson, checkWeightShards, type CheckedModelJson } from '../validate/model-files';
import type { ModelEntry } from './registry';

/** A checked model.json (the checks, tfjs-free, live in src/lib/validate/model-files.ts). */
export type ModelJson = CheckedModelJson;

/** Checks the structure of a parsed model.json (layers, manifest, size limit) and returns it typed. */
export function validateModelJson(json: unknown, name = 'model.json'): ModelJson {
  return checkModelJson(json, name);
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
        throw new Error(`The weight file “${p}” named in ${name} could not be read (${err instanceof Error ? err.message : String(err)}).`);
      }
    }),
  );
  // Sizes, and no NaN or infinite weight; the shards joined in manifest order.
  const weightData = checkWeightShards(json, new Map(paths.map((p, i) => [p, buffers[i]])), name);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  // Built in two steps rather than with tf.loadLayersModel: when the weights do not fit the layers, that call
  // throws and leaves the half-built model's variables and the decoded weights allocated (found by the fuzz test).
  let model: tf.LayersModel | null = null;
  let weights: tf.NamedTensorMap = {};
  try {
    model = await tf.models.modelFromJSON({ modelTopology: json.modelTopology } as unknown as tf.io.ModelJSON);
    weights = tf.io.decodeWeights(weightData, weightSpecs);
    model.loadWeights(weights);
    return model;
  } catch (err) {
    model?.dispose();
    // tfjs' own words (shapes, class names) go in parentheses for whoever debugs the file; the sentence comes first.
    throw new Error(`${name} could not be turned into a model: its layers and its weights do not fit together (${err instanceof Error ? err.message : String(err)}).`);
  } finally {
    tf.dispose(Object.values(weights));
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
