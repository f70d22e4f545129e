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
 * ∂/∂logits of the summed cross-entropy ascent objective (ascentObjective with 'ce'): softmax − onehot, or its
 * negative for a targeted run. Two kernels, for the tape-free input-gradient pass, which needs only this gradient
 * (attack loops read the objective's value from the logits in JS). `onehot` [n, C] float32, built once per run.
 */
export function crossEntropyObjectiveGrad(logits: tf.Tensor2D, onehot: tf.Tensor2D, targeted: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const p = tf.softmax(logits);
    return targeted ? tf.sub(onehot, p) : tf.sub(p, onehot);
  });
}

/**
 * What gradient attacks ascend. 'ce' (default): cross-entropy of the true class, or minus that of the target.
 * 'margin' (Carlini & Wagner's logit loss): max_{j≠y} z_j − z_y, or z_t − max_{j≠t} z_j — it reads the logits
 * directly, so it keeps a useful gradient where the softmax has saturated and the cross-entropy's has underflowed
 * to zero (defensive distillation). 'dlr': the Difference of Logits Ratio (Croce & Hein 2020), invariant to the
 * logits' shift and scale (dlrLoss / dlrTargetedLoss below; APGD-DLR and APGD-T).
 */
export type AttackLoss = 'ce' | 'margin' | 'dlr';

/** `classes` holds labels (untargeted) or targets (targeted). The DLR loss needs both, so it has its own functions. */
export function ascentObjective(logits: tf.Tensor2D, classes: tf.Tensor1D, targeted: boolean, loss: Exclude<AttackLoss, 'dlr'> = 'ce'): tf.Tensor1D {
  return tf.tidy(() => {
    if (loss === 'margin') {
      const m = classMargin(logits, classes);
      return targeted ? m : m.neg();
    }
    const ce = crossEntropy(logits, classes);
    return targeted ? ce.neg() : ce;
  });
}

/** DLR needs the third-largest logit; the targeted form the fourth (it falls back to the third below 4 classes). */
export const DLR_MIN_CLASSES = 3;

/**
 * The k largest logits per row, largest first, each of shape [n]. Differentiable: each is the max of a copy with the
 * larger ones masked out (argMax and oneHot carry no gradient), since tfjs has no gradient for TopK.
 */
function topLogits(z: tf.Tensor2D, k: number): tf.Tensor1D[] {
  const out: tf.Tensor1D[] = [];
  let rest: tf.Tensor2D = z;
  for (let i = 0; i < k; i++) {
    out.push(rest.max(1) as tf.Tensor1D);
    if (i + 1 < k) rest = rest.sub(tf.oneHot(rest.argMax(1), z.shape[1]).mul(1e9)) as tf.Tensor2D;
  }
  return out;
}

/**
 * Untargeted DLR, to be ascended: −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3), π the logits sorted in decreasing order.
 * Positive exactly when y is not the top class; the denominator makes it invariant to shifting and rescaling the
 * logits, so a model whose logits are huge (gradient masking by saturation) cannot hide behind a flat softmax.
 */
export function dlrLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    if (logits.shape[1] < DLR_MIN_CLASSES) throw new Error(`the DLR loss needs at least ${DLR_MIN_CLASSES} classes, the model has ${logits.shape[1]}`);
    const [p1, , p3] = topLogits(logits, 3);
    return classMargin(logits, labels).neg().div(p1.sub(p3).add(1e-12)) as tf.Tensor1D;
  });
}

/** Targeted DLR, to be ascended: −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2). */
export function dlrTargetedLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, targets: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const C = logits.shape[1];
    if (C < DLR_MIN_CLASSES) throw new Error(`the DLR loss needs at least ${DLR_MIN_CLASSES} classes, the model has ${C}`);
    const top = topLogits(logits, Math.min(4, C));
    const p4 = top[3] ?? top[2];
    const zy = logits.mul(tf.oneHot(labels, C)).sum(1);
    const zt = logits.mul(tf.oneHot(targets, C)).sum(1);
    return zy.sub(zt).neg().div(top[0].sub(top[2].add(p4).mul(0.5)).add(1e-12)) as tf.Tensor1D;
  });
}

/**
 * DLR per row of read-back logits (float64), the same formulas as dlrLoss / dlrTargetedLoss: the per-example
 * bookkeeping (best iterate, APGD's step-size checks) must judge progress on the loss the gradient ascends.
 */
export function dlrRows(
  logits: ArrayLike<number>,
  n: number,
  numClasses: number,
  labels: Int32Array,
  targets: Int32Array | null,
  stride = numClasses,
): Float32Array {
  const out = new Float32Array(n);
  const row = new Float64Array(numClasses);
  for (let i = 0; i < n; i++) {
    const o = i * stride;
    for (let j = 0; j < numClasses; j++) row[j] = logits[o + j];
    const y = labels[i];
    const sorted = Array.from(row).sort((a, b) => b - a);
    if (targets) {
      const p4 = sorted[3] ?? sorted[2];
      out[i] = -(row[y] - row[targets[i]]) / (sorted[0] - 0.5 * (sorted[2] + p4) + 1e-12);
    } else {
      let other = -Infinity;
      for (let j = 0; j < numClasses; j++) if (j !== y && row[j] > other) other = row[j];
      out[i] = -(row[y] - other) / (sorted[0] - sorted[2] + 1e-12);
    }
  }
  return out;
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
