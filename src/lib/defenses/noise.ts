/**
 * Additive Gaussian noise, x + N(0, σ²) drawn afresh on every call (a randomised defense, and the noise of
 * randomized smoothing). As a defense the noisy image is clipped back to [0, 1]; smoothing (Cohen et al. 2019)
 * samples the unclipped Gaussian, which its certificate assumes. The naive gradient is one draw's gradient; EOT
 * averages over draws.
 */
import * as tf from '@tensorflow/tfjs';
import { checkRange, type InputTransform } from './transform';

export function gaussianNoise(sigma: number, opts: { clip?: boolean } = {}): InputTransform {
  checkRange(sigma, 'noise σ', 0.001, 2);
  const clip = opts.clip ?? true;
  return {
    id: 'noise',
    randomized: true,
    apply: (x, seed) =>
      tf.tidy(() => {
        const noisy = x.add(tf.randomNormal(x.shape, 0, sigma, 'float32', seed));
        return clip ? noisy.clipByValue(0, 1) : noisy;
      }),
  };
}
