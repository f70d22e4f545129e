/**
 * The sticker attack: a physical-world patch attack in the spirit of RP2 (Eykholt et al. 2018, stickers on a stop
 * sign) and the adversarial patch (Brown et al. 2017). The perturbation lives only inside a mask of a few
 * rectangles on the sign's face, where the colour is free (anything in [0, 1]); outside, the image is untouched.
 * The colours are optimised with EOT (Athalye et al. 2018): every step averages the loss over random views of the
 * stickered image — rotation, scale, shift, perspective, brightness, defocus blur, sensor noise — so that the
 * stickers keep working when the sign is seen differently. `worldTest` then checks them on fresh views that the
 * optimisation never saw.
 *
 * A view is linear in the image up to the final clip: warp (bilinear resampling of a projective map), blur and
 * brightness compose into one sparse sampling matrix per view (≤ 36 entries a row). The EOT loss differentiates
 * through it as a matMul with the matrix's columns at the sticker pixels, which keeps the chain differentiable on
 * every backend (wasm has no gradient for Transform or GatherV2, whose gradient needs UnsortedSegmentSum).
 *
 * ε (L0, as in the rest of the library) is the number of input ELEMENTS that may change: a mask of k pixels on a
 * C-channel image changes at most k·C elements.
 */
import * as tf from '@tensorflow/tfjs';
import { checkpoint } from '../util/checkpoint';
import { createRng, type Rng } from '../util/rng';
import { rowClasses, runEpsilonCurve, type CurveAttack } from './epsilon-curve';
import { classMargin, crossEntropy, mean, rowStats } from './losses';
import { exactSign } from './step-rules';
import type { AttackModel, AttackSpec } from './types';

/** A rectangle of whole pixels: columns x … x + w − 1, rows y … y + h − 1. */
import { rectsMask, salientRects, type StickerRect } from './sticker-layout';

export type { StickerRect };

/** The random viewpoint and camera changes of EOT and of the world test. */
export interface ViewDistribution {
  /** Largest roll, degrees (uniform in ±rotation). */
  rotation: number;
  /** Range of the zoom factor. */
  scale: [number, number];
  /** Largest shift, pixels, per axis. */
  translate: number;
  /** Largest perspective coefficient per axis (fraction of foreshortening across half the image). */
  perspective: number;
  /** Range of the brightness factor. */
  brightness: [number, number];
  /** Largest blur weight a of the [a, 1 − 2a, a] kernel (0.33 is a box blur). */
  blur: number;
  /** Standard deviation of the sensor noise (input units). */
  noise: number;
}

export const DEFAULT_VIEWS: ViewDistribution = {
  rotation: 15,
  scale: [0.85, 1.15],
  translate: 2,
  perspective: 0.1,
  brightness: [0.7, 1.3],
  blur: 0.25,
  noise: 0.01,
};

/** One view: where each output pixel samples the source (inverse map), brightness and blur. */
export interface View {
  /** Output pixel offset from the centre (u, v) ↦ source offset ((a u + b v + c) / w, (d u + e v + f) / w), w = 1 + g u + h v. */
  inverse: [number, number, number, number, number, number, number, number];
  brightness: number;
  blur: number;
}

export const IDENTITY_VIEW: View = { inverse: [1, 0, 0, 0, 1, 0, 0, 0], brightness: 1, blur: 0 };

export function sampleView(rng: Rng, d: ViewDistribution, halfSize: number): View {
  const theta = (rng.uniform(-d.rotation, d.rotation) * Math.PI) / 180;
  const s = rng.uniform(d.scale[0], d.scale[1]);
  const c = Math.cos(theta) / s;
  const sn = Math.sin(theta) / s;
  return {
    inverse: [
      c, sn, rng.uniform(-d.translate, d.translate),
      -sn, c, rng.uniform(-d.translate, d.translate),
      rng.uniform(-d.perspective, d.perspective) / halfSize, rng.uniform(-d.perspective, d.perspective) / halfSize,
    ],
    brightness: rng.uniform(d.brightness[0], d.brightness[1]),
    blur: rng.uniform(0, d.blur),
  };
}

