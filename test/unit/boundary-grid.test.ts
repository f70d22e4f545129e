import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { evaluatePoints, evaluateToyGrid, gridPoints } from '../../src/lib/boundary/grid';
import { buildMlp, describeMlp } from '../../src/lib/models/mlp';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('toy grid evaluation', () => {
  it('grid points are cell centres, row 0 at the top', () => {
    const p = gridPoints([[-1, 1], [0, 2]], 4, 2);
    expect(p.length).toBe(16);
    expect([p[0], p[1]]).toEqual([-0.75, 1.5]); // top-left
    expect([p[6], p[7]]).toEqual([0.75, 1.5]); // top-right
    expect([p[8], p[9]]).toEqual([-0.75, 0.5]); // bottom-left
    expect(() => gridPoints([[1, -1], [0, 1]], 4)).toThrow(/bounds/);
    expect(() => gridPoints([[-1, 1], [0, 1]], 0)).toThrow(/width/);
  });

  it('matches direct model evaluation on sample points, with a padded last batch', async () => {
    const model = buildMlp({ layers: 2, width: 8, activation: 'tanh', inputSize: 2, numClasses: 3 }, 5);
    const logits = (x: tf.Tensor) => model.apply(x) as tf.Tensor2D;
    const bounds: [[number, number], [number, number]] = [[-1.5, 1.5], [-1.5, 1.5]];
    const resolution = 30; // 900 points in batches of 256: the last batch is padded
    const grid = await evaluateToyGrid(logits, bounds, resolution, { numClasses: 3, batchSize: 256 });
    expect(grid.count).toBe(900);
    const points = gridPoints(bounds, resolution);
    const sample = [0, 17, 255, 256, 511, 899];
    const direct = tf.tidy(() => tf.softmax(logits(tf.tensor2d(sample.flatMap((i) => [points[2 * i], points[2 * i + 1]]), [sample.length, 2]))));
    const expected = (await direct.array()) as number[][];
    direct.dispose();
    sample.forEach((i, j) => {
      for (let k = 0; k < 3; k++) expect(grid.probs[i * 3 + k]).toBeCloseTo(expected[j][k], 5);
      const argmax = expected[j].indexOf(Math.max(...expected[j]));
      expect(grid.predicted[i]).toBe(argmax);
      expect(grid.confidence[i]).toBeCloseTo(Math.max(...expected[j]), 5);
    });
    model.dispose();
  });

  it('a linear model splits the plane along its analytic boundary', async () => {
    // logits = [0, x − 0.25]: class 1 exactly where x > 0.25.
    const logits = (x: tf.Tensor) => tf.concat([tf.zerosLike(x).slice([0, 0], [-1, 1]), tf.sub(x.slice([0, 0], [-1, 1]), 0.25)], 1) as tf.Tensor2D;
    const grid = await evaluateToyGrid(logits, [[-1, 1], [-1, 1]], 40, { numClasses: 2 });
    const points = gridPoints([[-1, 1], [-1, 1]], 40);
    for (let i = 0; i < grid.count; i++) expect(grid.predicted[i]).toBe(points[2 * i] > 0.25 ? 1 : 0);
  });

  it('leaks no tensors across repeated runs and honours cancellation', async () => {
    const model = buildMlp({ layers: 1, width: 4, activation: 'relu', inputSize: 2, numClasses: 2 }, 1);
    const logits = (x: tf.Tensor) => model.apply(x) as tf.Tensor2D;
    await evaluateToyGrid(logits, [[-1, 1], [-1, 1]], 20, { numClasses: 2, batchSize: 128 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await evaluateToyGrid(logits, [[-1, 1], [-1, 1]], 20, { numClasses: 2, batchSize: 128 });
    expect(tf.memory().numTensors).toBe(before);
    const controller = new AbortController();
    controller.abort();
    await expect(evaluatePoints(logits, new Float32Array(8), 2, { batchSize: 2, numClasses: 2, signal: controller.signal })).rejects.toThrow(/cancelled/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('builds the configured MLP and rejects bad configurations by name', () => {
    const config = { layers: 3, width: 6, activation: 'sigmoid' as const, inputSize: 2, numClasses: 4 };
    const model = buildMlp(config, 9);
    expect(model.layers.length).toBe(4);
    expect(model.outputs[0].shape).toEqual([null, 4]);
    expect(describeMlp(config)).toBe('2 → 6 sigmoid → 6 sigmoid → 6 sigmoid → 4');
    // Same seed, same weights.
    const again = buildMlp(config, 9);
    const w1 = model.getWeights()[0].arraySync();
    const w2 = again.getWeights()[0].arraySync();
    expect(w2).toEqual(w1);
    model.dispose();
    again.dispose();
    expect(() => buildMlp({ ...config, layers: 9 }, 1)).toThrow(/layers/);
    expect(() => buildMlp({ ...config, width: 0 }, 1)).toThrow(/width/);
    expect(() => buildMlp({ ...config, activation: 'gelu' as 'relu' }, 1)).toThrow(/activation/);
  });
});
