/**
 * Node-only model I/O for scripts and tests: save a LayersModel to a folder (model.json + weights.bin) and load one
 * back from disk through the same validation as the browser loader.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkModelMatchesEntry, loadModelFromParts } from './load';
import { parseModelIndex, type ModelEntry, type ModelIndex } from './registry';

export const MODELS_DIR = path.resolve(import.meta.dirname, '../../../models');

export const WEIGHTS_FILE = 'weights.bin';

/** Writes model.json and one weight shard into `dir`; returns the weight byte count. */
export async function saveModelToDir(model: tf.LayersModel, dir: string): Promise<number> {
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (!artifacts.weightData || !artifacts.weightSpecs) throw new Error('saveModelToDir: the model has no weights');
      const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      bytes = weights.byteLength;
      writeFileSync(path.join(dir, WEIGHTS_FILE), new Uint8Array(weights));
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
      };
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes } };
    }),
  );
  return bytes;
}

/** Loads model.json (and the shards it names, next to it) from disk. */
export async function loadModelFromFile(modelJsonPath: string): Promise<tf.LayersModel> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(modelJsonPath, 'utf8'));
  } catch (err) {
    throw new Error(`${modelJsonPath}: cannot read or parse: ${err instanceof Error ? err.message : String(err)}`);
  }
  const dir = path.dirname(modelJsonPath);
  return loadModelFromParts(
    json,
    async (p) => {
      const b = readFileSync(path.join(dir, p));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
    modelJsonPath,
  );
}

export function readModelIndex(modelsDir = MODELS_DIR): ModelIndex {
  return parseModelIndex(JSON.parse(readFileSync(path.join(modelsDir, 'index.json'), 'utf8')));
}

/** Loads a zoo model by id from models/, checked against its index entry. */
export async function loadZooModelFromDisk(entry: ModelEntry, modelsDir = MODELS_DIR): Promise<tf.LayersModel> {
  const model = await loadModelFromFile(path.join(modelsDir, entry.files.model));
  try {
    checkModelMatchesEntry(model, entry);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