/**
 * A view as a sparse sampling matrix: output pixel p (row-major) = Σ w · source pixel col over its entries
 * start[p] … start[p + 1] − 1 — bilinear resampling with edges replicated, then the blur, times the brightness.
 * At most 4 × 9 entries per row.
 */
export interface SparseView {
  start: Int32Array;
  col: Int32Array;
  w: Float32Array;
}

export function sparseView(view: View, rows: number, cols: number): SparseView {
  const P = rows * cols;
  // The warp alone: 4 (index, weight) pairs per output pixel.
  const idx = new Int32Array(P * 4);
  const wts = new Float64Array(P * 4);
  const [a, b, c, d, e, f, g, h] = view.inverse;
  const cx = cols / 2;
  const cy = rows / 2;
  const clampX = (v: number) => (v < 0 ? 0 : v > cols - 1 ? cols - 1 : v);
  const clampY = (v: number) => (v < 0 ? 0 : v > rows - 1 ? rows - 1 : v);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const u = x + 0.5 - cx;
      const v = y + 0.5 - cy;
      const w = 1 + g * u + h * v;
      const sx = clampX(cx + (a * u + b * v + c) / w - 0.5);
      const sy = clampY(cy + (d * u + e * v + f) / w - 0.5);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(cols - 1, x0 + 1);
      const y1 = Math.min(rows - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (y * cols + x) * 4;
      idx[o] = y0 * cols + x0; wts[o] = (1 - fx) * (1 - fy);
      idx[o + 1] = y0 * cols + x1; wts[o + 1] = fx * (1 - fy);
      idx[o + 2] = y1 * cols + x0; wts[o + 2] = (1 - fx) * fy;
      idx[o + 3] = y1 * cols + x1; wts[o + 3] = fx * fy;
    }
  }
  // Blur after the warp (the lens sees the warped scene): output p = Σ over its 3×3 neighbours q of k·warp(q).
  const k = [view.blur, 1 - 2 * view.blur, view.blur];
  const start = new Int32Array(P + 1);
  const colOut: number[] = [];
  const wOut: number[] = [];
  const rowCols: number[] = [];
  const rowW: number[] = [];
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      rowCols.length = 0;
      rowW.length = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const qy = Math.min(rows - 1, Math.max(0, y + dy));
        for (let dx = -1; dx <= 1; dx++) {
          const kw = k[dy + 1] * k[dx + 1] * view.brightness;
          if (kw === 0) continue;
          const q = (qy * cols + Math.min(cols - 1, Math.max(0, x + dx))) * 4;
          for (let j = 0; j < 4; j++) {
            const wt = kw * wts[q + j];
            if (wt === 0) continue;
            const at = rowCols.indexOf(idx[q + j]);
            if (at >= 0) rowW[at] += wt;
            else {
              rowCols.push(idx[q + j]);
              rowW.push(wt);
            }
          }
        }
      }
      for (let j = 0; j < rowCols.length; j++) {
        colOut.push(rowCols[j]);
        wOut.push(rowW[j]);
      }
      start[y * cols + x + 1] = colOut.length;
    }
  }
  return { start, col: Int32Array.from(colOut), w: Float32Array.from(wOut) };
}

/** The dense P × P sampling matrix of a view (row-major), written into `out` at `offset`. */
export function viewMatrix(view: View, rows: number, cols: number, out?: Float32Array, offset = 0): Float32Array {
  const P = rows * cols;
  const m = out ?? new Float32Array(P * P);
  const sv = sparseView(view, rows, cols);
  for (let p = 0; p < P; p++) for (let j = sv.start[p]; j < sv.start[p + 1]; j++) m[offset + p * P + sv.col[j]] += sv.w[j];
  return m;
}

