/** Per-class input gradients (a Jacobian, one backward pass per class) for DeepFool and JSMA. */
import * as tf from '@tensorflow/tfjs';
import type { AttackModel } from './types';

/**
 * ∂z_k/∂x for every class k, stacked as [C, n, D] (D = input size), with the logits [n, C] of the same point.
 * Examples are independent, so the gradient of Σ_i z_{i,k} gives every row's own gradient.
 */
export function classGradients(model: AttackModel, x: tf.Tensor): { grads: tf.Tensor3D; logits: tf.Tensor2D } {
  return tf.tidy(() => {
    const n = x.shape[0];
    const C = model.numClasses;
    const out: tf.Tensor[] = [];
    let logits: tf.Tensor2D | null = null;
    for (let k = 0; k < C; k++) {
      const g = tf.grad((xi: tf.Tensor) => {
        const z = model.logits(xi);
        if (k === 0) logits = tf.keep(z.clone());
        return z.slice([0, k], [n, 1]).sum();
      })(x);
      out.push(g.reshape([n, -1]));
    }
    const z = logits!;
    return { grads: tf.stack(out) as tf.Tensor3D, logits: z };
  });
}

/** Gradient of Σ_i weights[i,k]·z_{i,k}: for one chosen class per row, a one-hot `weights`. Shape [n, D]. */
export function weightedLogitGradient(model: AttackModel, x: tf.Tensor, weights: tf.Tensor2D): { grad: tf.Tensor2D; logits: tf.Tensor2D } {
  let logits: tf.Tensor2D | null = null;
  const grad = tf.tidy(() =>
    tf
      .grad((xi: tf.Tensor) => {
        const z = model.logits(xi);
        logits = tf.keep(z.clone());
        return z.mul(weights).sum();
      })(x)
      .reshape([x.shape[0], -1]),
  ) as tf.Tensor2D;
  return { grad, logits: logits! };
}
