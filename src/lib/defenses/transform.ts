/**
 * An input transformation defense (the model sees t(x) instead of x) and the three ways an attacker can take its
 * gradient (Athalye, Carlini & Wagner 2018):
 * - 'naive': whatever automatic differentiation gives through t — zero through rounding (JPEG, bit depth), sparse
 *   through a median, one random draw's gradient for a randomised t. A defense that "works" only here masks gradients.
 * - 'bpda': Backward Pass Differentiable Approximation — the forward pass is the real t, the backward pass treats t
 *   as the identity (t(x) ≈ x for these transforms), so the gradient of the model at t(x) reaches x.
 * - 'eot': Expectation over Transformation — the model the attacker differentiates is the average over k random
 *   draws of t; its gradient is the average of the draws' gradients.
 */
import * as tf from '@tensorflow/tfjs';

export interface InputTransform {
  /** Registry id (see catalog.ts). */
  id: string;
  /** True when every call draws fresh randomness (then EOT applies). */
  randomized: boolean;
  /**
   * The transform on a batch in the model's input layout (NHWC images). `seed` picks the random draw of a
   * randomised transform (ignored by deterministic ones). Built from ordinary differentiable tfjs ops, so that
   * autodiff through it is exactly the naive gradient.
   */
  apply(x: tf.Tensor, seed: number): tf.Tensor;
}

// Declared in the tfjs-free catalog so the UI can list them.
export { GRADIENT_MODES, type GradientMode } from './catalog';

/** Checks that a transform gets an image batch [N, H, W, C]. */
export function checkImageBatch(x: tf.Tensor, who: string): [number, number, number, number] {
  if (x.rank !== 4) throw new Error(`${who} needs an image batch [N, height, width, channels], got shape [${x.shape.join(', ')}]`);
  return x.shape as [number, number, number, number];
}

export function checkRange(v: number, name: string, lo: number, hi: number, integer = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} between ${lo} and ${hi}, got ${v}`);
  }
}

/**
 * Reflection padding by r on both spatial sides ("reflect": the edge pixel is not repeated), built from slices,
 * reverses and concats because tfjs's MirrorPad gradient only slices dy and drops the reflected contributions.
 */
export function reflectPad(x: tf.Tensor4D, r: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    if (r >= h || r >= w) throw new Error(`padding ${r} needs an image larger than ${r}×${r}, got ${h}×${w}`);
    const rows = tf.concat([tf.reverse(x.slice([0, 1, 0, 0], [n, r, w, c]), 1), x, tf.reverse(x.slice([0, h - 1 - r, 0, 0], [n, r, w, c]), 1)], 1);
    const hp = h + 2 * r;
    return tf.concat([tf.reverse(rows.slice([0, 0, 1, 0], [n, hp, r, c]), 2), rows, tf.reverse(rows.slice([0, 0, w - 1 - r, 0], [n, hp, r, c]), 2)], 2);
  });
}