/**
 * Images x (n × H × W × C floats, HWC) seen through each view, without noise or clipping: V·n images, view-major.
 * Plain arithmetic on the sparse matrices — the constant part of the EOT chain and the whole world test, where no
 * gradient is needed (the dense matMul would cost 1024² per view and channel).
 */
export function applyViewsSparse(views: SparseView[], x: Float32Array, n: number, P: number, C: number): Float32Array {
  const out = new Float32Array(views.length * x.length);
  views.forEach((sv, v) => {
    for (let i = 0; i < n; i++) {
      const src = i * P * C;
      const dst = (v * n + i) * P * C;
      for (let p = 0; p < P; p++) {
        for (let j = sv.start[p]; j < sv.start[p + 1]; j++) {
          const wt = sv.w[j];
          const q = src + sv.col[j] * C;
          for (let ch = 0; ch < C; ch++) out[dst + p * C + ch] += wt * x[q + ch];
        }
      }
    }
  });
  return out;
}

/** The dense sampling matrices of several views as one tensor [V, P, P] (the reference the sparse path is tested against). */
export function viewMatrices(views: View[], rows: number, cols: number): tf.Tensor3D {
  const P = rows * cols;
  const data = new Float32Array(views.length * P * P);
  views.forEach((v, i) => viewMatrix(v, rows, cols, data, i * P * P));
  return tf.tensor3d(data, [views.length, P, P]);
}

/**
 * Every image of x [n, H, W, C] seen through every view: [V·n, H, W, C], view-major (row v·n + i is image i in
 * view v), before noise and clipping. Differentiable in x.
 */
export function applyViewMatrices(x: tf.Tensor4D, matrices: tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, H, W, C] = x.shape;
    const V = matrices.shape[0];
    const cols = x.transpose([1, 2, 0, 3]).reshape([1, H * W, n * C]).tile([V, 1, 1]) as tf.Tensor3D;
    const seen = tf.matMul(matrices, cols); // [V, HW, nC]
    return seen.reshape([V, H, W, n, C]).transpose([0, 3, 1, 2, 4]).reshape([V * n, H, W, C]) as tf.Tensor4D;
  });
}

export { rectsMask };

/**
 * The placement used when no mask is given: two horizontal bars across the middle of the image (where the sign
 * is in the datasets here), above and below the centre line, as in RP2's two-strip layout, with at most
 * `pixels` pixels in all.
 */
export function defaultStickers(rows: number, cols: number, pixels: number): StickerRect[] {
  if (pixels < 2) return pixels >= 1 ? [{ x: Math.floor(cols / 2), y: Math.floor(rows / 2), w: 1, h: 1 }] : [];
  const w = Math.max(1, Math.min(Math.round(cols * 0.45), Math.floor(pixels / 2)));
  const h = Math.max(1, Math.min(Math.floor(rows / 6), Math.floor(pixels / 2 / w)));
  const x = Math.floor((cols - w) / 2);
  return [
    { x, y: Math.floor(rows * 0.3) - Math.floor(h / 2), w, h },
    { x, y: Math.ceil(rows * 0.7) - Math.ceil(h / 2), w, h },
  ];
}

export interface StickerOptions {
  /** 0/1 mask [n, H, W, 1] (one per image) or [1, H, W, 1] (shared). */
  mask: tf.Tensor4D;
  /** Targets (targeted) or true labels (untargeted), one per image. */
  classes: Int32Array;
  targeted: boolean;
  steps: number;
  /** First step size (sign steps) or learning rate (Adam); decays (cosine) to a tenth of it. */
  stepSize: number;
  /** 'sign': x − α·sign(∇) (as PGD); 'adam': Adam on the colours (as RP2). Default 'sign'. */
  optimizer?: 'sign' | 'adam';
  /**
   * What each view's loss is. 'ce' (default): the cross-entropy of the target (or minus the label's). 'margin':
   * Carlini & Wagner's logit margin, clamped at −κ: max(max_{j≠t} z_j − z_t, −κ) (untargeted: max(z_y − max_{j≠y} z_j, −κ)).
   * Averaged over the views, the clamp stops paying for views already won by κ, so the steps go to the views the
   * stickers still lose — what the success rate over views counts.
   */
  loss?: 'ce' | 'margin';
  /** κ of the margin loss (logit units); default 5. */
  kappa?: number;
  /** Views per step; the first is always the unchanged image, so 1 means no EOT. */
  eotSamples: number;
  views: ViewDistribution;
  seed: number;
  signal?: AbortSignal;
  onStep?: (s: { step: number; steps: number; loss: number; successRate: number }) => void;
}

