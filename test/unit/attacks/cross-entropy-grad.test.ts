import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { ascentObjective, crossEntropy } from '../../../src/lib/attacks/losses';
import { seededTensor } from './fixtures';

/**
 * The cross-entropy every gradient attack differentiates has its gradient written out (softmax − one-hot), because
 * autodiff of logSoftmax costs twice the kernels, and at batch 1 kernels are the cost of a step.
 */
describe('cross-entropy with a written-out gradient', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('value and gradient equal softmax − one-hot, computed in float64', async () => {
    const z = seededTensor([3, 5], 71, 3) as tf.Tensor2D;
    const cls = tf.tensor1d([0, 4, 2], 'int32');
    const rows = (await z.array()) as number[][];
    const labels = [0, 4, 2];
    for (const targeted of [false, true]) {
      const value = tf.tidy(() => ascentObjective(z, cls, targeted));
      const grad = tf.grad((zz: tf.Tensor) => ascentObjective(zz as tf.Tensor2D, cls, targeted).mul(tf.tensor1d([1, 2, -1])).sum())(z);
      const v = await value.data();
      const g = (await grad.array()) as number[][];
      const sign = targeted ? -1 : 1;
      rows.forEach((row, i) => {
        const m = Math.max(...row);
        const e = row.map((x) => Math.exp(x - m));
        const Z = e.reduce((a, b) => a + b, 0);
        const p = e.map((x) => x / Z);
        expect(v[i]).toBeCloseTo(sign * -Math.log(p[labels[i]]), 5);
        const w = [1, 2, -1][i] * sign;
        row.forEach((_, j) => expect(g[i][j]).toBeCloseTo(w * (p[j] - (j === labels[i] ? 1 : 0)), 5));
      });
      tf.dispose([value, grad]);
    }
    tf.dispose([z, cls]);
  });

  it('takes fewer kernels than autodiff of the same formula', async () => {
    const z = seededTensor([1, 10], 72, 3) as tf.Tensor2D;
    const cls = tf.tensor1d([3], 'int32');
    const kernels = async (f: (zz: tf.Tensor2D) => tf.Tensor) => {
      const p = await tf.profile(() => {
        const g = tf.grad((zz: tf.Tensor) => f(zz as tf.Tensor2D).sum())(z);
        g.dispose();
        return [];
      });
      return p.kernels.length;
    };
    const written = await kernels((zz) => crossEntropy(zz, cls));
    const autodiff = await kernels((zz) => tf.logSoftmax(zz).mul(tf.oneHot(cls, 10)).sum(1).neg());
    expect(written).toBeLessThan(autodiff);
    expect(tf.memory().numTensors).toBe(2);
    tf.dispose([z, cls]);
  });
});
