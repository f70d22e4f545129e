/**
 * A defended model: the base model behind an input transform, itself an AttackModel, so every attack, curve and
 * report runs on it unchanged. The forward pass is always the real defense; the gradient mode (transform.ts) only
 * decides what an attacker's autodiff sees.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackModel } from '../attacks/types';
import { createRng } from '../util/rng';
import { checkRange, GRADIENT_MODES, type GradientMode, type InputTransform } from './transform';

export interface DefendOptions {
  gradient?: GradientMode;
  /** EOT: random draws averaged per forward pass (default 16; 'eot' with 1 draw is the single-draw attack). */
  samples?: number;
  /** Seeds the stream of random draws (every forward pass takes the next ones). */
  seed?: number;
}

/** The transform with the identity as its backward pass (BPDA; Athalye et al. 2018, §4.1). */
export function straightThrough(t: InputTransform): InputTransform {
  return {
    ...t,
    apply: (x, seed) => {
      const f = tf.customGrad((input) => ({ value: t.apply(input as tf.Tensor, seed), gradFunc: (dy) => dy }));
      return f(x);
    },
  };
}

export function defend(model: AttackModel, transform: InputTransform, opts: DefendOptions = {}): AttackModel {
  const mode = opts.gradient ?? 'naive';
  if (!(GRADIENT_MODES as readonly string[]).includes(mode)) throw new Error(`gradient must be one of ${GRADIENT_MODES.join(', ')}, got ${mode}`);
  const samples = mode === 'eot' ? (opts.samples ?? 16) : 1;
  checkRange(samples, 'EOT samples', 1, 1024, true);
  const t = mode === 'bpda' ? straightThrough(transform) : transform;
  const rng = createRng(opts.seed ?? 0);
  return {
    numClasses: model.numClasses,
    inputShape: model.inputShape,
    bounds: model.bounds,
    logits(x) {
      if (mode !== 'eot' || !transform.randomized) return tf.tidy(() => model.logits(t.apply(x, rng.seed())));
      // EOT: log of the class probabilities averaged over k draws, computed as one batch of k·N. Its cross-entropy
      // is −log E[p_y], whose gradient is a probability-weighted average of the k draws' gradients.
      const seed = rng.seed();
      return tf.tidy(() => {
        const n = x.shape[0];
        const tiled = tf.tile(x, [samples, ...new Array(x.rank - 1).fill(1)]);
        const logp = tf.logSoftmax(model.logits(t.apply(tiled, seed))).reshape([samples, n, model.numClasses]);
        return tf.logSumExp(logp, 0).sub(Math.log(samples)) as tf.Tensor2D;
      });
    },
  };
}