/**
 * Optimises the sticker colours for a batch; returns the stickered images (caller disposes) and the queries used.
 *
 * Only the K pixels that some image's mask covers carry a variable, so each view splits into a constant part (the
 * image seen through the view, computed sparsely) and a differentiable part: the view's columns for those K pixels
 * (a [P, K] matrix) times the sticker change there. That keeps the matMul at P × K instead of P × P.
 */
export async function optimiseStickers(
  model: AttackModel,
  x: tf.Tensor4D,
  o: StickerOptions,
): Promise<{ adversarial: tf.Tensor4D; queries: number }> {
  const [n, H, W, C] = x.shape;
  const P = H * W;
  const rng = createRng(o.seed);
  const V = Math.max(1, o.eotSamples);
  const kappa = o.kappa ?? 5;
  if (o.loss !== undefined && o.loss !== 'ce' && o.loss !== 'margin') throw new Error(`sticker: loss must be ce or margin, got "${String(o.loss)}"`);
  if (!(kappa >= 0)) throw new Error(`sticker: kappa must be ≥ 0, got ${kappa}`);
  const xs = (await x.data()) as Float32Array;
  const maskData = await o.mask.data();
  const shared = o.mask.shape[0] !== n;
  const maskOf = (i: number, p: number) => maskData[(shared ? 0 : i) * P + p];
  // The union of the masks: pixel → column k.
  const union: number[] = [];
  for (let p = 0; p < P; p++) for (let i = 0; i < n; i++) if (maskOf(i, p) > 0) { union.push(p); break; }
  const K = union.length;
  if (K === 0) return { adversarial: x.clone(), queries: 0 };
  const column = new Int32Array(P).fill(-1);
  union.forEach((p, k) => (column[p] = k));
  const mU = new Float32Array(K * n * C);
  const xU = new Float32Array(K * n * C);
  union.forEach((p, k) => {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < C; c++) {
        mU[k * n * C + i * C + c] = maskOf(i, p) > 0 ? 1 : 0;
        xU[k * n * C + i * C + c] = xs[(i * P + p) * C + c];
      }
    }
  });
  const mUt = tf.tensor2d(mU, [K, n * C]);
  const xUt = tf.tensor2d(xU, [K, n * C]);
  const classes = tf.tensor1d(o.classes, 'int32');
  const classesTiled = tf.tidy(() => classes.tile([V]));
  const keep = tf.tidy(() => tf.concat([tf.zeros([n, 1, 1, 1]), tf.ones([(V - 1) * n, 1, 1, 1])]));
  // Start from random colours inside the mask (RP2 starts from random stickers too).
  let paint = tf.tidy(() => tf.randomUniform([K, n * C], 0, 1, 'float32', rng.seed())) as tf.Tensor2D;
  const [lo, hi] = model.bounds;
  const adam = o.optimizer === 'adam' ? { m: tf.zerosLike(paint), v: tf.zerosLike(paint) } : null;
  let queries = 0;
  try {
    for (let step = 0; step < o.steps; step++) {
      await checkpoint(o.signal);
      const views = [IDENTITY_VIEW, ...Array.from({ length: V - 1 }, () => sampleView(rng, o.views, H / 2))].map((v) => sparseView(v, H, W));
      const base = tf.tensor4d(applyViewsSparse(views, xs, n, P, C), [V * n, H, W, C]);
      const cols = new Float32Array(V * P * K);
      views.forEach((sv, v) => {
        for (let p = 0; p < P; p++) {
          for (let j = sv.start[p]; j < sv.start[p + 1]; j++) {
            const k = column[sv.col[j]];
            if (k >= 0) cols[(v * P + p) * K + k] += sv.w[j];
          }
        }
      });
      const colsT = tf.tensor3d(cols, [V, P, K]);
      const noiseSeed = rng.seed();
      const lossAndLogits = (q: tf.Tensor2D) => {
        const change = mUt.mul(q.sub(xUt)).expandDims(0).tile([V, 1, 1]) as tf.Tensor3D; // [V, K, nC]
        const moved = tf.matMul(colsT, change).reshape([V, P, n, C]).transpose([0, 2, 1, 3]).reshape([V * n, H, W, C]);
        let seen = base.add(moved);
        if (V > 1 && o.views.noise > 0) {
          // No noise on the unchanged view (row block 0): the stickered image itself must work as it is.
          seen = seen.add(tf.randomNormal(seen.shape, 0, o.views.noise, 'float32', noiseSeed).mul(keep));
        }
        const logits = model.logits(seen.clipByValue(lo, hi));
        if (o.loss === 'margin') {
          // Targeted: the target's lead over the best other class, raised; untargeted: the label's lead, lowered.
          const lead = classMargin(logits as tf.Tensor2D, classesTiled as tf.Tensor1D);
          return { loss: tf.maximum(o.targeted ? lead.neg() : lead, -kappa).mean() as tf.Scalar, logits };
        }
        const ce = crossEntropy(logits, classesTiled as tf.Tensor1D);
        // Targeted: descend the target's cross-entropy; untargeted: ascend the label's.
        return { loss: (o.targeted ? ce : ce.neg()).mean() as tf.Scalar, logits };
      };
      const grad = tf.tidy(() => tf.grad((q: tf.Tensor) => lossAndLogits(q as tf.Tensor2D).loss)(paint));
      // Progress (only when asked for: it costs a second forward): loss over the views, success on the unchanged one.
      const probe = o.onStep
        ? tf.tidy(() => {
            const r = lossAndLogits(paint);
            return [r.loss, r.logits.slice([0, 0], [n, -1])] as [tf.Scalar, tf.Tensor2D];
          })
        : null;
      tf.dispose([base, colsT]);
      queries += n * V;
      const t = step / Math.max(1, o.steps - 1);
      const alpha = o.stepSize * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * t)));
      let direction: tf.Tensor;
      if (adam) {
        // Adam (β₁ 0.9, β₂ 0.999) with bias correction; the moments live across steps.
        const [m1, m2] = [adam.m, adam.v];
        adam.m = tf.tidy(() => m1.mul(0.9).add(grad.mul(0.1)));
        adam.v = tf.tidy(() => m2.mul(0.999).add(grad.square().mul(0.001)));
        tf.dispose([m1, m2]);
        const c1 = 1 - 0.9 ** (step + 1);
        const c2 = 1 - 0.999 ** (step + 1);
        direction = tf.tidy(() => adam!.m.div(c1).div(adam!.v.div(c2).sqrt().add(1e-8)));
      } else {
        direction = exactSign(grad);
      }
      const next = tf.tidy(() => paint.sub(direction.mul(alpha)).clipByValue(lo, hi)) as tf.Tensor2D;
      direction.dispose();
      grad.dispose();
      paint.dispose();
      paint = next;
      if (o.onStep && probe) {
        const l = (await probe[0].data())[0];
        const z = await probe[1].data();
        tf.dispose(probe);
        const stats = rowStats(z, n, model.numClasses, o.targeted ? new Int32Array(n).fill(-1) : o.classes, o.targeted ? o.classes : null);
        o.onStep({ step: step + 1, steps: o.steps, loss: l, successRate: mean(stats.success) });
      }
    }
    // The stickered images: the colours where each image's own mask is.
    const q = await paint.data();
    const adv = Float32Array.from(xs);
    union.forEach((p, k) => {
      for (let i = 0; i < n; i++) {
        if (!(maskOf(i, p) > 0)) continue;
        for (let c = 0; c < C; c++) adv[(i * P + p) * C + c] = q[k * n * C + i * C + c];
      }
    });
    return { adversarial: tf.tensor4d(adv, [n, H, W, C]), queries };
  } finally {
    tf.dispose([paint, mUt, xUt, classes, classesTiled, keep]);
    if (adam) tf.dispose([adam.m, adam.v]);
  }
}

