import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { layersModelAsAttackModel } from '../../src/lib/attacks/model-adapter';
import { getAttack } from '../../src/lib/attacks/registry';
import { arrayExamples } from '../../src/lib/data/examples';
import { robustAccuracy } from '../../src/lib/eval/robust-accuracy';
import { createRng } from '../../src/lib/util/rng';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

/**
 * A linear two-class model with logits [0, w·x + b]. The L∞ distance from x to its boundary is |w·x + b| / ‖w‖₁,
 * so an example survives an L∞ attack of budget ε exactly when it is correct and that distance exceeds ε
 * (inside the unbounded input box used here).
 */
function linearModel(w: [number, number], b: number): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [2], units: 2 }));
  model.setWeights([tf.tensor2d([[0, w[0]], [0, w[1]]]), tf.tensor1d([0, b])]);
  return model;
}

describe('robust accuracy over ε', () => {
  const w: [number, number] = [1.5, -0.5];
  const b = 0.2;
  const rng = createRng(11);
  const n = 120;
  const x = Float32Array.from({ length: 2 * n }, () => rng.uniform(-1, 1));
  // Labels: the true side for most points, flipped for every 10th so clean accuracy is 0.9.
  const labels = Int32Array.from({ length: n }, (_, i) => {
    const side = w[0] * x[2 * i] + w[1] * x[2 * i + 1] + b > 0 ? 1 : 0;
    return i % 10 === 0 ? 1 - side : side;
  });
  const data = arrayExamples(x, labels, [2], 2);
  const epsilons = [0, 0.05, 0.1, 0.2, 0.4];

  function expected(eps: number): number {
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const f = w[0] * x[2 * i] + w[1] * x[2 * i + 1] + b;
      if ((f > 0 ? 1 : 0) === labels[i] && Math.abs(f) / (Math.abs(w[0]) + Math.abs(w[1])) > eps) ok++;
    }
    return ok / n;
  }

  it('matches the analytic margin count of a linear model, across batches', async () => {
    const model = linearModel(w, b);
    const target = layersModelAsAttackModel(model, [-Infinity, Infinity]);
    const batches: number[] = [];
    const before = tf.memory().numTensors;
    const r = await robustAccuracy(target, data, getAttack('pgd'), {
      epsilons,
      steps: 20,
      stepSize: 0.05,
      randomStart: false,
      batchSize: 50,
      seed: 1,
      onBatch: (done) => batches.push(done),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(batches).toEqual([50, 100, 120]);
    expect(r.n).toBe(n);
    expect(r.clean_accuracy).toBeCloseTo(0.9, 9);
    r.points.forEach((p, k) => {
      expect(p.eps).toBe(epsilons[k]);
      expect(p.robust_accuracy).toBeCloseTo(expected(epsilons[k]), 9);
    });
    // A single FGSM step is exact for a linear model too.
    const f = await robustAccuracy(target, data, getAttack('fgsm'), { epsilons, n: 60 });
    expect(f.n).toBe(60);
    model.dispose();
  });

  it('names bad arguments', async () => {
    const model = linearModel(w, b);
    const target = layersModelAsAttackModel(model, [-Infinity, Infinity]);
    await expect(robustAccuracy(target, data, getAttack('fgsm'), { epsilons: [0.1], n: 0 })).rejects.toThrow(/n must be/);
    await expect(robustAccuracy(target, data, getAttack('fgsm'), { epsilons: [] })).rejects.toThrow(/epsilons/);
    model.dispose();
  });
});
