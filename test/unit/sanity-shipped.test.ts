/**
 * The sanity flags must stay silent on the shipped adversarially trained MNIST model: its robustness is real, so
 * no rule of thumb for gradient masking or weak attacks should fire. Skipped while models/index.json does not list
 * mnist-cnn-robust (it trains for a long time). The report runs on the first 100 test images of the app's subset with
 * a reduced suite (PGD-20, APGD-CE-20, C&W 2×20, Square 300 queries, transfer from mnist-cnn, noise).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { initNodeBackend } from '../../src/lib/backend/node';
import { layersModelAsAttackModel } from '../../src/lib/attacks/model-adapter';
import { imageExamples } from '../../src/lib/data/examples';
import { loadSubsetFile } from '../../src/lib/data/node-sources';
import { defaultSuite, runReport } from '../../src/lib/eval/report-run';
import { MODELS_DIR, loadZooModelFromDisk, readModelIndex } from '../../src/lib/models/node';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TEST_SET = path.join(ROOT, 'public/data/mnist-test.bin');

function listed(): string[] {
  try {
    return readModelIndex().models.map((m) => m.id);
  } catch {
    return [];
  }
}
const ids = listed();
const present = ids.includes('mnist-cnn-robust') && existsSync(TEST_SET);

describe('sanity flags on the shipped robust model', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it.skipIf(!present)('stay silent on mnist-cnn-robust at ε = 0.3 (skipped until models/index.json lists it)', async () => {
    const index = readModelIndex();
    const entry = index.models.find((m) => m.id === 'mnist-cnn-robust')!;
    const model = await loadZooModelFromDisk(entry, MODELS_DIR);
    const std = ids.includes('mnist-cnn') ? await loadZooModelFromDisk(index.models.find((m) => m.id === 'mnist-cnn')!, MODELS_DIR) : null;
    try {
      const report = await runReport({
        model: { id: entry.id, model: layersModelAsAttackModel(model, entry.bounds) },
        surrogate: std ? { id: 'mnist-cnn', model: layersModelAsAttackModel(std, [0, 1]) } : undefined,
        dataset: 'mnist',
        data: imageExamples(loadSubsetFile(TEST_SET)),
        n: 100,
        epsilon: 0.3,
        suite: defaultSuite(0.3, 0.5, { steps: 20, restarts: 1, apgdSteps: 20, queryBudget: 300, noiseSamples: 10, cwSearchSteps: 2, cwSteps: 20, transfer: std !== null }),
        batchSize: 100,
      });
      const fired = report.flags.filter((f) => f.fired);
      expect(fired.map((f) => `${f.id}: ${f.message}`)).toEqual([]);
      expect(report.flags.filter((f) => f.evaluated).length).toBeGreaterThanOrEqual(4);
      for (const r of report.rows) if (r.inWorstCase) expect(report.worstCase.robustAccuracy).toBeLessThanOrEqual(r.robustAccuracy);
    } finally {
      model.dispose();
      std?.dispose();
    }
  });
});