/**
 * Where a sticker would pay most, per pixel: the first-order drop of the attack's loss (averaged over the unchanged
 * image and `samples` − 1 random views, as EOT sees it) if that pixel alone were painted its best colour — for each
 * channel |∂L/∂x| times the room to move against the gradient (to 0 or to 1). Returns n × H × W values, the input
 * of sticker-layout.ts salientRects. The views go through dense sampling matrices (V × P × P): one gradient, once.
 */
export async function stickerSaliency(
  model: AttackModel,
  x: tf.Tensor4D,
  classes: Int32Array,
  targeted: boolean,
  opts: { samples: number; views?: ViewDistribution; seed: number },
): Promise<Float32Array> {
  const [n, H, W, C] = x.shape;
  if (classes.length !== n) throw new Error(`classes must hold one class per image (${n}), got ${classes.length}`);
  if (!(Number.isInteger(opts.samples) && opts.samples >= 1)) throw new Error(`samples must be a whole number ≥ 1, got ${opts.samples}`);
  const rng = createRng(opts.seed);
  const views = [IDENTITY_VIEW, ...Array.from({ length: opts.samples - 1 }, () => sampleView(rng, opts.views ?? DEFAULT_VIEWS, H / 2))];
  const matrices = viewMatrices(views, H, W);
  const [lo, hi] = model.bounds;
  const gain = tf.tidy(() => {
    const target = tf.tensor1d(classes, 'int32').tile([views.length]) as tf.Tensor1D;
    const g = tf.grad((img: tf.Tensor) => {
      const ce = crossEntropy(model.logits(applyViewMatrices(img as tf.Tensor4D, matrices).clipByValue(lo, hi)) as tf.Tensor2D, target);
      return (targeted ? ce : ce.neg()).mean();
    })(x);
    // Descending L: a channel with ∂L/∂x > 0 goes down to lo, one with ∂L/∂x < 0 up to hi.
    const room = tf.where(g.greater(0), x.sub(lo), tf.scalar(hi).sub(x));
    return g.abs().mul(room).sum(3);
  });
  matrices.dispose();
  const out = (await gain.data()) as Float32Array;
  gain.dispose();
  return Float32Array.from(out);
}

