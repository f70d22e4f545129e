import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { boundaryDistance, gradientSignDirection } from '../../src/lib/boundary/slice';
import { layersModelAsAttackModel } from '../../src/lib/attacks/model-adapter';
import type { AttackModel } from '../../src/lib/attacks/types';
import { MODELS_DIR, loadZooModelFromDisk, readModelIndex } from '../../src/lib/models/node';
import type { ModelEntry } from '../../src/lib/models/registry';
import { loadSubsetFile } from '../../src/lib/data/node-sources';

/**
 * The image-slice claim, measured: along each model's own adversarial direction (the sign of its loss gradient), the
 * distance from a test image to the nearest input of another class is larger for the adversarially trained MNIST CNN
 * than for the standard one, on most of 50 test images both classify correctly.
 */
const STANDARD = 'mnist-cnn';
const ROBUST = 'mnist-cnn-robust';
const TEST_FILE = path.resolve('public/data/mnist-test.bin');

function zooEntries(): { standard: ModelEntry; robust: ModelEntry } | null {
  if (!existsSync(path.join(MODELS_DIR, 'index.json')) || !existsSync(TEST_FILE)) return null;
  const index = readModelIndex();
  const standard = index.models.find((m) => m.id === STANDARD);
  const robust = index.models.find((m) => m.id === ROBUST);
  return standard && robust ? { standard, robust } : null;
}

const entries = zooEntries();
const reason = entries ? '' : ` — SKIPPED: ${STANDARD} and ${ROBUST} are not both in models/index.json yet (or ${path.relative('.', TEST_FILE)} is missing)`;

describe('image slices: robust vs standard decision regions', () => {
  const loaded: tf.LayersModel[] = [];
  let standard: AttackModel;
  let robust: AttackModel;

  beforeAll(async () => {
    if (!entries) return;
    await initNodeBackend('wasm');
    for (const entry of [entries.standard, entries.robust]) loaded.push(await loadZooModelFromDisk(entry));
    standard = layersModelAsAttackModel(loaded[0], entries.standard.bounds);
    robust = layersModelAsAttackModel(loaded[1], entries.robust.bounds);
  });

  afterAll(() => loaded.forEach((m) => m.dispose()));

  it.skipIf(!entries)(`the region around the image is larger for the robust model on most of 50 test images${reason}`, async () => {
    const data = loadSubsetFile(TEST_FILE);
    const px = data.rows * data.cols;
    const opts = { maxDistance: 1, samples: 200, inputShape: [data.rows, data.cols, 1], numClasses: 10, bounds: [0, 1] as [number, number] };
    let compared = 0;
    let robustLarger = 0;
    const pairs: [number, number][] = [];
    for (let i = 0; i < data.count && compared < 50; i++) {
      const x = Float32Array.from(data.images.subarray(i * px, (i + 1) * px), (v) => v / 255);
      const label = data.labels[i];
      const dStandard = await boundaryDistance(standard.logits, x, label, await gradientSignDirection(standard, x, label), opts);
      const dRobust = await boundaryDistance(robust.logits, x, label, await gradientSignDirection(robust, x, label), opts);
      // Only images both models classify correctly (distance 0 means misclassified already).
      if (dStandard === 0 || dRobust === 0) continue;
      compared++;
      pairs.push([dStandard, dRobust]);
      if (dRobust > dStandard) robustLarger++;
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    console.info(
      `boundary distance along the gradient sign (L∞): standard median ${median(pairs.map((p) => p[0])).toFixed(3)}, ` +
        `robust median ${median(pairs.map((p) => p[1])).toFixed(3)}; robust larger on ${robustLarger}/${compared}`,
    );
    expect(compared).toBe(50);
    expect(robustLarger).toBeGreaterThan(25);
  });
});
