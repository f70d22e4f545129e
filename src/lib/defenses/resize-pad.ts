/**
 * Random resizing and padding (Xie et al. 2018): each image is shrunk to a random size s×s (s uniform in
 * [minSize, size]) by bilinear interpolation and placed at a random offset on a black canvas of the original size.
 * (The paper enlarges 299 → [299, 331) and pads to 331; a fixed-size 28×28 model needs the shrinking variant.)
 *
 * Resize-then-place is linear in the image, so per example it is out = A · X · Bᵀ with A, B the [H, H] and [W, W]
 * matrices (placement × bilinear weights) built here from the draw: one batched matmul pair for the whole batch,
 * a different size and offset per image, and differentiable (the naive gradient is that draw's exact gradient).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../util/rng';
import { checkImageBatch, checkRange, type InputTransform } from './transform';

/** Bilinear resampling weights from n to s samples (half-pixel centres), row-major [s, n]. */
export function bilinearMatrix(n: number, s: number): Float32Array {
  const m = new Float32Array(s * n);
  for (let i = 0; i < s; i++) {
    const src = Math.min(n - 1, Math.max(0, ((i + 0.5) * n) / s - 0.5));
    const i0 = Math.floor(src);
    const i1 = Math.min(n - 1, i0 + 1);
    const f = src - i0;
    m[i * n + i0] += 1 - f;
    m[i * n + i1] += f;
  }
  return m;
}

/** Writes the [n, n] matrix that resizes n → s and places the result at `offset` into `out` at `at`. */
function placeInto(out: Float32Array, at: number, n: number, s: number, offset: number): void {
  const r = bilinearMatrix(n, s);
  for (let j = 0; j < s; j++) for (let k = 0; k < n; k++) out[at + (offset + j) * n + k] = r[j * n + k];
}

export function randomResizePad(minSize: number): InputTransform {
  checkRange(minSize, 'smallest size', 2, 512, true);
  return {
    id: 'resize-pad',
    randomized: true,
    apply: (x, seed) =>
      tf.tidy(() => {
        const [n, h, w, c] = checkImageBatch(x, 'random resize-and-pad');
        if (minSize > Math.min(h, w)) throw new Error(`smallest size ${minSize} exceeds the image size ${h}×${w}`);
        const rng = createRng(seed);
        const a = new Float32Array(n * c * h * h);
        const b = new Float32Array(n * c * w * w);
        for (let i = 0; i < n; i++) {
          const sh = minSize + rng.int(h - minSize + 1);
          const sw = Math.round((sh * w) / h);
          const oy = rng.int(h - sh + 1);
          const ox = rng.int(w - sw + 1);
          for (let ch = 0; ch < c; ch++) {
            placeInto(a, (i * c + ch) * h * h, h, sh, oy);
            placeInto(b, (i * c + ch) * w * w, w, sw, ox);
          }
        }
        const planes = x.transpose([0, 3, 1, 2]).reshape([n * c, h, w]) as tf.Tensor3D;
        const out = tf.matMul(tf.matMul(tf.tensor3d(a, [n * c, h, h]), planes), tf.tensor3d(b, [n * c, w, w]), false, true);
        return out.reshape([n, c, h, w]).transpose([0, 2, 3, 1]);
      }),
  };
}
