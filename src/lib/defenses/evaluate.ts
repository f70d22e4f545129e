/**
 * Robust accuracy of a defended model, judged the way the defense is deployed: the attack crafts its examples
 * against the defended model with some gradient mode (naive, BPDA, EOT), and each adversarial example is then
 * classified by the real defense — for a randomised one, with a fresh random draw the attacker never saw. An
 * example counts as robust when that deployed prediction is still the label.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackModel, AttackOptions, AttackSpec } from '../attacks/types';
import { createRng } from '../util/rng';
import { defend, type DefendOptions } from './defend';
import type { InputTransform } from './transform';

export interface DefenseEvalOptions extends Omit<AttackOptions, 'seed'> {
  gradient: DefendOptions['gradient'];
  /** EOT draws per forward pass of the attacker's model. */
  samples?: number;
  seed?: number;
}

export interface DefenseEvalResult {
  /** Accuracy of the deployed defense on the clean inputs. */
  cleanAccuracy: number;
  epsilons: number[];
  robustAccuracy: number[];
  /** Per ε, 1 where the deployed defense still predicts the label. */
  correct: Uint8Array[];
}

/** Predictions of the deployed defense (a fresh draw for randomised transforms). */
export async function deployedPredictions(model: AttackModel, transform: InputTransform, x: tf.Tensor, seed: number): Promise<Int32Array> {
  const deployed = defend(model, transform, { gradient: 'naive', seed });
  const p = tf.tidy(() => deployed.logits(x).argMax(1));
  const out = Int32Array.from(await p.data());
  p.dispose();
  return out;
}

export async function evaluateDefense(
  model: AttackModel,
  transform: InputTransform,
  attack: AttackSpec,
  x: tf.Tensor,
  labels: Int32Array,
  opts: DefenseEvalOptions,
): Promise<DefenseEvalResult> {
  const rng = createRng(opts.seed ?? 0);
  const attackerSeed = rng.seed();
  const deploySeed = rng.seed();
  const attacked = defend(model, transform, { gradient: opts.gradient, samples: opts.samples, seed: attackerSeed });
  const { gradient: _g, samples: _s, ...attackOpts } = opts;
  const score = (pred: Int32Array) => Uint8Array.from(pred, (p, i) => (p === labels[i] ? 1 : 0));
  const clean = score(await deployedPredictions(model, transform, x, deploySeed));
  const result = await attack.run(attacked, x, labels, { ...attackOpts, seed: rng.seed() });
  const correct: Uint8Array[] = [];
  try {
    for (const r of result.results) correct.push(score(await deployedPredictions(model, transform, r.adversarial, deploySeed)));
  } finally {
    result.results.forEach((r) => r.adversarial.dispose());
  }
  const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;
  return { cleanAccuracy: mean(clean), epsilons: opts.epsilons, robustAccuracy: correct.map(mean), correct };
}
