/**
 * Minimisation attacks (C&W, DeepFool, JSMA) run once per call on the examples robust on clean inputs; at each ε
 * their perturbation is projected onto the ε-ball (foolbox's way: a δ longer than ε is shortened, not discarded)
 * and the driver checks whether the projected point is still adversarial.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherRows } from './batch';
import type { CurveAttack, CurveContext } from './epsilon-curve';
import { perExample, projectL0, projectToBall } from './perturbation';
import type { Norm } from './types';
import type { AttackCapabilities } from './validate';

/** Finds, for rows `rows` of the batch (given as xRows), the smallest adversarial it can; returns a new tensor. */
export type Minimizer = (ctx: CurveContext, xRows: tf.Tensor, rows: Int32Array) => Promise<{ adversarial: tf.Tensor; queries: number }>;

/** Projects x' onto the ε-ball of `norm` around x (and the box). */
export async function projectOntoBall(xAdv: tf.Tensor, x: tf.Tensor, epsilon: number, norm: Norm, bounds: [number, number]): Promise<tf.Tensor> {
  const n = x.shape[0];
  if (norm === 'l0') return projectL0(xAdv, x, new Float32Array(n).fill(epsilon));
  const eps = perExample(new Float32Array(n).fill(epsilon), x.rank);
  try {
    return projectToBall(xAdv, x, eps, norm, bounds);
  } finally {
    eps.dispose();
  }
}

export function minimizationCurve(
  caps: AttackCapabilities,
  hyperparameters: Record<string, number | string | boolean>,
  minimize: Minimizer,
): CurveAttack {
  let found: tf.Tensor | null = null;
  const position = new Map<number, number>();
  return {
    caps,
    hyperparameters,
    async prepare(ctx, xRows, rows) {
      const out = await minimize(ctx, xRows, rows);
      found = out.adversarial;
      rows.forEach((r, i) => position.set(r, i));
      return out.queries;
    },
    async atEpsilon(ctx, xRows, rows, epsilon) {
      const at = Int32Array.from(rows, (r) => position.get(r)!);
      const mine = gatherRows(found!, at);
      try {
        return { adversarial: await projectOntoBall(mine, xRows, epsilon, ctx.norm, ctx.model.bounds), queries: 0 };
      } finally {
        mine.dispose();
      }
    },
    dispose() {
      found?.dispose();
      found = null;
    },
  };
}
