/**
 * The input-transform defenses against independent references (plain-JS JPEG on one block, a sorted-window median,
 * tfjs's own resizeBilinear + pad, analytic cases), their gradient modes (naive = what autodiff gives: exactly zero
 * through rounding; BPDA = identity backward; EOT = log-mean-softmax over draws) and tensor hygiene.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { jpeg, scaledTable, LUMINANCE_TABLE, dctMatrix } from '../../../src/lib/defenses/jpeg';
import { bitDepth } from '../../../src/lib/defenses/bit-depth';
import { medianFilter } from '../../../src/lib/defenses/median';
import { gaussianBlur } from '../../../src/lib/defenses/blur';
import { gaussianNoise } from '../../../src/lib/defenses/noise';
import { randomResizePad } from '../../../src/lib/defenses/resize-pad';
import { defend } from '../../../src/lib/defenses/defend';
import type { InputTransform } from '../../../src/lib/defenses/transform';
import { convModel, seededUniform } from '../attacks/fixtures';
import { createRng } from '../../../src/lib/util/rng';

/** JPEG of one 8×8 grey block straight from the definitions (double loops over the DCT sums), rounding half away from zero. */
const round = (v: number) => Math.sign(v) * Math.round(Math.abs(v));
function referenceJpegBlock(pixels: number[], quality: number): number[] {
  const q = scaledTable(LUMINANCE_TABLE, quality);
  const s = pixels.map((v) => round(v * 255) - 128);
  const c = (u: number) => (u === 0 ? Math.SQRT1_2 : 1);
  const coef: number[] = [];
  for (let u = 0; u < 8; u++)
    for (let v = 0; v < 8; v++) {
      let sum = 0;
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) sum += s[y * 8 + x] * Math.cos(((2 * y + 1) * u * Math.PI) / 16) * Math.cos(((2 * x + 1) * v * Math.PI) / 16);
      const f = 0.25 * c(u) * c(v) * sum;
      coef.push(round(f / q[u * 8 + v]) * q[u * 8 + v]);
    }
  const out: number[] = [];
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) {
      let sum = 0;
      for (let u = 0; u < 8; u++)
        for (let v = 0; v < 8; v++) sum += c(u) * c(v) * coef[u * 8 + v] * Math.cos(((2 * y + 1) * u * Math.PI) / 16) * Math.cos(((2 * x + 1) * v * Math.PI) / 16);
      out.push(Math.min(255, Math.max(0, round(0.25 * sum + 128))) / 255);
    }
  return out;
}

const TRANSFORMS: InputTransform[] = [jpeg(75), bitDepth(3), medianFilter(3), gaussianBlur(1), gaussianNoise(0.3), randomResizePad(4)];

