/**
 * Training methods for the defenses: defensive distillation (a student at temperature T learns a teacher's soft
 * labels; its logits come out about T times the teacher's, the saturation the defense relies on) and Gaussian-noise
 * augmentation (the base classifier of randomized smoothing).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { arrayExamples } from '../../src/lib/data/examples';
import { makeToyDataset } from '../../src/lib/data/toy';
import { buildModel } from '../../src/lib/models/architectures';
import { layersModelAsAttackModel } from '../../src/lib/attacks/model-adapter';
import { distillationLoss } from '../../src/lib/train/distill';
import { trainModel, type TrainOptions } from '../../src/lib/train/train';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

const toy = makeToyDataset('blobs', { n: 300, noise: 0.1, seed: 4, classes: 3 });
const data = arrayExamples(toy.x, toy.y, [2], toy.numClasses);
const mlp = { kind: 'mlp' as const, inputSize: 2, hidden: [16], activation: 'relu' as const, numClasses: 3 };
const base: TrainOptions = { method: 'standard', epochs: 1, steps: 150, batchSize: 30, optimizer: 'adam', learningRate: 0.03, schedule: { kind: 'constant' }, seed: 3 };

async function logitSpread(model: tf.LayersModel): Promise<{ acc: number; gap: number }> {
  const { x, y } = data.batch(Int32Array.from({ length: toy.n }, (_, i) => i));
  const z = model.predict(x) as tf.Tensor2D;
  const acc = (await tf.equal(z.argMax(1), y).mean().data())[0];
  const top = tf.topk(z, 2).values;
  const gaps = await top.slice([0, 0], [-1, 1]).sub(top.slice([0, 1], [-1, 1])).data();
  const sorted = Array.from(gaps).sort((a, b) => a - b);
  tf.dispose([x, y, z, top]);
  return { acc, gap: sorted[Math.floor(sorted.length / 2)] };
}

describe('distillation and noise training', () => {
  it('distillation loss is the cross-entropy of soft labels against softmax(z / T)', async () => {
    const z = tf.tensor2d([[2, 0, -2], [10, 20, 0]]);
    const soft = tf.tensor2d([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]);
    const T = 4;
    const zs = [[2, 0, -2], [10, 20, 0]].map((r) => r.map((v) => v / T));
    const sp = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]];
    let want = 0;
    zs.forEach((r, i) => {
      const lse = Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
      want += -r.reduce((a, v, j) => a + sp[i][j] * (v - lse), 0);
    });
    expect((await distillationLoss(z, soft, T).data())[0]).toBeCloseTo(want / 2, 5);
    tf.dispose([z, soft]);
  });

  it('a student distilled at T = 20 keeps the teacher accuracy with logit gaps many times larger', async () => {
    const teacher = buildModel(mlp, 1);
    await trainModel(teacher, data, base);
    const t = await logitSpread(teacher);
    const student = buildModel(mlp, 2);
    await trainModel(student, data, { ...base, method: 'distill', temperature: 20, steps: 300, teacher: layersModelAsAttackModel(teacher, [-10, 10]) });
    const s = await logitSpread(student);
    expect(t.acc).toBeGreaterThan(0.9);
    expect(s.acc).toBeGreaterThan(t.acc - 0.05);
    expect(s.gap).toBeGreaterThan(5 * t.gap);
    teacher.dispose();
    student.dispose();
  });

  it('Gaussian-noise training runs, is seeded, and refuses bad settings plainly', async () => {
    const a = buildModel(mlp, 5);
    const b = buildModel(mlp, 5);
    const opts: TrainOptions = { ...base, method: 'gaussian', noiseSigma: 0.3, steps: 30 };
    const ra = await trainModel(a, data, opts);
    const rb = await trainModel(b, data, opts);
    expect(ra.losses).toEqual(rb.losses);
    await expect(trainModel(a, data, { ...opts, noiseSigma: 0 })).rejects.toThrow(/noiseSigma must be positive/);
    await expect(trainModel(a, data, { ...base, method: 'distill', temperature: 10 })).rejects.toThrow(/teacher/);
    await expect(trainModel(a, data, { ...base, method: 'distill', temperature: 0.5, teacher: layersModelAsAttackModel(b) })).rejects.toThrow(/temperature/);
    a.dispose();
    b.dispose();
  });
});