export interface WorldTestResult {
  /** Per image, the fraction of views in which the attack's goal holds (targeted: predicted = target). */
  successRate: Float32Array;
  /** Predictions [n × views], image-major. */
  predicted: Int32Array;
  views: number;
}

/**
 * "Test it in the world": shows each image to the model under `views` fresh random views (from `seed`, a stream
 * the optimisation never used) with sensor noise, and counts how often the goal holds.
 */
export async function worldTest(
  model: AttackModel,
  x: tf.Tensor4D,
  classes: Int32Array,
  targeted: boolean,
  opts: { views: number; distribution?: ViewDistribution; seed: number; viewsPerBatch?: number; signal?: AbortSignal },
): Promise<WorldTestResult> {
  const [n, H, W, C] = x.shape;
  const xs = (await x.data()) as Float32Array;
  const d = opts.distribution ?? DEFAULT_VIEWS;
  if (!Number.isInteger(opts.views) || opts.views < 1) throw new Error(`views must be a positive integer, got ${opts.views}`);
  if (classes.length !== n) throw new Error(`classes must hold one class per image (${n}), got ${classes.length}`);
  const rng = createRng(opts.seed);
  const per = Math.max(1, opts.viewsPerBatch ?? 25);
  const predicted = new Int32Array(n * opts.views);
  const hits = new Float32Array(n);
  for (let v0 = 0; v0 < opts.views; v0 += per) {
    await checkpoint(opts.signal);
    const views = Array.from({ length: Math.min(per, opts.views - v0) }, () => sparseView(sampleView(rng, d, H / 2), H, W));
    const noiseSeed = rng.seed();
    const pred = tf.tidy(() => {
      const seen = tf.tensor4d(applyViewsSparse(views, xs, n, H * W, C), [views.length * n, H, W, C]);
      const noisy = d.noise > 0 ? seen.add(tf.randomNormal(seen.shape, 0, d.noise, 'float32', noiseSeed)) : seen;
      return model.logits(noisy.clipByValue(model.bounds[0], model.bounds[1])).argMax(1);
    });
    const p = await pred.data();
    pred.dispose();
    for (let j = 0; j < views.length; j++) {
      for (let i = 0; i < n; i++) {
        const k = p[j * n + i];
        predicted[i * opts.views + v0 + j] = k;
        if (targeted ? k === classes[i] : k !== classes[i]) hits[i] += 1;
      }
    }
  }
  return { successRate: hits.map((h) => h / opts.views), predicted, views: opts.views };
}

