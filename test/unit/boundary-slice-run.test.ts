import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { getAttack } from '../../src/lib/attacks/registry';
import { computeSlice } from '../../src/lib/boundary/slice-run';
import { convModel, ownLabels, seededUniform } from './attacks/fixtures';

/** The slice computation, without the worker: checked against the models' own predictions. */
describe('computeSlice', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('the grid centre is the image: its class is the clean prediction; the map, ball and distance are consistent', async () => {
    const a = convModel(3, 51);
    const b = convModel(3, 52);
    const x = seededUniform([1, 6, 6, 1], 53);
    const image = Float32Array.from(await x.data());
    const [label] = await ownLabels(a, x);
    const cleanB = (await ownLabels(b, x))[0];
    x.dispose();
    const resolution = 33; // odd: the middle cell is (a, b) = (0, 0)
    const progress: [number, number][] = [];
    const r = await computeSlice(image, label, [
      { id: 'a', name: 'A', robust: false, model: a },
      { id: 'b', name: 'B', robust: true, model: b },
    ], 0, { direction: 'gradient-sign', epsilon: 0.1, extent: 0.5, resolution, seed: 3, pgd: getAttack('pgd'), onProgress: (d, t) => progress.push([d, t]) });
    expect(r.models.map((m) => m.modelId)).toEqual(['a', 'b']);
    expect(r.models[0].cleanPrediction).toBe(label);
    expect(r.models[1].cleanPrediction).toBe(cleanB);
    const mid = ((resolution - 1) / 2) * resolution + (resolution - 1) / 2;
    for (const m of r.models) {
      expect(m.predicted).toHaveLength(resolution * resolution);
      expect(m.confidence).toHaveLength(resolution * resolution);
      expect(m.predicted[mid]).toBe(m.cleanPrediction);
      for (const c of m.predicted) expect(c).toBeLessThan(3);
      if (m.boundaryDistance !== null) {
        expect(m.boundaryDistance).toBeGreaterThan(0);
        expect(m.boundaryDistance).toBeLessThanOrEqual(0.5 + 1e-6);
      }
    }
    // The gradient-sign direction's adversarial point sits at (ε, 0); the ball's cut contains it and stays within ε.
    expect(r.adversarialPoint).toEqual([0.1, 0]);
    const verts = Array.from({ length: r.ballPolygon.length / 2 }, (_, i) => [r.ballPolygon[2 * i], r.ballPolygon[2 * i + 1]]);
    expect(verts.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...verts.map(([u]) => u))).toBeCloseTo(0.1, 4);
    expect(progress[progress.length - 1][0]).toBe(progress[progress.length - 1][1]);
  });

  it('leaks no tensors', async () => {
    const a = convModel(3, 61);
    const image = new Float32Array(36).fill(0.4);
    const run = () => computeSlice(image, 0, [{ id: 'a', name: 'A', robust: false, model: a }], 0, { direction: 'pgd', epsilon: 0.1, extent: 0.3, resolution: 9, seed: 1, pgd: getAttack('pgd') });
    await run();
    const before = tf.memory().numTensors;
    await run();
    expect(tf.memory().numTensors).toBe(before);
  });
});
