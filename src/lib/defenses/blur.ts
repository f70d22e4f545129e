/**
 * Gaussian blur: a fixed depthwise convolution with a normalised Gaussian kernel (radius ⌈3σ⌉, reflected borders).
 * It is linear and smooth, so the naive gradient is the exact gradient — nothing is masked and BPDA changes nothing;
 * blurring can only trade clean accuracy for a lower-pass view of the perturbation.
 */
import * as tf from '@tensorflow/tfjs';
import { checkImageBatch, checkRange, reflectPad, type InputTransform } from './transform';

export function gaussianKernel1d(sigma: number): number[] {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const s = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / s);
}

export function gaussianBlur(sigma: number): InputTransform {
  checkRange(sigma, 'blur σ', 0.1, 3);
  const k1 = gaussianKernel1d(sigma);
  const r = (k1.length - 1) / 2;
  return {
    id: 'blur',
    randomized: false,
    apply: (x) =>
      tf.tidy(() => {
        const [n, h, w, c] = checkImageBatch(x, 'Gaussian blur');
        const kernel = tf.tensor4d(k1.flatMap((a) => k1.map((b) => a * b)), [k1.length, k1.length, 1, 1]);
        // Channels folded into the batch and a plain conv2d: wasm has no depthwise-conv input gradient.
        const planes = reflectPad(x.transpose([0, 3, 1, 2]).reshape([n * c, h, w, 1]) as tf.Tensor4D, r);
        return tf.conv2d(planes, kernel, 1, 'valid').reshape([n, c, h, w]).transpose([0, 2, 3, 1]);
      }),
  };
}
