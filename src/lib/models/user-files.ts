/**
 * The files a person drops for their own model (model.json plus its .bin weight shards, in any order, perhaps
 * with unrelated files), sorted out before tfjs sees them, and one self-contained bundle of them (a model.json
 * whose manifest names a single weights.bin) that is what the browser's storage keeps and what an export writes.
 * Tfjs-free: every message is for a person, and nothing here needs a tensor.
 */

export interface DroppedFile {
  name: string;
  data: ArrayBuffer;
}

export interface UserModelFiles {
  /** The parsed model.json. */
  json: Record<string, unknown>;
  /** A weight file's bytes by the path its manifest gives (matched on the file name). */
  readWeights: (path: string) => Promise<ArrayBuffer>;
  /** The name of the folder or file the model came from, as a starting name for it. */
  suggestedName: string;
}

export class ModelFilesError extends Error {}

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/** Finds model.json among the files, parses it, and reads weight files by their manifest names. */
export function sortModelFiles(files: DroppedFile[]): UserModelFiles {
  if (!Array.isArray(files) || files.length === 0) throw new ModelFilesError('No files were chosen. Choose model.json together with its .bin weight files.');
  const jsons = files.filter((f) => /\.json$/i.test(f.name));
  if (jsons.length === 0) throw new ModelFilesError('None of the chosen files is a model.json. Choose model.json together with its .bin weight files.');
  const named = jsons.filter((f) => baseName(f.name).toLowerCase() === 'model.json');
  if (jsons.length > 1 && named.length !== 1) throw new ModelFilesError(`Several JSON files were chosen (${jsons.map((f) => f.name).join(', ')}); choose one model at a time.`);
  const main = named[0] ?? jsons[0];
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(main.data));
  } catch (e) {
    throw new ModelFilesError(`${main.name} is not valid JSON (${(e as Error).message}). Choose the model.json the tfjs converter wrote.`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ModelFilesError(`${main.name} does not describe a model (it is not a JSON object).`);
  const byName = new Map(files.filter((f) => f !== main).map((f) => [baseName(f.name), f.data]));
  const stem = baseName(main.name).replace(/\.json$/i, '');
  const folder = main.name.includes('/') ? main.name.split('/').slice(-2, -1)[0] : '';
  return {
    json: json as Record<string, unknown>,
    readWeights: async (path) => {
      const data = byName.get(baseName(path));
      if (!data) throw new ModelFilesError(`The weight file "${path}" named in model.json was not chosen. Choose model.json together with all its .bin files.`);
      return data;
    },
    suggestedName: folder || (stem.toLowerCase() === 'model' ? 'my model' : stem),
  };
}

interface Manifest {
  paths: string[];
  weights: unknown[];
}

/** The name every bundle and export gives its single weight file. */
export const BUNDLE_WEIGHTS = 'weights.bin';

/**
 * One model.json + one weight buffer: the shards concatenated in manifest order, the manifest rewritten to name
 * weights.bin. Loading the bundle gives the same model as the original files (tfjs concatenates shards the same way).
 */
export async function bundleModelFiles(json: Record<string, unknown>, readWeights: (path: string) => Promise<ArrayBuffer>): Promise<{ modelJson: Record<string, unknown>; weights: ArrayBuffer }> {
  const manifest = json.weightsManifest as Manifest[] | undefined;
  if (!Array.isArray(manifest)) throw new ModelFilesError('model.json has no weightsManifest: it does not say which weight files belong to it.');
  const parts: ArrayBuffer[] = [];
  for (const group of manifest) for (const p of group.paths) parts.push(await readWeights(p));
  const total = parts.reduce((a, b) => a + b.byteLength, 0);
  const weights = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    weights.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return {
    modelJson: { ...json, weightsManifest: [{ paths: [BUNDLE_WEIGHTS], weights: manifest.flatMap((g) => g.weights) }] },
    weights: weights.buffer,
  };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/**
 * The storage check of a kept bundle (the model store's artifacts: `modelTopology` holds the whole bundled
 * model.json, `weightSpecs` its weights list, `weightData` weights.bin): the weights must be as long as the list says.
 * The full checks ran when the model was added (loadUserModel); this catches a damaged or altered record.
 */
export function checkBundleArtifacts(a: unknown, name: string): void {
  const r = a as { modelTopology?: unknown; weightSpecs?: unknown; weightData?: unknown } | null;
  if (typeof r !== 'object' || r === null || typeof r.modelTopology !== 'object' || r.modelTopology === null) throw new ModelFilesError(`${name} has no model.json.`);
  if (!(r.weightData instanceof ArrayBuffer) || !Array.isArray(r.weightSpecs)) throw new ModelFilesError(`${name} has no weights.`);
  let bytes = 0;
  for (const w of r.weightSpecs as { shape?: unknown; dtype?: unknown }[]) {
    const per = DTYPE_BYTES[String(w?.dtype)];
    if (!per || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ModelFilesError(`${name} has a damaged weights list.`);
    bytes += (w.shape as number[]).reduce((p, d) => p * d, 1) * per;
  }
  if (bytes !== r.weightData.byteLength) throw new ModelFilesError(`${name} holds ${r.weightData.byteLength} bytes of weights but its model.json needs ${bytes}.`);
}
