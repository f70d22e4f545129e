/**
 * Median filter (k×k, reflected borders; Xu et al. 2018's "spatial smoothing" squeezer). The median is taken with an
 * odd–even transposition sorting network of min/max ops, which tfjs differentiates (its TopK has no gradient): the
 * naive gradient flows to whichever pixel of each window is the median — sparse and piecewise, but not zero.
 */
import * as tf from '@tensorflow/tfjs';
import { checkImageBatch, checkRange, reflectPad, type InputTransform } from './transform';

export function medianFilter(size: number): InputTransform {
  checkRange(size, 'median window', 3, 5, true);
  if (size % 2 === 0) throw new Error(`median window must be odd, got ${size}`);
  const r = (size - 1) / 2;
  return {
    id: 'median',
    randomized: false,
    apply: (x) =>
      tf.tidy(() => {
        const [n, h, w, c] = checkImageBatch(x, 'median filter');
        const padded = reflectPad(x as tf.Tensor4D, r);
        const v: tf.Tensor[] = [];
        for (let dy = 0; dy < size; dy++) for (let dx = 0; dx < size; dx++) v.push(padded.slice([0, dy, dx, 0], [n, h, w, c]));
        // Odd–even transposition sort: m rounds of compare-exchange on alternating pairs sort any m values.
        const m = v.length;
        for (let round = 0; round < m; round++) {
          for (let i = round % 2; i + 1 < m; i += 2) {
            const lo = tf.minimum(v[i], v[i + 1]);
            const hi = tf.maximum(v[i], v[i + 1]);
            v[i] = lo;
            v[i + 1] = hi;
          }
        }
        return v[(m - 1) / 2];
      }),
  };
}
