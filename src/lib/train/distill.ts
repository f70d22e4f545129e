/**
 * Defensive distillation (Papernot et al. 2016): a student learns a teacher's soft labels with its own softmax taken
 * at a high temperature T, softmax(z/T). At test time the student is used at T = 1, so its logits are about T times
 * larger than a normally trained net's: the softmax saturates to one-hot, the cross-entropy gradient underflows to
 * (almost) zero, and gradient attacks on the cross-entropy stall. The logits themselves still carry the decision,
 * which is why a loss on the logits (Carlini & Wagner 2017) breaks it — the defense masks gradients, it does not
 * move the boundary.
 *
 * The soft labels here are the teacher's softmax at T = 1. In the paper the teacher is itself trained at T and its
 * labels are read at T, which gives much the same distribution; taking them at T = 1 lets any trained model (the
 * zoo's mnist-cnn) be the teacher. The student learns z/T ≈ teacher logits (+ a constant), so z ≈ T · teacher logits.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackModel } from '../attacks/types';

/** The teacher's class probabilities for a batch (no gradient is recorded through the teacher). */
export function teacherSoftLabels(teacher: AttackModel, x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.softmax(teacher.logits(x)) as tf.Tensor2D);
}

/** Mean cross-entropy between soft labels and softmax(studentLogits / T), the distillation objective. */
export function distillationLoss(studentLogits: tf.Tensor2D, soft: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => tf.logSoftmax(studentLogits.div(temperature)).mul(soft).sum(1).mean().neg() as tf.Scalar);
}
