/**
 * Bit-depth reduction ("feature squeezing", Xu et al. 2018): each value is rounded to one of 2^bits levels. On MNIST
 * one bit (binarisation at ½) removes most small L∞ perturbations outright. tf.round has a zero gradient, so the
 * naive gradient through this transform is exactly zero everywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { checkRange, type InputTransform } from './transform';

export function bitDepth(bits: number): InputTransform {
  checkRange(bits, 'bit depth', 1, 8, true);
  const levels = 2 ** bits - 1;
  return {
    id: 'bit-depth',
    randomized: false,
    apply: (x) => tf.tidy(() => tf.round(x.clipByValue(0, 1).mul(levels)).div(levels)),
  };
}
