/**
 * Perturbation geometry shared by all attacks: per-example norms of δ = x' − x, projection onto the ε-ball
 * intersected with the input box, and broadcasting of per-example scalars (ε, step sizes) against a batch.
 */
import * as tf from '@tensorflow/tfjs';
import { hostView, simdRowNorms } from '../backend/heap-kernels';
import type { Norm } from './types';

/** |δᵢ| above this counts as a changed element for ‖δ‖₀ (float32 resolution of values in [0,1] is ~6e-8). */
export const L0_THRESHOLD = 1e-7;

/**
 * L2 projection shrinks slightly more than exactly onto the sphere so that ‖δ‖₂ recomputed in float32 never
 * exceeds ε by rounding.
 */
const L2_SHRINK = 1 - 1e-6;

/** A per-example scalar as a tensor of shape [n, 1, 1, …] that broadcasts against a batch of the given rank. */
export function perExample(values: ArrayLike<number>, rank: number): tf.Tensor {
  return tf.tensor(Float32Array.from(values), [values.length, ...new Array<number>(rank - 1).fill(1)], 'float32');
}

/** [n, …] → [n, D]. */
export function flatten(t: tf.Tensor): tf.Tensor2D {
  return t.reshape([t.shape[0], -1]);
}

/** ‖δ‖ per example, shape [n]. */
export function perturbationNorm(delta: tf.Tensor, norm: Norm): tf.Tensor1D {
  return tf.tidy(() => {
    const d = flatten(delta);
    if (norm === 'linf') return d.abs().max(1) as tf.Tensor1D;
    if (norm === 'l2') return d.square().sum(1).sqrt() as tf.Tensor1D;
    return d.abs().greater(L0_THRESHOLD).cast('float32').sum(1) as tf.Tensor1D;
  });
}

/**
 * ‖a − b‖∞, ‖a − b‖₂, ‖a − b‖₀ per example read where the tensors lie in host memory, with no kernel and no copy of
 * the batch (SIMD on wasm where rows are a multiple of 4 values); null on other backends.
 */
export function normsInHostMemory(a: tf.Tensor, b: tf.Tensor): { linf: Float32Array; l2: Float32Array; l0: Float32Array } | null {
  const n = a.shape[0];
  const v = simdRowNorms(a, b, L0_THRESHOLD);
  if (v) return { linf: v.slice(0, n), l2: v.slice(n, 2 * n), l0: v.slice(2 * n, 3 * n) };
  const [va, vb] = [hostView(a), hostView(b)];
  return va && vb ? normsOfValues(va, vb, n) : null;
}

/** ‖δ‖∞, ‖δ‖₂, ‖δ‖₀ per example, read back in one transfer. */
export async function allNorms(
  adversarial: tf.Tensor,
  x: tf.Tensor,
): Promise<{ linf: Float32Array; l2: Float32Array; l0: Float32Array }> {
  const n = x.shape[0];
  // In host memory one pass over both tensors where they lie: no kernel (at batch 1 each costs engine overhead) and
  // no copy. A GPU backend runs fourteen kernels and reads back only the 3·n norms.
  const host = normsInHostMemory(adversarial, x);
  if (host) return host;
  const packed = tf.tidy(() => {
    const d = adversarial.sub(x);
    return tf.stack([perturbationNorm(d, 'linf'), perturbationNorm(d, 'l2'), perturbationNorm(d, 'l0')]);
  });
  const v = (await packed.data()) as Float32Array;
  packed.dispose();
  return { linf: v.slice(0, n), l2: v.slice(n, 2 * n), l0: v.slice(2 * n, 3 * n) };
}

/** ‖a − b‖∞, ‖a − b‖₂, ‖a − b‖₀ per row of two flat [n·D] arrays, δ rounded to float32 as the tensor path does. */
export function normsOfValues(a: ArrayLike<number>, b: ArrayLike<number>, n: number): { linf: Float32Array; l2: Float32Array; l0: Float32Array } {
  const d = a.length / n;
  const linf = new Float32Array(n);
  const l2 = new Float32Array(n);
  const l0 = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let m = 0;
    let sq = 0;
    let count = 0;
    for (let j = i * d, end = j + d; j < end; j++) {
      const v = Math.abs(Math.fround(a[j] - b[j]));
      if (v > m) m = v;
      sq += v * v;
      if (v > L0_THRESHOLD) count++;
    }
    linf[i] = m;
    l2[i] = Math.sqrt(sq);
    l0[i] = count;
  }
  return { linf, l2, l0 };
}

/** Clips to the valid input box; infinite bounds are left open. */
export function clipToBounds(x: tf.Tensor, bounds: [number, number]): tf.Tensor {
  const [lo, hi] = bounds;
  // One ClipByValue (open ends as ±∞): wasm's Maximum/Minimum take ~60× longer (0.9 ms vs 15 µs CPU at 128 images).
  if (!Number.isFinite(lo) && !Number.isFinite(hi)) return x.clone();
  return tf.clipByValue(x, Number.isFinite(lo) ? lo : -Infinity, Number.isFinite(hi) ? hi : Infinity);
}

