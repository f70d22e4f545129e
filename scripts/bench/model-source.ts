/**
 * Where the benchmark's mnist-cnn comes from: the shipped models/mnist-cnn/ when it exists; otherwise a stand-in of the same
 * architecture (seeded, briefly trained), written once to a temporary folder in the same file format, so that
 * every runner and the PyTorch peer still load the very same weights (and the table says it is a stand-in).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initNodeBackend } from '../../src/lib/backend/node';
import { buildModel } from '../../src/lib/models/architectures';
import { MODELS_DIR, saveModelToDir } from '../../src/lib/models/node';
import { findRecipe } from '../../src/lib/models/zoo';
import { imageExamples } from '../../src/lib/data/examples';
import { loadSubsetFile } from '../../src/lib/data/node-sources';
import { trainModel } from '../../src/lib/train/train';

export interface BenchModelSource {
  /** Folder holding model.json and its weight shards. */
  dir: string;
  /** True for the trained zoo model, false for the seeded stand-in. */
  trained: boolean;
  description: string;
}

export const BENCH_MODEL_ID = 'mnist-cnn';

export async function benchModelSource(): Promise<BenchModelSource> {
  const shipped = path.join(MODELS_DIR, BENCH_MODEL_ID);
  if (existsSync(path.join(shipped, 'model.json'))) {
    return { dir: shipped, trained: true, description: `models/${BENCH_MODEL_ID} (trained)` };
  }
  const dir = path.join(os.tmpdir(), `adv-bench-${BENCH_MODEL_ID}-standin`);
  if (!existsSync(path.join(dir, 'model.json'))) {
    await initNodeBackend('wasm');
    // A short standard training run, so that accuracy (and so which rows the attacks work on) looks like the real
    // model's; the weights are then fixed for every runner.
    const model = buildModel(findRecipe(BENCH_MODEL_ID).architecture, 1);
    const train = imageExamples(loadSubsetFile(path.resolve('public/data/mnist-train.bin')));
    await trainModel(model, train, { method: 'standard', epochs: 2, batchSize: 128, optimizer: 'adam', learningRate: 2e-3, schedule: { kind: 'constant' }, seed: 1 });
    await saveModelToDir(model, dir);
    model.dispose();
  }
  return { dir, trained: false, description: `stand-in: ${BENCH_MODEL_ID} architecture, seeded, 2 epochs on the 10k training subset (models/${BENCH_MODEL_ID} missing)` };
}