function maskFromOptions(stickerMask: Float32Array | undefined, n: number, H: number, W: number, C: number, epsilon: number): tf.Tensor4D {
  let data: Float32Array;
  let count: number;
  if (stickerMask) {
    if (stickerMask.length !== H * W && stickerMask.length !== n * H * W) {
      throw new Error(`sticker: stickerMask must hold ${H}×${W} values (one mask for all) or ${n}×${H}×${W} (one per image), got ${stickerMask.length}`);
    }
    if (stickerMask.some((v) => v !== 0 && v !== 1)) throw new Error('sticker: stickerMask values must be 0 or 1');
    data = stickerMask;
    count = stickerMask.length / (H * W);
    for (let i = 0; i < count; i++) {
      const pixels = stickerMask.subarray(i * H * W, (i + 1) * H * W).reduce((a, b) => a + b, 0);
      if (pixels * C > epsilon) {
        throw new Error(
          `sticker: the stickers cover ${pixels} pixels (${pixels * C} values), more than the L0 budget ε = ${epsilon}; ` +
            'shrink the stickers or raise ε',
        );
      }
    }
  } else {
    data = rectsMask(defaultStickers(H, W, Math.floor(epsilon / C)), H, W);
    count = 1;
  }
  return tf.tensor4d(data, [count, H, W, 1]);
}