/**
 * Projects x' onto {x + δ : ‖δ‖ ≤ ε} ∩ box, for L∞ (exact: the box and the cube are both coordinate-wise) and L2
 * (scale onto the ball, then clip: clipping towards x, which lies in the box, never increases |δᵢ|).
 * eps has shape [n, 1, …] (see perExample).
 */
export function projectToBall(
  xAdv: tf.Tensor,
  x: tf.Tensor,
  eps: tf.Tensor,
  norm: 'linf' | 'l2',
  bounds: [number, number],
): tf.Tensor {
  return tf.tidy(() => {
    let delta = xAdv.sub(x);
    if (norm === 'linf') {
      // eps is [n,1,…]: expanded with a (fast) broadcast multiply first, because wasm's Maximum/Minimum with a
      // broadcast operand take ~60 ms on a 256-image batch against ~1 ms for equal shapes.
      const bound = eps.mul(tf.onesLike(delta));
      delta = tf.minimum(tf.maximum(delta, bound.neg()), bound);
    } else {
      const len = perturbationNorm(delta, 'l2').reshape(eps.shape);
      const factor = tf.minimum(1, eps.mul(L2_SHRINK).div(tf.maximum(len, 1e-12)));
      delta = delta.mul(factor);
    }
    return clipToBounds(x.add(delta), bounds);
  });
}

/**
 * The L∞ ε-cube around x intersected with the box, as per-coordinate bounds [lo, hi] (new tensors): projecting
 * onto it is then min(max(x', lo), hi), two operations per step instead of projectToBall's nine. eps as [n,1,…].
 */
export function linfInterval(x: tf.Tensor, eps: tf.Tensor, bounds: [number, number]): { lo: tf.Tensor; hi: tf.Tensor } {
  return tf.tidy(() => {
    const bound = eps.mul(tf.onesLike(x)); // broadcast by multiply: see projectToBall
    // x lies in the box and ε ≥ 0, so clipping x − ε (and x + ε) to the whole box equals max(x − ε, lo) (and
    // min(x + ε, hi)), in one fast ClipByValue each (see clipToBounds).
    return { lo: clipToBounds(x.sub(bound), bounds), hi: clipToBounds(x.add(bound), bounds) };
  });
}

/**
 * L0 projection: keeps, per example, the k largest |δᵢ| (k = floor(ε)) and resets the rest to x. Ties are broken
 * by position, so exactly min(k, ‖δ‖₀) elements stay changed.
 */
export async function projectL0(xAdv: tf.Tensor, x: tf.Tensor, k: ArrayLike<number>): Promise<tf.Tensor> {
  const n = x.shape[0];
  const [xa, xo] = await Promise.all([xAdv.data(), x.data()]);
  const d = xa.length / n;
  const out = Float32Array.from(xo as Float32Array);
  const order = new Int32Array(d);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    const keep = Math.max(0, Math.floor(k[i]));
    if (keep === 0) continue;
    for (let j = 0; j < d; j++) order[j] = j;
    const mag = (j: number) => Math.abs(xa[base + j] - xo[base + j]);
    const sorted = Array.from(order).sort((a, b) => mag(b) - mag(a) || a - b);
    for (let r = 0; r < Math.min(keep, d); r++) out[base + sorted[r]] = xa[base + sorted[r]];
  }
  return tf.tensor(out, x.shape, 'float32');
}

/**
 * A sample uniform in the unit ball of the norm, of the given shape [n, …]: L∞ uniform in the cube; L2 uniform in
 * the ball (Gaussian direction, radius u^(1/D)). Multiply by ε for the ε-ball.
 */
export function unitBallSample(shape: number[], norm: 'linf' | 'l2', seed: number): tf.Tensor {
  return tf.tidy(() => {
    if (norm === 'linf') return tf.randomUniform(shape, -1, 1, 'float32', seed);
    const n = shape[0];
    const d = shape.reduce((a, b) => a * b, 1) / n;
    const perRow = [n, ...new Array<number>(shape.length - 1).fill(1)];
    const g = tf.randomNormal(shape, 0, 1, 'float32', seed);
    const len = perturbationNorm(g, 'l2').reshape(perRow);
    const u = tf.randomUniform([n], 0, 1, 'float32', seed + 1).pow(1 / d).reshape(perRow);
    return g.div(tf.maximum(len, 1e-12)).mul(u).mul(L2_SHRINK);
  });
}

/** A sample uniform in the ε-ball around 0, shaped like `like`, eps as [n,1,…]. */
export function randomInBall(like: tf.Tensor, eps: tf.Tensor, norm: 'linf' | 'l2', seed: number): tf.Tensor {
  return tf.tidy(() => unitBallSample(like.shape, norm, seed).mul(eps));
}
