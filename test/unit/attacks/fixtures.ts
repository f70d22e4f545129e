/** Small seeded models and batches for the attack tests. */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/lib/util/rng';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { observedModel } from '../../../src/lib/attacks/model-adapter';

export function seededTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal() * scale), shape);
}

export function seededUniform(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.next()), shape);
}

/** A linear (logistic-regression) model on [N, d]: logits = x·W + b. */
export function linearModel(d: number, classes: number, seed: number): AttackModel & { W: tf.Tensor2D; b: tf.Tensor1D } {
  const W = tf.keep(seededTensor([d, classes], seed) as tf.Tensor2D);
  const b = tf.keep(seededTensor([classes], seed + 1, 0.1) as tf.Tensor1D);
  return { W, b, numClasses: classes, inputShape: [d], bounds: [0, 1], logits: (x) => tf.tidy(() => x.matMul(W).add(b)) };
}

/** A tiny MLP on [N, 8]: 8 → 16 (ReLU) → classes. Weights scaled so that logits are O(1)…O(10). */
export function mlpModel(classes: number, seed: number, d = 8, hidden = 16): AttackModel {
  const W1 = tf.keep(seededTensor([d, hidden], seed, 1.5));
  const b1 = tf.keep(seededTensor([hidden], seed + 1, 0.5));
  const W2 = tf.keep(seededTensor([hidden, classes], seed + 2, 1.5));
  return {
    numClasses: classes,
    inputShape: [d],
    bounds: [0, 1],
    logits: (x) => tf.tidy(() => tf.relu(x.matMul(W1).add(b1).sub(0.5)).matMul(W2) as tf.Tensor2D),
  };
}

/** A tiny conv net on [N, 6, 6, 1]: conv 3×3×4 → ReLU → maxpool 2 → dense → classes. */
export function convModel(classes: number, seed: number): AttackModel {
  const K = tf.keep(seededTensor([3, 3, 1, 4], seed, 1) as tf.Tensor4D);
  const W = tf.keep(seededTensor([3 * 3 * 4, classes], seed + 1, 1.5) as tf.Tensor2D);
  return {
    numClasses: classes,
    inputShape: [6, 6, 1],
    bounds: [0, 1],
    logits: (x) =>
      tf.tidy(() => {
        const h = tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, K, 1, 'same')), 2, 2, 'valid');
        return h.reshape([x.shape[0], -1]).matMul(W) as tf.Tensor2D;
      }),
  };
}

/** Labels = the model's own clean predictions, so every example starts correctly classified. */
export async function ownLabels(model: AttackModel, x: tf.Tensor): Promise<Int32Array> {
  const p = tf.tidy(() => model.logits(x).argMax(1));
  const v = Int32Array.from(await p.data());
  p.dispose();
  return v;
}

export function successRate(s: Uint8Array): number {
  return s.reduce((a, b) => a + b, 0) / s.length;
}

/** Forward passes only: asking for a gradient throws. Counts the examples evaluated. */
export function scoresOnly(model: AttackModel): AttackModel & { evaluated: number } {
  const wrapped = {
    ...model,
    evaluated: 0,
    logits(x: tf.Tensor): tf.Tensor2D {
      wrapped.evaluated += x.shape[0];
      const f = tf.customGrad((input, save) => {
        void save;
        return {
          value: model.logits(input as tf.Tensor),
          gradFunc: () => {
            throw new Error('gradient access on a score-only model');
          },
        };
      });
      return f(x) as tf.Tensor2D;
    },
  };
  return wrapped;
}

/**
 * How many times an attack runs the model: each call of `logits` is one forward pass; calls made under a gradient
 * tape are forward-backward passes (observedModel sees the tape-free forward-backward of a layers model too).
 */
export function passCounting(model: AttackModel): { wrapped: AttackModel; calls: { forward: number; forwardBackward: number } } {
  const calls = { forward: 0, forwardBackward: 0 };
  const wrapped = observedModel(model, (_x, withGradient) => {
    if (withGradient) calls.forwardBackward++;
    else calls.forward++;
  });
  return { wrapped, calls };
}
