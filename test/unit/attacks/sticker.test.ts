/**
 * The sticker attack: the view chain against hand-computable cases (identity, a one-pixel shift, brightness, mass
 * preservation), the invariants of its output (δ = 0 outside the mask, x + δ in [0, 1], L0 within ε), its world test,
 * plain-language errors, and tensor hygiene of the EOT loop.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { getAttack } from '../../../src/lib/attacks/registry';
import {
  applyViewMatrices, applyViewsSparse, DEFAULT_VIEWS, defaultStickers, IDENTITY_VIEW, optimiseStickers, rectsMask, sampleView,
  sparseView, stickerSaliency, viewMatrices, viewMatrix, worldTest,
} from '../../../src/lib/attacks/sticker';
import { crossEntropy } from '../../../src/lib/attacks/losses';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { createRng } from '../../../src/lib/util/rng';
import { ownLabels, seededTensor, seededUniform } from './fixtures';

/** A tiny colour conv net on [N, 8, 8, 3]: conv 3×3×6 → ReLU → maxpool 2 → dense → 4 classes. */
function colourModel(seed: number): AttackModel {
  const K = tf.keep(seededTensor([3, 3, 3, 6], seed, 1) as tf.Tensor4D);
  const W = tf.keep(seededTensor([4 * 4 * 6, 4], seed + 1, 1) as tf.Tensor2D);
  return {
    numClasses: 4,
    inputShape: [8, 8, 3],
    bounds: [0, 1],
    logits: (x) => tf.tidy(() => tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, K, 1, 'same')), 2, 2, 'valid').reshape([x.shape[0], -1]).matMul(W) as tf.Tensor2D),
  };
}

