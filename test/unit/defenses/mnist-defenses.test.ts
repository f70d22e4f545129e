/**
 * Why weak evaluations lie, measured on the shipped MNIST models at ε = 0.3 (L∞, PGD-40, step 0.01, 100 test images),
 * each adversarial example judged by the deployed defense (randomised ones with a fresh draw):
 * - JPEG (quality 75): the naive attack (zero gradient through the rounding) reports ≥ 50 points more robust
 *   accuracy than BPDA (identity on the backward pass);
 * - Gaussian noise (σ = 0.3): the single-draw attack reports ≥ 20 points more than EOT over 16 draws;
 * - defensive distillation (T = 100): cross-entropy PGD reports ≥ 50 points more than margin-loss PGD.
 * Skipped until the models exist.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { layersModelAsAttackModel } from '../../../src/lib/attacks/model-adapter';
import { getAttack } from '../../../src/lib/attacks/registry';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { imageExamples } from '../../../src/lib/data/examples';
import { loadImageDataset } from '../../../src/lib/data/node-sources';
import { loadModelFromFile } from '../../../src/lib/models/node';
import { evaluateDefense } from '../../../src/lib/defenses/evaluate';
import { jpeg } from '../../../src/lib/defenses/jpeg';
import { gaussianNoise } from '../../../src/lib/defenses/noise';

const MODELS = path.resolve(import.meta.dirname, '../../../models');
const CNN = path.join(MODELS, 'mnist-cnn/model.json');
const DISTILLED = path.join(MODELS, 'mnist-cnn-distilled/model.json');
const N = 100;
const PGD = { epsilons: [0.3], steps: 40, stepSize: 0.01, seed: 1 };

describe('naive vs adaptive attacks on MNIST defenses (wasm)', () => {
  let x: tf.Tensor;
  let labels: Int32Array;
  let cnn: AttackModel;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    const batch = imageExamples(loadImageDataset('mnist', 'test')).batch(Int32Array.from({ length: N }, (_, i) => i));
    x = batch.x;
    labels = Int32Array.from(await batch.y.data());
    batch.y.dispose();
    if (existsSync(CNN)) cnn = layersModelAsAttackModel(await loadModelFromFile(CNN));
  });

  it.skipIf(!existsSync(CNN))('JPEG-75: naive reports ≥ 50 points more robust accuracy than BPDA', async () => {
    const naive = await evaluateDefense(cnn, jpeg(75), getAttack('pgd'), x, labels, { ...PGD, gradient: 'naive' });
    const bpda = await evaluateDefense(cnn, jpeg(75), getAttack('pgd'), x, labels, { ...PGD, gradient: 'bpda' });
    console.log(`JPEG-75 ε=0.3: clean ${naive.cleanAccuracy}, naive ${naive.robustAccuracy[0]}, BPDA ${bpda.robustAccuracy[0]}`);
    expect(naive.cleanAccuracy).toBeGreaterThan(0.95);
    expect(naive.robustAccuracy[0] - bpda.robustAccuracy[0]).toBeGreaterThanOrEqual(0.5);
  }, 120_000);

  // Measured on these 100 images (clean under noise / one draw / EOT-16): the first mnist-cnn 0.98 / 0.71 / 0.39; the
  // shift-augmented one (99.2 % clean without noise) 0.69 / 0.40 / 0.24 — noise costs it more, so there is less to
  // overstate, and one draw still reports 16 points too much.
  it.skipIf(!existsSync(CNN))('Gaussian noise σ = 0.3: single-draw reports ≥ 10 points more than EOT-16', async () => {
    const single = await evaluateDefense(cnn, gaussianNoise(0.3), getAttack('pgd'), x, labels, { ...PGD, gradient: 'naive' });
    const eot = await evaluateDefense(cnn, gaussianNoise(0.3), getAttack('pgd'), x, labels, { ...PGD, gradient: 'eot', samples: 16 });
    console.log(`noise σ=0.3 ε=0.3: clean ${single.cleanAccuracy}, single draw ${single.robustAccuracy[0]}, EOT-16 ${eot.robustAccuracy[0]}`);
    expect(single.robustAccuracy[0] - eot.robustAccuracy[0]).toBeGreaterThanOrEqual(0.1);
  }, 300_000);

  it.skipIf(!existsSync(DISTILLED))('distilled T = 100: cross-entropy PGD reports ≥ 50 points more than margin PGD', async () => {
    const model = layersModelAsAttackModel(await loadModelFromFile(DISTILLED));
    const ce = await getAttack('pgd').run(model, x, labels, PGD);
    const margin = await getAttack('pgd').run(model, x, labels, { ...PGD, loss: 'margin' });
    const robust = (s: Uint8Array) => s.reduce((a, v) => a + (v ? 0 : 1), 0) / N;
    const rc = robust(ce.results[0].success);
    const rm = robust(margin.results[0].success);
    console.log(`distilled ε=0.3: CE ${rc}, margin ${rm}`);
    expect(rc - rm).toBeGreaterThanOrEqual(0.5);
    [ce, margin].forEach((r) => r.results[0].adversarial.dispose());
  }, 120_000);
});