export const sticker: AttackSpec = {
  id: 'sticker',
  name: 'Stickers (EOT)',
  norm: 'l0',
  norms: ['l0'],
  kind: 'gradient',
  targeted: true,
  needs: 'gradients',
  defaults: { steps: 200, stepSize: 0.1, eotSamples: 8 },
  description:
    'A few stickers of any colour inside a mask on the sign (L0: ε counts changed values, pixels × channels), optimised over random views (EOT) so that they survive a change of viewpoint, light and focus.',
  reference: 'Eykholt et al. 2018 (RP2); Brown et al. 2017; Athalye et al. 2018 (EOT)',
  async run(model, x, labels, opts) {
    const settings = {
      steps: opts.steps ?? 200,
      stepSize: opts.stepSize ?? 0.1,
      eotSamples: opts.eotSamples ?? 8,
    };
    if (!Number.isInteger(settings.eotSamples) || settings.eotSamples < 1) {
      throw new Error(`sticker: eotSamples must be an integer ≥ 1 (1 = no EOT), got ${settings.eotSamples}`);
    }
    const curve: CurveAttack = {
      caps: { id: 'sticker', norms: ['l0'], targeted: true },
      hyperparameters: { ...settings, views: JSON.stringify(opts.views ?? DEFAULT_VIEWS) },
      async atEpsilon(ctx, xRows, rows, epsilon) {
        if (xRows.rank !== 4) throw new Error(`sticker: needs images [n, height, width, channels], got shape [${xRows.shape.join(', ')}]`);
        const [n, H, W, C] = xRows.shape;
        if (epsilon < C) return { adversarial: xRows.clone(), queries: 0 }; // not one whole pixel: nothing to stick
        const fullMask = opts.stickerMask;
        // A per-image mask follows its rows.
        const rowsMask = fullMask && fullMask.length !== H * W
          ? Float32Array.from(Array.from(rows).flatMap((r) => Array.from(fullMask.subarray(r * H * W, (r + 1) * H * W))))
          : fullMask;
        const mask = maskFromOptions(rowsMask, n, H, W, C, epsilon);
        try {
          const { labels: rowLabels, targets } = rowClasses(ctx, rows);
          return await optimiseStickers(ctx.model, xRows as tf.Tensor4D, {
            mask,
            classes: ctx.targeted && targets ? targets : rowLabels,
            targeted: ctx.targeted,
            steps: settings.steps,
            stepSize: settings.stepSize,
            eotSamples: settings.eotSamples,
            views: opts.views ?? DEFAULT_VIEWS,
            seed: ctx.rng.seed(),
            signal: opts.signal,
            onStep: opts.onStep
              ? (s) => opts.onStep!({ epsilon, restart: 0, step: s.step, steps: s.steps, loss: s.loss, trueConfidence: NaN, bestOtherConfidence: NaN, norm: NaN, successRate: s.successRate })
              : undefined,
          });
        } finally {
          mask.dispose();
        }
      },
    };
    return runEpsilonCurve(model, x, labels, opts, curve);
  },
};

/**
 * The world test of one image (the Attack Lab's "Test it in the world"): `image` is H × W × C floats; the goal is
 * `goal` itself (targeted) or anything but `goal` (untargeted). Returns the success rate and each view's prediction.
 */
export async function worldTestImage(
  model: AttackModel,
  image: Float32Array,
  shape: [number, number, number],
  goal: number,
  targeted: boolean,
  opts: { views: number; seed: number; signal?: AbortSignal },
): Promise<{ successRate: number; predicted: Int32Array; views: number }> {
  const [H, W, C] = shape;
  if (image.length !== H * W * C) throw new Error(`image must hold ${H}×${W}×${C} values, got ${image.length}`);
  const x = tf.tensor4d(image, [1, H, W, C]);
  try {
    const r = await worldTest(model, x, Int32Array.of(goal), targeted, opts);
    return { successRate: r.successRate[0], predicted: r.predicted, views: r.views };
  } finally {
    x.dispose();
  }
}

/** Placement by saliency takes the loss over the unchanged view and this many − 1 random ones (seed: SALIENCY_SEED). */
export const SALIENCY_SAMPLES = 8;
export const SALIENCY_SEED = 7;

/**
 * Two stickers where they pay most on one image (`image` H × W × C floats, `coverage` its face, H × W): stickerSaliency
 * then salientRects within `maxFraction` of the sign's area — the placement scripts/sticker-eval.ts --layout saliency
 * measures, for the Attack Lab.
 */
export async function salientStickersImage(
  model: AttackModel,
  image: Float32Array,
  shape: [number, number, number],
  coverage: Float32Array,
  goal: number,
  targeted: boolean,
  maxFraction: number,
): Promise<StickerRect[]> {
  const [H, W, C] = shape;
  if (image.length !== H * W * C) throw new Error(`image must hold ${H}×${W}×${C} values, got ${image.length}`);
  const x = tf.tensor4d(image, [1, H, W, C]);
  try {
    const saliency = await stickerSaliency(model, x, Int32Array.of(goal), targeted, { samples: SALIENCY_SAMPLES, seed: SALIENCY_SEED });
    return salientRects(saliency, coverage, H, W, { count: 2, maxFraction });
  } finally {
    x.dispose();
  }
}
