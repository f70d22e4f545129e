import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { arrayExamples } from '../../src/lib/data/examples';
import { buildModel } from '../../src/lib/models/architectures';
import { randomShift, shiftImages } from '../../src/lib/train/augment';
import { trainModel } from '../../src/lib/train/train';
import { createRng } from '../../src/lib/util/rng';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

/** Image i of a [b, h, w, 1] batch holds value 1000·i + 10·y + x at (y, x): every pixel says where it came from. */
function coded(b: number, h: number, w: number): tf.Tensor {
  const v = new Float32Array(b * h * w);
  for (let i = 0; i < b; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) v[(i * h + y) * w + x] = 1000 * i + 10 * y + x;
  return tf.tensor(v, [b, h, w, 1]);
}

describe('shiftImages', () => {
  it('moves each image by its own (dy, dx) and fills the uncovered border', async () => {
    const [b, h, w] = [3, 5, 6];
    const x = coded(b, h, w);
    const dy = [0, 2, -1];
    const dx = [0, -3, 1];
    const out = await shiftImages(x, dy, dx, -7);
    const v = await out.data();
    for (let i = 0; i < b; i++) {
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          const sy = y - dy[i];
          const sx = xx - dx[i];
          const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
          expect(v[(i * h + y) * w + xx]).toBe(inside ? 1000 * i + 10 * sy + sx : -7);
        }
      }
    }
    tf.dispose([x, out]);
  });

  it('keeps colour channels together and clears an image shifted out of the frame', async () => {
    const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const right = await shiftImages(x, [0], [1], 0);
    expect(Array.from(await right.data())).toEqual([0, 0, 1, 2, 0, 0, 5, 6]);
    const gone = await shiftImages(x, [3], [0], 0.5);
    expect(Array.from(await gone.data())).toEqual(new Array(8).fill(0.5));
    tf.dispose([x, right, gone]);
  });

  it('rejects a batch that is not images', async () => {
    const x = tf.zeros([4, 2]);
    await expect(shiftImages(x, [0, 0, 0, 0], [0, 0, 0, 0], 0)).rejects.toThrow(/batch of images/);
    x.dispose();
  });
});

describe('randomShift', () => {
  it('draws shifts within ±maxShift from the generator, reproducibly', async () => {
    const [b, h, w] = [40, 9, 9];
    const x = coded(b, h, w);
    const a = await randomShift(x, 2, createRng(3), -1);
    const again = await randomShift(x, 2, createRng(3), -1);
    const va = await a.data();
    expect(Array.from(await again.data())).toEqual(Array.from(va));
    const seen = new Set<string>();
    for (let i = 0; i < b; i++) {
      // The centre pixel (4, 4) always has a source within 2 pixels; its code gives the shift.
      const c = va[(i * h + 4) * w + 4] - 1000 * i;
      const sy = Math.floor(c / 10);
      const sx = c % 10;
      expect(Math.abs(4 - sy)).toBeLessThanOrEqual(2);
      expect(Math.abs(4 - sx)).toBeLessThanOrEqual(2);
      seen.add(`${4 - sy},${4 - sx}`);
    }
    // 25 possible shifts, 40 draws: a generator stuck on one value would show one.
    expect(seen.size).toBeGreaterThan(8);
    tf.dispose([x, a, again]);
  });
});

describe('training with shift augmentation', () => {
  it('trains, refuses non-image data, and leaks no tensors', async () => {
    const n = 64;
    const v = new Float32Array(n * 8 * 8);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 2;
      // Class 1: a bright 2×2 square somewhere in the middle; class 0: blank.
      if (labels[i]) for (const [y, x] of [[3, 3], [3, 4], [4, 3], [4, 4]]) v[i * 64 + y * 8 + x] = 1;
    }
    const data = arrayExamples(v, labels, [8, 8, 1], 2);
    const model = buildModel({ kind: 'cnn', inputShape: [8, 8, 1], conv: [{ filters: 4, kernel: 3, stride: 1, pool: 0 }], dense: [], numClasses: 2 }, 1);
    const opts = { method: 'standard' as const, epochs: 1, steps: 4, batchSize: 16, optimizer: 'adam' as const, learningRate: 0.01, schedule: { kind: 'constant' as const }, seed: 2, shift: 2 };
    await trainModel(model, data, opts);
    const before = tf.memory().numTensors;
    const r = await trainModel(model, data, opts);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const flat = arrayExamples(new Float32Array(8), new Int32Array([0, 1, 0, 1]), [2], 2);
    const mlp = buildModel({ kind: 'mlp', inputSize: 2, hidden: [4], activation: 'relu', numClasses: 2 }, 1);
    await expect(trainModel(mlp, flat, { ...opts, batchSize: 2 })).rejects.toThrow(/shift augments images/);
    await expect(trainModel(model, data, { ...opts, shift: 1.5 })).rejects.toThrow(/whole number/);
    model.dispose();
    mlp.dispose();
  });
});
