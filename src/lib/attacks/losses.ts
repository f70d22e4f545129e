/**
 * Losses on logits: tensor versions (differentiated by attacks) and plain-array versions (per-example bookkeeping
 * on read-back logits, in float64).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * −Σ onehot·log softmax(z) per row, with its gradient written out: ∂/∂z = (softmax(z) − onehot)·dy. Autodiff of the
 * same formula records every op of logSoftmax on the tape (and a saved copy of each input): ~28 kernels for value and
 * gradient at every attack step, against ~14 here — at batch 1 the kernel count, not the arithmetic, is the cost.
 */
const crossEntropyWithGrad = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [logits, onehot, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  const logp = tf.logSoftmax(logits);
  save([logp, onehot]);
  return {
    value: logp.mul(onehot).sum(1).neg(),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [lp, oh] = saved;
      return [tf.exp(lp).sub(oh).mul(tf.reshape(dy as tf.Tensor, [-1, 1])), tf.zerosLike(oh)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** Per-example cross-entropy of `classes` under softmax(logits), shape [n]. */
export function crossEntropy(logits: tf.Tensor2D, classes: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const onehot = tf.oneHot(classes, logits.shape[1]).cast('float32');
    return crossEntropyWithGrad(logits, onehot) as tf.Tensor1D;
  });
}

/**
 * What gradient attacks ascend. 'ce' (default): cross-entropy of the true class, or minus that of the target.
 * 'margin' (Carlini & Wagner's logit loss): max_{j≠y} z_j − z_y, or z_t − max_{j≠t} z_j — it reads the logits
 * directly, so it keeps a useful gradient where the softmax has saturated and the cross-entropy's has underflowed
 * to zero (defensive distillation).
 */
export type AttackLoss = 'ce' | 'margin';

/** `classes` holds labels (untargeted) or targets (targeted). */
export function ascentObjective(logits: tf.Tensor2D, classes: tf.Tensor1D, targeted: boolean, loss: AttackLoss = 'ce'): tf.Tensor1D {
  return tf.tidy(() => {
    if (loss === 'margin') {
      const m = classMargin(logits, classes);
      return targeted ? m : m.neg();
    }
    const ce = crossEntropy(logits, classes);
    return targeted ? ce.neg() : ce;
  });
}

/** z_c − max_{j≠c} z_j per example (positive: class c wins), shape [n]. */
export function classMargin(logits: tf.Tensor2D, classes: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const onehot = tf.oneHot(classes, logits.shape[1]).cast('float32');
    const own = logits.mul(onehot).sum(1);
    const other = logits.sub(onehot.mul(1e9)).max(1);
    return own.sub(other) as tf.Tensor1D;
  });
}

/** Per-example statistics of a logits row-block read back to the CPU. */
export interface RowStats {
  predicted: Int32Array;
  /** 1 where the attack's goal holds (untargeted: pred ≠ label; targeted: pred = target). */
  success: Uint8Array;
  /** Ascent objective (CE of label, or −CE of target). */
  objective: Float32Array;
  /** Margin loss the score attacks minimise: z_y − max_{j≠y} z_j, or max_{j≠t} z_j − z_t (≤ 0 ⇔ success, ties aside). */
  margin: Float32Array;
  trueConfidence: Float32Array;
  bestOtherConfidence: Float32Array;
}

export function rowStats(
  logits: ArrayLike<number>,
  n: number,
  numClasses: number,
  labels: Int32Array,
  targets: Int32Array | null,
  stride = numClasses,
): RowStats {
  const s: RowStats = {
    predicted: new Int32Array(n),
    success: new Uint8Array(n),
    objective: new Float32Array(n),
    margin: new Float32Array(n),
    trueConfidence: new Float32Array(n),
    bestOtherConfidence: new Float32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const o = i * stride;
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < numClasses; j++) {
      if (logits[o + j] > max) {
        max = logits[o + j];
        arg = j;
      }
    }
    let sum = 0;
    for (let j = 0; j < numClasses; j++) sum += Math.exp(logits[o + j] - max);
    const logZ = max + Math.log(sum);
    const y = labels[i];
    const c = targets ? targets[i] : y;
    let bestOther = -Infinity;
    let otherThanC = -Infinity;
    for (let j = 0; j < numClasses; j++) {
      if (j !== y && logits[o + j] > bestOther) bestOther = logits[o + j];
      if (j !== c && logits[o + j] > otherThanC) otherThanC = logits[o + j];
    }
    s.predicted[i] = arg;
    s.success[i] = targets ? (arg === c ? 1 : 0) : arg !== y ? 1 : 0;
    const ce = logZ - logits[o + c];
    s.objective[i] = targets ? -ce : ce;
    s.margin[i] = targets ? otherThanC - logits[o + c] : logits[o + y] - otherThanC;
    s.trueConfidence[i] = Math.exp(logits[o + y] - logZ);
    s.bestOtherConfidence[i] = numClasses > 1 ? Math.exp(bestOther - logZ) : 0;
  }
  return s;
}

export function mean(a: ArrayLike<number>): number {
  if (a.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}
