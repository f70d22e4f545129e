/** The plain step rules of the iterative loop. */
import * as tf from '@tensorflow/tfjs';
import { flatten } from './perturbation';
import type { StepRuleFactory } from './iterative';

/**
 * sign(g) from comparisons. tf.sign on the wasm backend returns 0 for tiny values (|g| ~ 1e-18, common when the
 * cross-entropy of a confident model nearly saturates), which would freeze every sign-step attack.
 */
export function exactSign(g: tf.Tensor): tf.Tensor {
  return tf.tidy(() => g.greater(0).cast('float32').sub(g.less(0).cast('float32')));
}

/**
 * g divided by its largest |gᵢ| per example (0 where g is all zero): brings gradients of ~1e-18 to O(1) before any
 * norm is taken, so normalising never divides by an underflowed length.
 */
export function rescalePerExample(g: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const shape = [g.shape[0], ...new Array<number>(g.rank - 1).fill(1)];
    const top = flatten(g).abs().max(1).reshape(shape);
    return tf.where(top.greater(0).tile([1, ...g.shape.slice(1)]), g.div(tf.maximum(top, 1e-37)), tf.zerosLike(g));
  });
}

/** L∞ steepest ascent: x + α·sign(∇) (FGSM, BIM, PGD-L∞). */
export const signStep: StepRuleFactory = () => ({
  next: (s) => s.x.add(s.stepSize.mul(exactSign(s.grad))),
  plainSign: true,
});

/** ∇ / ‖∇‖₂ per example (zero where the gradient vanishes). */
export function l2Normalise(g: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const r = rescalePerExample(g);
    const len = flatten(r).square().sum(1).sqrt().reshape([g.shape[0], ...new Array<number>(g.rank - 1).fill(1)]);
    return r.div(tf.maximum(len, 1e-12));
  });
}

/** L2 steepest ascent: x + α·∇/‖∇‖₂ (PGD-L2). */
export const l2Step: StepRuleFactory = () => ({
  next: (s) => s.x.add(s.stepSize.mul(l2Normalise(s.grad))),
});

export function stepFor(norm: 'linf' | 'l2'): StepRuleFactory {
  return norm === 'linf' ? signStep : l2Step;
}
