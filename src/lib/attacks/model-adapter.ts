/**
 * Adapters from tfjs models to the attack contract (types.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { compileDirectForward, compileInputGradientForward, compileInputGradientPass, type InputGradientPass } from '../models/input-gradient-forward';
import type { AttackModel, ScoreOracle } from './types';

/**
 * Wraps a LayersModel (outputting logits) as an AttackModel. `apply(x, {training: false})` keeps dropout/batch-norm
 * in inference mode while letting gradients flow to x (predict() would not record them). Where the model is a
 * plain chain of common layers, the same function runs as unfused ops instead, so that ∂loss/∂x computes no
 * weight gradients (see models/input-gradient-forward.ts; about 2× faster attack steps on wasm).
 */
export function layersModelAsAttackModel(
  model: tf.LayersModel,
  bounds: [number, number] = [0, 1],
): AttackModel {
  const inShape = model.inputs[0].shape.slice(1);
  if (inShape.some((d) => d == null)) throw new Error('model: input shape must be fully defined per example');
  const outShape = model.outputs[0].shape;
  const numClasses = outShape[outShape.length - 1];
  if (numClasses == null) throw new Error('model: output width must be defined');
  const forward = compileInputGradientForward(model);
  const direct = compileDirectForward(model);
  const adapted: AttackModel = {
    // Under a gradient tape the unfused ops; without one (plain inference) the fused kernels, called directly where
    // the model is a chain the tape-free pass covers (tfjs-layers' apply costs more than the arithmetic at batch 1).
    logits: (x) =>
      (tf.engine().state.gradientDepth > 0 ? (forward ? forward(x) : model.apply(x, { training: false })) : direct ? direct(x) : model.apply(x, { training: false })) as tf.Tensor2D,
    numClasses,
    inputShape: inShape as number[],
    bounds,
  };
  const pass = compileInputGradientPass(model);
  if (pass) PASSES.set(adapted.logits, pass);
  return adapted;
}

/**
 * Written-out forward-backward passes (models/input-gradient-forward.ts), keyed by the `logits` function they
 * compute. Keyed by the function, not stored on the model object: a wrapper that spreads a model and replaces
 * `logits` (a defense, a recorder) must never inherit a pass that bypasses its own logits.
 */
const PASSES = new WeakMap<AttackModel['logits'], InputGradientPass>();

/** The model's tape-free logits + input-gradient pass, or null (then ∂/∂x goes through tf.grad of `logits`). */
export function inputGradientPassOf(model: AttackModel): InputGradientPass | null {
  return PASSES.get(model.logits) ?? null;
}

/**
 * The model with `observe(x, withGradient)` called before every pass it runs (a forward, or a forward-backward
 * under a tape or through the written-out pass), keeping the inner model's written-out pass. For counting passes
 * or FLOPs and for recording the iterates an attack evaluates.
 */
export function observedModel(model: AttackModel, observe: (x: tf.Tensor, withGradient: boolean) => void): AttackModel {
  const wrapped: AttackModel = {
    ...model,
    logits: (x) => {
      observe(x, tf.engine().state.gradientDepth > 0);
      return model.logits(x);
    },
  };
  const pass = inputGradientPassOf(model);
  if (pass) {
    PASSES.set(wrapped.logits, (x, dLogits, derived) => {
      observe(x, true);
      return pass(x, dLogits, derived);
    });
  }
  return wrapped;
}

/** A query-counting score oracle over a model's forward pass (no gradient is ever asked for). */
export interface CountingOracle extends ScoreOracle {
  /** Examples evaluated so far (a batch of n counts n). */
  readonly queries: number;
}

export function scoreOracle(model: AttackModel): CountingOracle {
  let queries = 0;
  return {
    scores(x) {
      queries += x.shape[0];
      return model.logits(x);
    },
    numClasses: model.numClasses,
    inputShape: model.inputShape,
    bounds: model.bounds,
    get queries() {
      return queries;
    },
  };
}
