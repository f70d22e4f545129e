/**
 * Data augmentation for image training: each example of a batch translated by a random whole number of pixels
 * (up to `maxShift` in each direction, drawn independently per example), the uncovered border filled with the
 * background value. Small shifts are how small MNIST nets usually pass 99 % clean accuracy: the strided
 * convolutions of the zoo's small CNN are not translation-invariant, and shifting teaches them to be.
 *
 * Done on the CPU from the batch's values (a batch of 128 MNIST images is 100k floats, far cheaper than one
 * forward pass); the shifts come from the training run's generator, so a resumed run draws the same ones.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng';

/**
 * A new [b, h, w, c] tensor: example i of `x` moved by (dy[i], dx[i]) pixels (positive = down / right); pixels
 * shifted in from outside take `fill`. The caller owns both tensors.
 */
export async function shiftImages(x: tf.Tensor, dy: ArrayLike<number>, dx: ArrayLike<number>, fill: number): Promise<tf.Tensor> {
  if (x.rank !== 4) throw new Error(`shiftImages needs a batch of images [b, h, w, c], got shape [${x.shape.join(', ')}]`);
  const [b, h, w, c] = x.shape;
  if (dy.length !== b || dx.length !== b) throw new Error(`shiftImages: ${b} images but ${dy.length} / ${dx.length} shifts`);
  const src = (await x.data()) as Float32Array;
  const out = new Float32Array(src.length).fill(fill);
  const image = h * w * c;
  const row = w * c;
  for (let i = 0; i < b; i++) {
    const sy = Math.round(dy[i]);
    const sx = Math.round(dx[i]);
    // Columns of the destination row that have a source pixel: x' = x + sx with 0 ≤ x, x' < w.
    const x0 = Math.max(0, sx);
    const x1 = Math.min(w, w + sx);
    if (x1 <= x0) continue;
    for (let y = Math.max(0, sy); y < Math.min(h, h + sy); y++) {
      const from = i * image + (y - sy) * row + (x0 - sx) * c;
      out.set(src.subarray(from, from + (x1 - x0) * c), i * image + y * row + x0 * c);
    }
  }
  return tf.tensor(out, x.shape, 'float32');
}

/** `x` with every example shifted by its own random (dy, dx) in [−maxShift, maxShift]², drawn from `rng`. */
export async function randomShift(x: tf.Tensor, maxShift: number, rng: Rng, fill: number): Promise<tf.Tensor> {
  const b = x.shape[0];
  const dy = new Int32Array(b);
  const dx = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    dy[i] = rng.int(2 * maxShift + 1) - maxShift;
    dx[i] = rng.int(2 * maxShift + 1) - maxShift;
  }
  return shiftImages(x, dy, dx, fill);
}