describe('input-transform defenses (wasm)', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('JPEG: the quality-50 table is the standard one, quality scaling follows libjpeg, the DCT is orthonormal', () => {
    expect(scaledTable(LUMINANCE_TABLE, 50)).toEqual(LUMINANCE_TABLE);
    expect(scaledTable(LUMINANCE_TABLE, 100).every((v) => v === 1)).toBe(true);
    expect(scaledTable(LUMINANCE_TABLE, 25)[0]).toBe(32);
    const d = dctMatrix();
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < 8; j++) {
        let dot = 0;
        for (let k = 0; k < 8; k++) dot += d[i * 8 + k] * d[j * 8 + k];
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    expect(() => jpeg(0)).toThrow(/quality/);
  });

  it('JPEG of an 8×8 block matches the plain-JS definition at several qualities', async () => {
    const rng = createRng(5);
    const block = Array.from({ length: 64 }, () => rng.next());
    for (const quality of [10, 50, 90]) {
      const out = tf.tidy(() => jpeg(quality).apply(tf.tensor4d(block, [1, 8, 8, 1]), 0));
      const got = Array.from(await out.data());
      out.dispose();
      const want = referenceJpegBlock(block, quality);
      // Float32 vs float64 may round a value sitting on .5 the other way: allow one grey level, rarely.
      const off = got.filter((g, i) => Math.abs(g - want[i]) > 1e-6);
      expect(off.length).toBeLessThanOrEqual(2);
      got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(1 / 255 + 1e-6));
    }
  });

  it('JPEG keeps 28×28 grey and RGB shapes, outputs 8-bit values, and at quality 100 nearly returns the input', async () => {
    const x = seededUniform([2, 28, 28, 3], 3);
    const grey = seededUniform([2, 28, 28, 1], 4);
    const y3 = jpeg(100).apply(x, 0);
    const y1 = jpeg(100).apply(grey, 0);
    expect(y3.shape).toEqual([2, 28, 28, 3]);
    expect(y1.shape).toEqual([2, 28, 28, 1]);
    const err3 = (await tf.abs(y3.sub(x)).max().data())[0];
    const err1 = (await tf.abs(y1.sub(grey)).max().data())[0];
    expect(err1).toBeLessThanOrEqual(2.5 / 255);
    expect(err3).toBeLessThanOrEqual(4.5 / 255);
    const levels = await y3.mul(255).data();
    expect(levels.every((v) => Math.abs(v - Math.round(v)) < 1e-3)).toBe(true);
    const low = jpeg(10).apply(grey, 0);
    expect((await tf.abs(low.sub(grey)).mean().data())[0]).toBeGreaterThan(0.05);
    tf.dispose([x, grey, y3, y1, low]);
  });

  it('naive gradient is exactly zero through JPEG and bit depth; BPDA passes the upstream gradient unchanged', async () => {
    const x = seededUniform([2, 16, 16, 1], 8);
    const w = seededUniform([2, 16, 16, 1], 9);
    for (const t of [jpeg(75), bitDepth(2)]) {
      const naive = tf.grad((xi: tf.Tensor) => t.apply(xi, 0).mul(w).sum())(x);
      expect((await naive.abs().max().data())[0]).toBe(0);
      const bpdaModel = defend({ numClasses: 1, inputShape: [16, 16, 1], bounds: [0, 1], logits: (z) => z.mul(w).sum([1, 2, 3]).reshape([-1, 1]) }, t, { gradient: 'bpda' });
      const g = tf.grad((xi: tf.Tensor) => bpdaModel.logits(xi).sum())(x);
      expect((await g.sub(w).abs().max().data())[0]).toBe(0);
      tf.dispose([naive, g]);
    }
    tf.dispose([x, w]);
  });

  it('bit depth rounds to 2^b − 1 levels', async () => {
    const x = tf.tensor4d([0, 0.1, 0.49, 0.51, 0.9, 1], [1, 1, 6, 1]);
    expect(Array.from(await bitDepth(1).apply(x, 0).data())).toEqual([0, 0, 0, 1, 1, 1]);
    const y = await bitDepth(2).apply(x, 0).data();
    expect(Array.from(y).map((v) => Math.round(v * 3))).toEqual([0, 0, 1, 2, 3, 3]);
    x.dispose();
  });

  it('median filter equals the middle of each sorted reflected window; its naive gradient is sparse, not zero', async () => {
    const h = 7;
    const w = 6;
    const x = seededUniform([1, h, w, 1], 11);
    const v = await x.data();
    const refl = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
    const got = await medianFilter(3).apply(x, 0).data();
    for (let r = 0; r < h; r++)
      for (let c = 0; c < w; c++) {
        const win: number[] = [];
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) win.push(v[refl(r + dy, h) * w + refl(c + dx, w)]);
        win.sort((a, b) => a - b);
        expect(got[r * w + c]).toBe(win[4]);
      }
    const g = await tf.grad((xi: tf.Tensor) => medianFilter(3).apply(xi, 0).sum())(x).data();
    // Each output routes its gradient to exactly one input: the total is the number of outputs.
    expect(Array.from(g).reduce((a, b) => a + b, 0)).toBeCloseTo(h * w, 4);
    expect(g.some((e) => e === 0) || g.some((e) => e > 1)).toBe(true);
    x.dispose();
  });

  it('Gaussian blur keeps a constant image and the mean of a periodic-free image roughly, and is smooth (BPDA = naive)', async () => {
    const c = tf.fill([1, 10, 10, 1], 0.4);
    expect((await gaussianBlur(1.2).apply(c, 0).sub(0.4).abs().max().data())[0]).toBeLessThan(1e-6);
    const x = seededUniform([1, 10, 10, 1], 12);
    const w = seededUniform([1, 10, 10, 1], 13);
    const model = { numClasses: 1, inputShape: [10, 10, 1], bounds: [0, 1] as [number, number], logits: (z: tf.Tensor) => z.mul(w).sum([1, 2, 3]).reshape([-1, 1]) as tf.Tensor2D };
    const naive = tf.grad((xi: tf.Tensor) => defend(model, gaussianBlur(1), { gradient: 'naive' }).logits(xi).sum())(x);
    expect((await naive.abs().sum().data())[0]).toBeGreaterThan(1);
    tf.dispose([c, x, w, naive]);
  });

  it('random resize-and-pad matches tfjs resizeBilinear (half-pixel) + zero padding; full size is the identity', async () => {
    const x = seededUniform([1, 12, 12, 1], 14);
    const same = await randomResizePad(12).apply(x, 3).data();
    const xv = await x.data();
    same.forEach((v, i) => expect(v).toBeCloseTo(xv[i], 6));
    // Find the draw's size from the output's non-zero box and compare with tfjs's own resize of that size.
    const out = randomResizePad(6).apply(x, 99);
    const o = await out.data();
    let top = 12, left = 12, bottom = -1, right = -1;
    for (let r = 0; r < 12; r++)
      for (let c = 0; c < 12; c++)
        if (o[r * 12 + c] !== 0) {
          top = Math.min(top, r); left = Math.min(left, c); bottom = Math.max(bottom, r); right = Math.max(right, c);
        }
    const s = bottom - top + 1;
    expect(right - left + 1).toBe(s);
    expect(s).toBeGreaterThanOrEqual(6);
    const ref = tf.image.resizeBilinear(x as tf.Tensor4D, [s, s], false, true);
    const placed = tf.pad(ref, [[0, 0], [top, 12 - s - top], [left, 12 - s - left], [0, 0]]);
    expect((await placed.sub(out).abs().max().data())[0]).toBeLessThan(1e-5);
    // Different seeds, different draws.
    const other = randomResizePad(6).apply(x, 100);
    const diff = (await other.sub(out).abs().max().data())[0];
    expect(diff).toBeGreaterThan(0);
    tf.dispose([x, out, ref, placed, other]);
  });

  it('Gaussian noise has the asked σ; the defense clips to [0, 1], the smoothing noise does not', async () => {
    const x = tf.fill([1, 100, 100, 1], 0.5);
    const noisy = await gaussianNoise(0.1, { clip: false }).apply(x, 7).sub(0.5).data();
    const arr = Array.from(noisy);
    const mean = arr.reduce((a, b) => a + b, 0) / arr.length;
    const sd = Math.sqrt(arr.reduce((a, b) => a + (b - mean) ** 2, 0) / arr.length);
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(sd).toBeGreaterThan(0.097);
    expect(sd).toBeLessThan(0.103);
    const clipped = await gaussianNoise(1).apply(x, 7).data();
    expect(clipped.every((v) => v >= 0 && v <= 1)).toBe(true);
    x.dispose();
  });

  it('EOT logits are the log of the draws\' averaged class probabilities; a deterministic transform ignores EOT', async () => {
    const base = convModel(3, 21);
    const x = seededUniform([2, 6, 6, 1], 22);
    const noise = gaussianNoise(0.2);
    const k = 4;
    const eot = defend(base, noise, { gradient: 'eot', samples: k, seed: 5 });
    const z = eot.logits(x);
    // The same draws by hand: the wrapper's first forward uses createRng(5).seed() on the tiled batch.
    const seed = createRng(5).seed();
    const manual = tf.tidy(() => {
      const p = tf.softmax(base.logits(noise.apply(tf.tile(x, [k, 1, 1, 1]), seed))).reshape([k, 2, 3]);
      return p.mean(0).log();
    });
    expect((await z.sub(manual).abs().max().data())[0]).toBeLessThan(1e-5);
    const det = defend(base, bitDepth(4), { gradient: 'eot', samples: k });
    const direct = base.logits(bitDepth(4).apply(x, 0));
    expect((await det.logits(x).sub(direct).abs().max().data())[0]).toBe(0);
    tf.dispose([x, z, manual, direct]);
    expect(() => defend(base, noise, { gradient: 'eot', samples: 0 })).toThrow(/samples/);
  });

  for (const t of TRANSFORMS) {
    for (const gradient of ['naive', 'bpda', 'eot'] as const) {
      it(`${t.id} (${gradient}): numTensors flat over 10 forward + gradient passes`, () => {
        const base = convModel(3, 31);
        const x = seededUniform([3, 6, 6, 1], 32);
        const m = defend(base, t, { gradient, samples: 3, seed: 1 });
        const once = () => tf.tidy(() => tf.grad((xi: tf.Tensor) => m.logits(xi).sum())(x));
        once().dispose();
        const before = tf.memory().numTensors;
        for (let i = 0; i < 10; i++) once().dispose();
        expect(tf.memory().numTensors).toBe(before);
        x.dispose();
      });
    }
  }
});
