/** The plain step rules of the iterative loop. */
import * as tf from '@tensorflow/tfjs';
import { flatten } from './perturbation';
import type { StepRuleFactory } from './iterative';

/** L∞ steepest ascent: x + α·sign(∇) (FGSM, BIM, PGD-L∞). */
export const signStep: StepRuleFactory = () => ({
  next: (s) => s.x.add(s.stepSize.mul(s.grad.sign())),
});

/** ∇ / ‖∇‖₂ per example (zero where the gradient vanishes). */
export function l2Normalise(g: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const len = flatten(g).square().sum(1).sqrt().reshape([g.shape[0], ...new Array<number>(g.rank - 1).fill(1)]);
    return g.div(tf.maximum(len, 1e-12));
  });
}

/** L2 steepest ascent: x + α·∇/‖∇‖₂ (PGD-L2). */
export const l2Step: StepRuleFactory = () => ({
  next: (s) => s.x.add(s.stepSize.mul(l2Normalise(s.grad))),
});

export function stepFor(norm: 'linf' | 'l2'): StepRuleFactory {
  return norm === 'linf' ? signStep : l2Step;
}
