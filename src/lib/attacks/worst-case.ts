/**
 * Wrappers that keep the per-example worst case over several runs (AutoAttack's way; torchattacks MultiAttack):
 * run after run, only the examples not yet broken are attacked again, and at each ε an example counts as broken
 * when any run broke it. Targets are drawn once (by the first run) and handed to later runs, so every run aims at
 * the same class.
 *
 * - ensemble: a list of attacks by id, in order (the registry entry 'ensemble').
 * - withRestarts: one attack run several times with different seeds.
 */
import { checkpoint } from '../util/checkpoint';
import { gatherRows, pick, replaceRows } from './batch';
import type { AttackModel, AttackOptions, AttackResult, AttackSpec, Labels, Norm } from './types';
import { readLabels, validateModelAndInput, validateOptions } from './validate';
import type * as tf from '@tensorflow/tfjs';

export interface WorstCaseRun {
  name: string;
  run(model: AttackModel, x: tf.Tensor, labels: Int32Array, opts: AttackOptions): Promise<AttackResult>;
}

function disposeResult(r: AttackResult | null): void {
  r?.results.forEach((e) => e.adversarial.dispose());
}

export async function worstCaseOver(
  id: string,
  model: AttackModel,
  x: tf.Tensor,
  labelsIn: Labels,
  opts: AttackOptions,
  runs: WorstCaseRun[],
  hyperparameters: Record<string, number | string | boolean>,
): Promise<AttackResult> {
  validateOptions(opts, { id, norms: ['linf', 'l2', 'l0'], targeted: true });
  validateModelAndInput(model, x, id);
  const labels = await readLabels(labelsIn, x.shape[0], model.numClasses, id);
  const smallest = opts.epsilons.indexOf(Math.min(...opts.epsilons));
  let combined: AttackResult | null = null;
  try {
    for (const r of runs) {
      await checkpoint(opts.signal);
      if (combined === null) {
        combined = await r.run(model, x, labels, opts);
        continue;
      }
      const first: AttackResult = combined;
      const rows = Int32Array.from(
        Array.from(first.results[smallest].success.keys()).filter((i) => first.results[smallest].success[i] === 0),
      );
      if (rows.length === 0) break;
      const xSub = gatherRows(x, rows);
      const targets = first.targets;
      let sub: AttackResult;
      try {
        sub = await r.run(model, xSub, pick(labels, rows), {
          ...opts,
          ...(targets ? { target: { mode: 'given' as const, labels: pick(targets, rows) } } : {}),
        });
      } finally {
        xSub.dispose();
      }
      try {
        first.results.forEach((res, e) => {
          const s = sub.results[e];
          const local: number[] = [];
          const global: number[] = [];
          rows.forEach((row, i) => {
            if (!res.success[row] && s.success[i]) {
              local.push(i);
              global.push(row);
              res.success[row] = 1;
              res.predicted[row] = s.predicted[i];
              res.linf[row] = s.linf[i];
              res.l2[row] = s.l2[i];
              res.l0[row] = s.l0[i];
            }
          });
          if (local.length > 0) {
            const better = gatherRows(s.adversarial, Int32Array.from(local));
            const merged = replaceRows(res.adversarial, better, Int32Array.from(global));
            better.dispose();
            res.adversarial.dispose();
            res.adversarial = merged;
          }
          res.queries += s.queries;
        });
      } finally {
        disposeResult(sub);
      }
    }
  } catch (err) {
    disposeResult(combined);
    throw err;
  }
  const out: AttackResult = { attack: id, hyperparameters, results: combined!.results };
  if (combined!.targets) out.targets = combined!.targets;
  return out;
}

/** The attack run `restarts` times with seeds seed, seed+1, …, keeping the per-example worst case. */
export function withRestarts(spec: AttackSpec, restarts: number): AttackSpec {
  if (!Number.isInteger(restarts) || restarts < 1) throw new Error(`restarts must be an integer ≥ 1, got ${restarts}`);
  return {
    ...spec,
    name: `${spec.name} ×${restarts}`,
    async run(model, x, labels, opts) {
      const base = opts.seed ?? 0;
      const runs: WorstCaseRun[] = Array.from({ length: restarts }, (_, r) => ({
        name: `${spec.id}#${r}`,
        run: (m, xs, ys, o) => spec.run(m, xs, ys, { ...o, seed: base + r }),
      }));
      return worstCaseOver(spec.id, model, x, labels, opts, runs, { attack: spec.id, wrapperRestarts: restarts });
    },
  };
}

export const DEFAULT_ENSEMBLE = ['apgd-ce', 'square'];

/** The 'ensemble' registry entry; `resolve` looks attack ids up in the registry. */
export function makeEnsemble(resolve: (id: string) => AttackSpec): AttackSpec {
  return {
    id: 'ensemble',
    name: 'Ensemble (worst case)',
    norm: 'linf',
    norms: ['linf', 'l2', 'l0'],
    kind: 'ensemble',
    targeted: true,
    needs: 'gradients',
    defaults: { attacks: DEFAULT_ENSEMBLE },
    description: 'Runs a list of attacks in order, each only on examples still correct; per-example worst case.',
    reference: 'Croce & Hein 2020 (AutoAttack)',
    async run(model, x, labels, opts) {
      const ids = opts.attacks ?? DEFAULT_ENSEMBLE;
      if (!Array.isArray(ids) || ids.length === 0) throw new Error('ensemble: attacks must be a non-empty array of attack ids');
      const specs = ids.map((a) => {
        if (a === 'ensemble') throw new Error('ensemble: attacks cannot contain ensemble itself');
        return resolve(a);
      });
      const norm: Norm = opts.norm ?? specs[0].norm;
      for (const s of specs) {
        if (!s.norms.includes(norm)) throw new Error(`ensemble: attack '${s.id}' does not support norm '${norm}' (attacks)`);
        if (opts.targeted && !s.targeted) throw new Error(`ensemble: attack '${s.id}' does not support targeted mode (attacks)`);
      }
      const runs: WorstCaseRun[] = specs.map((s) => ({
        name: s.id,
        run: (m, xs, ys, o) => s.run(m, xs, ys, { ...o, norm, attacks: undefined }),
      }));
      return worstCaseOver('ensemble', model, x, labels, { ...opts, norm }, runs, { attacks: ids.join(','), norm });
    },
  };
}
