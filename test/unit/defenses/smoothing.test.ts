/**
 * Randomized smoothing on the shipped Gaussian-noise-trained MNIST model (σ = 0.25): the certificate is never
 * violated — on ≥ 100 certified test images, PGD-L2 with EOT over the noise on the soft smoothed classifier, with a
 * budget just under each image's certified radius, never changes the smoothed prediction — while the same attack with
 * a budget well beyond the radius does change some (so the attack has teeth). The certified radius of each image
 * matches σ·Φ⁻¹ of a Clopper–Pearson bound computed independently (exact binomial tail + bisection, Simpson Φ) to 1e-6.
 * Every draw is seeded, so the run is deterministic. Skipped until the model is trained.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { layersModelAsAttackModel } from '../../../src/lib/attacks/model-adapter';
import { imageExamples } from '../../../src/lib/data/examples';
import { loadImageDataset } from '../../../src/lib/data/node-sources';
import { loadModelFromFile } from '../../../src/lib/models/node';
import { ABSTAIN, attackSmoothed, certify, noisyClassCounts, smoothedPredict, type Certificate } from '../../../src/lib/defenses/smoothing';
import type { AttackModel } from '../../../src/lib/attacks/types';

const MODEL = path.resolve(import.meta.dirname, '../../../models/mnist-cnn-noise-0.25/model.json');
const present = existsSync(MODEL);
const SIGMA = 0.25;
const N_IMAGES = 110;

/** P(Bin(n, p) ≥ k) by the pmf ratio recurrence, and the Clopper–Pearson lower bound by bisection on it. */
function tail(k: number, n: number, p: number): number {
  let logPmf = n * Math.log1p(-p);
  const logs = [logPmf];
  for (let j = 0; j < n; j++) logs.push((logPmf += Math.log((n - j) / (j + 1)) + Math.log(p) - Math.log1p(-p)));
  const top = Math.max(...logs.slice(k));
  return Math.exp(top) * logs.slice(k).reduce((s, l) => s + Math.exp(l - top), 0);
}
function lowerBound(k: number, n: number, alpha: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (tail(k, n, mid) < alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
function phiInverse(p: number): number {
  const cdf = (x: number) => {
    const m = 20_000;
    const h = x / m;
    const f = (t: number) => Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
    let s = f(0) + f(x);
    for (let i = 1; i < m; i++) s += f(i * h) * (i % 2 ? 4 : 2);
    return 0.5 + (s * h) / 3;
  };
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 70; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

async function smoothedTop(model: AttackModel, x1: tf.Tensor, seed: number): Promise<number> {
  const counts = await noisyClassCounts(model, x1, 500, { sigma: SIGMA, seed });
  return counts.indexOf(Math.max(...counts));
}

describe('randomized smoothing on mnist-cnn-noise-0.25 (wasm)', () => {
  let model: AttackModel;
  let x: tf.Tensor;
  let labels: Int32Array;
  let certs: Certificate[];

  beforeAll(async () => {
    await initNodeBackend('wasm');
    if (!present) return;
    model = layersModelAsAttackModel(await loadModelFromFile(MODEL));
    const batch = imageExamples(loadImageDataset('mnist', 'test')).batch(Int32Array.from({ length: N_IMAGES }, (_, i) => i));
    x = batch.x;
    labels = Int32Array.from(await batch.y.data());
    batch.y.dispose();
    certs = [];
    for (let i = 0; i < N_IMAGES; i++) {
      const x1 = x.slice(i, 1);
      certs.push(await certify(model, x1, { sigma: SIGMA, n0: 100, n: 1000, alpha: 0.001, seed: 1000 + i }));
      x1.dispose();
    }
  }, 300_000);

  it.skipIf(!present)('certified radii match an independent Clopper–Pearson + Φ⁻¹ computation to 1e-6', () => {
    const certified = certs.filter((c) => c.prediction !== ABSTAIN);
    expect(certified.length).toBeGreaterThanOrEqual(100);
    for (const c of certs) {
      const pA = lowerBound(c.nA, 1000, 0.001);
      expect(Math.abs(c.pA - pA)).toBeLessThan(1e-9);
      if (c.prediction === ABSTAIN) expect(pA).toBeLessThanOrEqual(0.5);
      else expect(Math.abs(c.radius - SIGMA * phiInverse(pA))).toBeLessThan(1e-6);
    }
    // The largest radius 1000 draws can certify at α = 0.001: σ·Φ⁻¹(0.001^(1/1000)).
    expect(Math.max(...certs.map((c) => c.radius))).toBeLessThanOrEqual(SIGMA * phiInverse(Math.pow(0.001, 1 / 1000)) + 1e-9);
  });

  it.skipIf(!present)('EOT PGD-L2 just under each certified radius never changes the smoothed prediction; far beyond it, it does', async () => {
    const rows = certs.map((c, i) => (c.prediction !== ABSTAIN ? i : -1)).filter((i) => i >= 0);
    expect(rows.length).toBeGreaterThanOrEqual(100);
    const xs = tf.gather(x, rows);
    const classes = Int32Array.from(rows, (i) => certs[i].prediction);
    const before = tf.memory().numTensors;
    const within = await attackSmoothed(model, xs, classes, Float32Array.from(rows, (i) => certs[i].radius * 0.999), { sigma: SIGMA, samples: 8, steps: 20, seed: 5 });
    const beyond = await attackSmoothed(model, xs, classes, Float32Array.from(rows, (i) => certs[i].radius + 2), { sigma: SIGMA, samples: 4, steps: 10, seed: 5 });
    let violations = 0;
    let flippedBeyond = 0;
    for (let k = 0; k < rows.length; k++) {
      const a = within.slice(k, 1);
      const b = beyond.slice(k, 1);
      const dist = tf.tidy(() => a.sub(xs.slice(k, 1)).square().sum().sqrt());
      const norm = (await dist.data())[0];
      dist.dispose();
      expect(norm).toBeLessThanOrEqual(certs[rows[k]].radius + 1e-4);
      if ((await smoothedTop(model, a, 77 + k)) !== classes[k]) violations++;
      if ((await smoothedTop(model, b, 77 + k)) !== classes[k]) flippedBeyond++;
      tf.dispose([a, b]);
    }
    console.log(`smoothing: ${rows.length}/${N_IMAGES} certified, 0.999·R violations ${violations}, R + 2 flips ${flippedBeyond}`);
    expect(violations).toBe(0);
    expect(flippedBeyond).toBeGreaterThan(rows.length / 4);
    tf.dispose([within, beyond]);
    expect(tf.memory().numTensors).toBe(before + 0);
    xs.dispose();
  }, 600_000);

  it.skipIf(!present)('certify, predict and the smoothed attack leak no tensors', async () => {
    const x1 = x.slice(0, 1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await certify(model, x1, { sigma: SIGMA, n0: 20, n: 100, alpha: 0.01, batchSize: 64, seed: i });
      await smoothedPredict(model, x1, 100, 0.01, { sigma: SIGMA, seed: i });
      (await attackSmoothed(model, x1, Int32Array.of(labels[0]), Float32Array.of(0.5), { sigma: SIGMA, samples: 2, steps: 2, seed: i })).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    x1.dispose();
  });

  it.skipIf(present)('skipped: models/mnist-cnn-noise-0.25 is not trained yet (npm run train -- --model mnist-cnn-noise-0.25)', () => {
    expect(present).toBe(false);
  });
});
