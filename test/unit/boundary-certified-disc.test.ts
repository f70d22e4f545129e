/**
 * The certified L2 disc of the toy plane (ToyPlayground.certifyPoint: randomized smoothing's CERTIFY on one point).
 * - A linear "MLP" (no hidden layer, logits (x₁, −x₁)): its smoothed classifier is the same half-plane classifier,
 *   whose exact robust radius at (d, y) is d, so the certified radius must lie in (0, d] — and, with 10 000 draws,
 *   close to d (p̲A is a 99.9 % lower bound on Φ(d/σ)).
 * - A trained MLP on two blobs: a point far from the boundary gets a radius > 0, and on a fine grid over its disc
 *   no point is given another class by the smoothed classifier (PREDICT at α = 0.001 answers the certified class
 *   or abstains). Tensors are not leaked.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { ToyPlayground } from '../../src/lib/boundary/toy-playground';
import { buildMlp } from '../../src/lib/models/mlp';
import { ABSTAIN, smoothedPredict } from '../../src/lib/defenses/smoothing';

const DATA = { dataset: 'blobs' as const, n: 200, noise: 0.1, seed: 3, classes: 2 };

describe('certified L2 disc on the toy plane (wasm)', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('a half-plane classifier: 0 < certified radius ≤ the exact distance to the boundary, and close to it', async () => {
    const model = buildMlp({ inputSize: 2, numClasses: 2, layers: 0, width: 1, activation: 'relu' }, 0);
    model.layers[0].setWeights([tf.tensor2d([[1, -1], [0, 0]]), tf.tensor1d([0, 0])]);
    const pg = ToyPlayground.withModel(DATA, model);
    const sigma = 0.1;
    for (const d of [0.05, 0.15, 0.25]) {
      const c = await pg.certifyPoint([d, 0.3], { sigma, n0: 100, n: 10_000, alpha: 0.001, seed: 7 });
      expect(c.prediction).toBe(0);
      expect(c.radius).toBeGreaterThan(0);
      expect(c.radius).toBeLessThanOrEqual(d + 1e-9);
      // Φ(d/σ) estimated from 10 000 draws and lowered to a 99.9 % bound: within about 0.15 σ of the exact radius here.
      expect(d - c.radius).toBeLessThan(0.15 * sigma + 0.02 * d);
      const mirrored = await pg.certifyPoint([-d, 0.3], { sigma, n0: 100, n: 10_000, alpha: 0.001, seed: 7 });
      expect(mirrored.prediction).toBe(1);
    }
    // On the boundary itself the vote is a coin toss: no certificate.
    const on = await pg.certifyPoint([0, 0], { sigma, n0: 100, n: 2_000, alpha: 0.001, seed: 7 });
    expect(on.prediction).toBe(ABSTAIN);
    expect(on.radius).toBe(0);
    pg.dispose();
  });

  it('a trained MLP: a point far from the boundary gets a disc, and no grid point in the disc is voted another class', async () => {
    const pg = ToyPlayground.create(DATA, { layers: 2, width: 16, activation: 'relu' }, 1);
    for (let k = 0; k < 6; k++) await pg.trainSteps(25, { method: 'standard', learningRate: 0.02, batchSize: 32, epsilon: 0.1 });
    expect(await pg.accuracy('test')).toBeGreaterThan(0.9);
    const model = pg.attackModel();
    // The training point whose class the model is most sure of: far from the boundary.
    const x = tf.tensor2d(pg.train.x, [pg.train.n, 2]);
    const margin = tf.tidy(() => {
      const p = tf.softmax(model.logits(x));
      return p.max(1);
    });
    const conf = await margin.data();
    tf.dispose([x, margin]);
    let best = 0;
    for (let i = 1; i < conf.length; i++) if (conf[i] > conf[best]) best = i;
    const point: [number, number] = [pg.train.x[2 * best], pg.train.x[2 * best + 1]];
    const sigma = 0.15;

    const before = tf.memory().numTensors;
    const c = await pg.certifyPoint(point, { sigma, n0: 100, n: 2000, alpha: 0.001, seed: 11 });
    expect(tf.memory().numTensors).toBe(before);
    console.log(`point (${point.map((v) => v.toFixed(3)).join(', ')}), σ = ${sigma}, N = 2000: class ${c.prediction}, radius ${c.radius.toFixed(4)}, p̲A ${c.pA.toFixed(4)}`);
    expect(c.prediction).toBe(pg.train.y[best]);
    expect(c.radius).toBeGreaterThan(0);

    // A 13 × 13 grid over the disc's bounding square; the points inside the disc are checked.
    let checked = 0;
    for (let i = 0; i <= 12; i++) {
      for (let j = 0; j <= 12; j++) {
        const q: [number, number] = [point[0] + c.radius * (i / 6 - 1), point[1] + c.radius * (j / 6 - 1)];
        if (Math.hypot(q[0] - point[0], q[1] - point[1]) > c.radius) continue;
        const xq = tf.tensor2d([q], [1, 2]);
        const voted = await smoothedPredict(model, xq, 1000, 0.001, { sigma, seed: 100 + 13 * i + j });
        xq.dispose();
        expect([c.prediction, ABSTAIN], `grid point (${q.join(', ')})`).toContain(voted);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    pg.dispose();
  });
});