describe('sticker attack (wasm)', () => {
  let model: AttackModel;
  let x: tf.Tensor4D;
  let y: Int32Array;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    model = colourModel(5);
    x = tf.keep(seededUniform([6, 8, 8, 3], 6) as tf.Tensor4D);
    y = await ownLabels(model, x);
  });

  it('the identity view is the identity; a shift moves pixels by one; brightness scales', async () => {
    const same = viewMatrices([IDENTITY_VIEW], 8, 8);
    const out = applyViewMatrices(x, same);
    expect(Array.from(await out.data())).toEqual(Array.from(await x.data()));
    // Output pixel (c, r) samples the source at (c + 1, r): a shift left by one, the last column replicated.
    const shift = viewMatrices([{ inverse: [1, 0, 1, 0, 1, 0, 0, 0], brightness: 0.5, blur: 0 }], 8, 8);
    const moved = await applyViewMatrices(x, shift).data();
    const src = await x.data();
    for (const [r, c, ch] of [[0, 0, 0], [3, 4, 2], [7, 6, 1], [5, 7, 0]]) {
      const from = (r * 8 + Math.min(7, c + 1)) * 3 + ch;
      expect(moved[(r * 8 + c) * 3 + ch]).toBeCloseTo(0.5 * src[from], 6);
    }
    tf.dispose([same, out, shift]);
  });

  it('the sparse view application equals the dense sampling-matrix product', async () => {
    const rng = createRng(4);
    const views = Array.from({ length: 3 }, () => sampleView(rng, DEFAULT_VIEWS, 4));
    const dense = viewMatrices(views, 8, 8);
    const want = await applyViewMatrices(x, dense).data();
    const got = applyViewsSparse(views.map((v) => sparseView(v, 8, 8)), (await x.data()) as Float32Array, 6, 64, 3);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
    dense.dispose();
  });

  it('every view row sums to its brightness (warp and blur only move light)', () => {
    const rng = createRng(9);
    for (let k = 0; k < 5; k++) {
      const v = sampleView(rng, DEFAULT_VIEWS, 16);
      const m = viewMatrix(v, 32, 32);
      for (const row of [0, 100, 527, 1023]) {
        const sum = m.subarray(row * 1024, (row + 1) * 1024).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(v.brightness, 4);
      }
    }
  });

  it('changes only the pixels inside the mask, keeps the image in [0, 1] and within the L0 budget', async () => {
    const mask = rectsMask([{ x: 1, y: 1, w: 3, h: 2 }, { x: 5, y: 5, w: 2, h: 2 }], 8, 8);
    const pixels = mask.reduce((a, b) => a + b, 0);
    expect(pixels).toBe(10);
    const epsilons = [0, 3 * pixels];
    const r = await getAttack('sticker').run(model, x, y, { epsilons, stickerMask: mask, steps: 15, eotSamples: 3, seed: 1 });
    const src = await x.data();
    for (const res of r.results) {
      const adv = await res.adversarial.data();
      for (let i = 0; i < adv.length; i++) {
        expect(adv[i]).toBeGreaterThanOrEqual(0);
        expect(adv[i]).toBeLessThanOrEqual(1);
        const p = Math.floor(i / 3) % 64;
        if (mask[p] === 0 || res.epsilon === 0) expect(adv[i]).toBe(src[i]);
      }
      for (let i = 0; i < 6; i++) expect(res.l0[i]).toBeLessThanOrEqual(res.epsilon);
    }
    // The colours inside the mask really moved (the optimisation ran).
    expect(Math.max(...r.results[1].l0)).toBeGreaterThan(pixels);
    r.results.forEach((e) => e.adversarial.dispose());
  });

  it('reaches a target on fresh views; EOT beats no EOT there; the world test agrees with a direct count', async () => {
    const targets = Int32Array.from(y, (c) => (c + 1) % 4);
    const meanWorld = async (rows: number, eotSamples: number) => {
      const maskT = tf.tensor4d(rectsMask([{ x: 0, y: 0, w: 8, h: rows }], 8, 8), [1, 8, 8, 1]);
      const { adversarial } = await optimiseStickers(model, x, {
        mask: maskT, classes: targets, targeted: true, steps: 60, stepSize: 0.2, eotSamples, views: DEFAULT_VIEWS, seed: 2,
      });
      const world = await worldTest(model, adversarial, targets, true, { views: 20, seed: 77 });
      expect(world.successRate.length).toBe(6);
      for (let i = 0; i < 6; i++) {
        const hits = Array.from(world.predicted.subarray(i * 20, (i + 1) * 20)).filter((k) => k === targets[i]).length;
        expect(world.successRate[i]).toBeCloseTo(hits / 20, 6);
      }
      tf.dispose([maskT, adversarial]);
      return world.successRate.reduce((a, b) => a + b, 0) / 6;
    };
    // The whole image in free colour reaches the target in nearly every view.
    expect(await meanWorld(8, 4)).toBeGreaterThan(0.8);
    // Three rows: optimised for one view only, the stickers rarely survive fresh views; with EOT clearly more often
    // (measured: 0.01 vs 0.18).
    const without = await meanWorld(3, 1);
    const withEot = await meanWorld(3, 4);
    expect(withEot).toBeGreaterThan(without + 0.1);
  });

  it('places default stickers within the budget and rejects masks that break it, in plain words', async () => {
    for (const pixels of [1, 2, 7, 40, 100]) {
      const m = rectsMask(defaultStickers(32, 32, pixels), 32, 32);
      const count = m.reduce((a, b) => a + b, 0);
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThanOrEqual(pixels);
    }
    const big = rectsMask([{ x: 0, y: 0, w: 8, h: 8 }], 8, 8);
    await expect(getAttack('sticker').run(model, x, y, { epsilons: [30], stickerMask: big, steps: 2 })).rejects.toThrow(
      /cover 64 pixels \(192 values\), more than the L0 budget ε = 30/,
    );
    await expect(getAttack('sticker').run(model, x, y, { epsilons: [30], eotSamples: 0, steps: 2 })).rejects.toThrow(/eotSamples must be an integer ≥ 1/);
    expect(() => rectsMask([{ x: 0.5, y: 0, w: 2, h: 2 }], 8, 8)).toThrow(/whole number of pixels/);
  });

  it('leaks no tensors over repeated EOT runs and world tests', async () => {
    const maskT = tf.tensor4d(rectsMask([{ x: 2, y: 2, w: 3, h: 3 }], 8, 8), [1, 8, 8, 1]);
    const run = async (seed: number) => {
      let steps = 0;
      const { adversarial } = await optimiseStickers(model, x, {
        mask: maskT, classes: y, targeted: false, steps: 3, stepSize: 0.1, eotSamples: 3, views: DEFAULT_VIEWS, seed, onStep: () => steps++,
        optimizer: seed % 2 === 0 ? 'adam' : 'sign',
      });
      expect(steps).toBe(3);
      await worldTest(model, adversarial, y, false, { views: 7, viewsPerBatch: 3, seed });
      adversarial.dispose();
    };
    await run(0);
    const before = tf.memory().numTensors;
    for (let i = 1; i < 6; i++) await run(i);
    expect(tf.memory().numTensors).toBe(before);
    maskT.dispose();
  });

  it('the margin loss reaches the target too and is refused by a wrong name', async () => {
    const targets = Int32Array.from(y, (c) => (c + 1) % 4);
    const maskT = tf.tensor4d(new Float32Array(64).fill(1), [1, 8, 8, 1]);
    const { adversarial } = await optimiseStickers(model, x, {
      mask: maskT, classes: targets, targeted: true, steps: 40, stepSize: 0.1, optimizer: 'adam', loss: 'margin', kappa: 3, eotSamples: 4, views: DEFAULT_VIEWS, seed: 2,
    });
    const world = await worldTest(model, adversarial, targets, true, { views: 20, seed: 77 });
    expect(world.successRate.reduce((a, b) => a + b, 0) / 6).toBeGreaterThan(0.8);
    await expect(optimiseStickers(model, x, {
      mask: maskT, classes: targets, targeted: true, steps: 1, stepSize: 0.1, loss: 'hinge' as 'margin', eotSamples: 1, views: DEFAULT_VIEWS, seed: 2,
    })).rejects.toThrow(/loss must be ce or margin/);
    tf.dispose([maskT, adversarial]);
  });

  it('saliency is |∂L/∂x| times the room to move, per pixel (finite differences on the unchanged view)', async () => {
    const n = 2;
    const xs = x.slice([0, 0, 0, 0], [n, 8, 8, 3]);
    const targets = Int32Array.from(y.subarray(0, n), (c) => (c + 1) % 4);
    const sal = await stickerSaliency(model, xs, targets, true, { samples: 1, seed: 3 });
    expect(sal.length).toBe(n * 64);
    const data = Float32Array.from(await xs.data());
    const loss = (v: Float32Array) => tf.tidy(() => crossEntropy(model.logits(tf.tensor4d(v, [n, 8, 8, 3])) as tf.Tensor2D, tf.tensor1d(targets, 'int32')).mean().dataSync()[0]);
    const h = 1e-2;
    for (const [i, p] of [[0, 9], [0, 27], [1, 36], [1, 50]]) {
      let expected = 0;
      for (let c = 0; c < 3; c++) {
        const at = (i * 64 + p) * 3 + c;
        const up = Float32Array.from(data); up[at] += h;
        const down = Float32Array.from(data); down[at] -= h;
        const g = (loss(up) - loss(down)) / (2 * h);
        expected += Math.abs(g) * (g > 0 ? data[at] : 1 - data[at]);
      }
      expect(sal[i * 64 + p]).toBeCloseTo(expected, 3);
    }
    // No tensor left behind over repeated calls (with random views too).
    await stickerSaliency(model, xs, targets, true, { samples: 3, seed: 4 });
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) await stickerSaliency(model, xs, targets, false, { samples: 3, seed: k });
    expect(tf.memory().numTensors).toBe(before);
    await expect(stickerSaliency(model, xs, targets, true, { samples: 0, seed: 1 })).rejects.toThrow(/samples/);
    xs.dispose();
  });
});
