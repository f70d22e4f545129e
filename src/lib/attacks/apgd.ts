/**
 * APGD-CE (Croce & Hein 2020): PGD without a step-size parameter. Steps use momentum α = 0.75,
 *   z = P(x_k + η·sign(∇)),  x_{k+1} = P(x_k + α(z − x_k) + (1 − α)(x_k − x_{k−1})),
 * starting from η = 2ε. At checkpoints w_j = ⌈p_j·N⌉ (p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06))
 * an example's η is halved and its iterate restarts from its best point when
 *   (1) the objective rose in fewer than ρ = 0.75 of the steps since the last checkpoint, or
 *   (2) η was not reduced at the last checkpoint and the best objective has not improved since.
 * The L2 variant steps along ∇/‖∇‖₂.
 *
 * Three registry entries share that rule: APGD-CE (cross-entropy), APGD-DLR (the Difference of Logits Ratio, which
 * is invariant to shifting and rescaling the logits) and APGD-T (targeted DLR towards each of the top-9 other
 * classes in turn, on the examples still unbroken, counting any misclassification as success).
 */
import * as tf from '@tensorflow/tfjs';
import { gatherRows, indicesWhere, pick, replaceRows, selectRows } from './batch';
import { readLogits, runEpsilonCurve, type CurveContext } from './epsilon-curve';
import { iterativeAtEpsilon, type IterativeSettings, type StepRuleFactory } from './iterative';
import { DLR_MIN_CLASSES, rowStats, type AttackLoss } from './losses';
import { settingsRecord } from './pgd';
import { perExample } from './perturbation';
import { exactSign, l2Normalise } from './step-rules';
import type { AttackOptions, AttackSpec } from './types';

const ALPHA = 0.75;
const RHO = 0.75;

/** Steps at which APGD checks progress (strictly between 0 and steps). */
export function apgdCheckpoints(steps: number): number[] {
  const p = [0, 0.22];
  while (p[p.length - 1] < 1) {
    const a = p[p.length - 1];
    const b = p[p.length - 2];
    p.push(a + Math.max(a - b - 0.03, 0.06));
  }
  const w = new Set(p.map((v) => Math.ceil(v * steps - 1e-9)).filter((v) => v > 0 && v < steps));
  return [...w].sort((a, b) => a - b);
}

export function apgdStep(norm: 'linf' | 'l2', steps: number, alpha = ALPHA): StepRuleFactory {
  const checks = new Set(apgdCheckpoints(steps));
  return (n) => {
    const scale = new Float32Array(n).fill(1);
    let fMax = new Float32Array(n);
    let fMaxAtCheck = new Float32Array(n);
    let prevObjective = new Float32Array(n);
    const rises = new Int32Array(n);
    let reducedAtCheck = new Uint8Array(n);
    let lastCheck = 0;
    let xPrev: tf.Tensor | null = null;
    let xMax: tf.Tensor | null = null;
    let gradMax: tf.Tensor | null = null;
    const swap = (old: tf.Tensor | null, t: tf.Tensor) => {
      old?.dispose();
      return tf.keep(t);
    };
    return {
      next(s) {
        const obj = s.objective;
        if (s.k === 0) {
          fMax = Float32Array.from(obj);
          fMaxAtCheck = Float32Array.from(obj);
          xMax = swap(xMax, s.x.clone());
          gradMax = swap(gradMax, s.grad.clone());
        } else {
          const improved = new Uint8Array(n);
          for (let i = 0; i < n; i++) {
            if (obj[i] > prevObjective[i]) rises[i]++;
            if (obj[i] > fMax[i]) {
              improved[i] = 1;
              fMax[i] = obj[i];
            }
          }
          if (improved.some((v) => v === 1)) {
            xMax = swap(xMax, selectRows(improved, s.x, xMax!));
            gradMax = swap(gradMax, selectRows(improved, s.grad, gradMax!));
          }
        }
        prevObjective = Float32Array.from(obj);
        let x = s.x;
        let g = s.grad;
        let prev = xPrev;
        if (checks.has(s.k)) {
          const interval = s.k - lastCheck;
          const flag = new Uint8Array(n);
          for (let i = 0; i < n; i++) {
            const fewRises = rises[i] < RHO * interval;
            const stalled = !reducedAtCheck[i] && fMaxAtCheck[i] >= fMax[i];
            if (fewRises || stalled) {
              flag[i] = 1;
              scale[i] /= 2;
            }
          }
          reducedAtCheck = flag;
          fMaxAtCheck = Float32Array.from(fMax);
          rises.fill(0);
          lastCheck = s.k;
          if (flag.some((v) => v === 1)) {
            x = selectRows(flag, xMax!, s.x);
            g = selectRows(flag, gradMax!, s.grad);
            prev = selectRows(flag, xMax!, prev ?? s.x);
          }
        }
        const eta = s.stepSize.mul(perExample(scale, s.x.rank));
        const direction = norm === 'linf' ? exactSign(g) : l2Normalise(g);
        const z = s.project(x.add(eta.mul(direction)));
        const out = prev === null ? z : s.project(x.add(z.sub(x).mul(alpha)).add(x.sub(prev).mul(1 - alpha)));
        xPrev = swap(xPrev, x.clone());
        return out;
      },
      dispose() {
        xPrev?.dispose();
        xMax?.dispose();
        gradMax?.dispose();
      },
    };
  };
}

function apgdSettings(opts: AttackOptions, loss: AttackLoss): IterativeSettings {
  const norm = opts.norm === 'l2' ? 'l2' : 'linf';
  const steps = opts.steps ?? 100;
  return {
    norm,
    steps,
    stepSize: opts.stepSize,
    relativeStepSize: opts.relativeStepSize ?? 2,
    randomStart: opts.randomStart ?? true,
    restarts: opts.restarts ?? 1,
    rule: apgdStep(norm, steps, opts.momentum ?? ALPHA),
    loss,
  };
}

function checkDlrClasses(id: string, numClasses: number): void {
  if (numClasses < DLR_MIN_CLASSES) {
    throw new Error(`${id}: the DLR loss needs a model with at least ${DLR_MIN_CLASSES} classes, this one has ${numClasses} (use apgd-ce)`);
  }
}

function apgdWithLoss(id: string, name: string, loss: AttackLoss, description: string): AttackSpec {
  return {
    id,
    name,
    norm: 'linf',
    norms: ['linf', 'l2'],
    kind: 'gradient',
    targeted: true,
    needs: 'gradients',
    defaults: { steps: 100, randomStart: true, restarts: 1 },
    description,
    reference: 'Croce & Hein 2020 (AutoAttack)',
    async run(model, x, labels, opts) {
      if (loss === 'dlr') checkDlrClasses(id, model.numClasses);
      const settings = apgdSettings(opts, loss);
      return runEpsilonCurve(model, x, labels, opts, {
        caps: { id, norms: ['linf', 'l2'], targeted: true },
        hyperparameters: { ...settingsRecord(settings), momentum: opts.momentum ?? ALPHA, rho: RHO, loss },
        atEpsilon: (ctx, xRows, rows, eps) => iterativeAtEpsilon(ctx, xRows, rows, eps, settings),
      });
    },
  };
}

export const apgdCe = apgdWithLoss('apgd-ce', 'APGD-CE', 'ce', 'Auto-PGD on cross-entropy: momentum steps with a step size halved whenever progress stalls.');

export const apgdDlr = apgdWithLoss(
  'apgd-dlr',
  'APGD-DLR',
  'dlr',
  'Auto-PGD on the Difference of Logits Ratio, a margin loss that rescaling or shifting the logits cannot flatten.',
);

/** APGD-T's default number of target classes (AutoAttack's standard version). */
export const APGD_T_TARGETS = 9;

/**
 * Per row, the other classes in decreasing order of clean logit, the first `count` of them: APGD-T's targets (the
 * classes most likely to be reachable).
 */
export function rankedTargets(logits: ArrayLike<number>, labels: Int32Array, numClasses: number, count: number): Int32Array[] {
  const n = labels.length;
  const lists: Int32Array[] = Array.from({ length: count }, () => new Int32Array(n));
  for (let i = 0; i < n; i++) {
    const others = Array.from({ length: numClasses }, (_, j) => j).filter((j) => j !== labels[i]);
    others.sort((a, b) => logits[i * numClasses + b] - logits[i * numClasses + a] || a - b);
    for (let r = 0; r < count; r++) lists[r][i] = others[r];
  }
  return lists;
}

/** APGD-T at one ε: a targeted-DLR run towards each ranked target in turn, only on the rows still unbroken. */
async function apgdTargetsAtEpsilon(
  ctx: CurveContext,
  xRows: tf.Tensor,
  rows: Int32Array,
  epsilon: number,
  settings: IterativeSettings,
  count: number,
): Promise<{ adversarial: tf.Tensor; queries: number }> {
  const C = ctx.model.numClasses;
  const labels = pick(ctx.labels, rows);
  const clean = await readLogits(ctx.model, xRows);
  let queries = rows.length;
  const ranked = rankedTargets(clean, labels, C, count);
  let adversarial = xRows.clone();
  const broken = new Uint8Array(rows.length);
  try {
    for (const targets of ranked) {
      const local = indicesWhere(broken, 0);
      if (local.length === 0) break;
      const xSub = gatherRows(xRows, local);
      let out: { adversarial: tf.Tensor; queries: number };
      try {
        out = await iterativeAtEpsilon(ctx, xSub, pick(rows, local), epsilon, settings, ctx.model, { lossTargets: pick(targets, local) });
      } finally {
        xSub.dispose();
      }
      queries += out.queries;
      const logits = await readLogits(ctx.model, out.adversarial);
      const stats = rowStats(logits, local.length, C, pick(labels, local), null);
      const won: number[] = [];
      const at: number[] = [];
      local.forEach((row, i) => {
        if (stats.success[i]) {
          broken[row] = 1;
          won.push(i);
          at.push(row);
        }
      });
      if (won.length > 0) {
        const better = gatherRows(out.adversarial, Int32Array.from(won));
        const merged = replaceRows(adversarial, better, Int32Array.from(at));
        better.dispose();
        adversarial.dispose();
        adversarial = merged;
      }
      out.adversarial.dispose();
    }
  } catch (err) {
    adversarial.dispose();
    throw err;
  }
  return { adversarial, queries };
}

export const apgdT: AttackSpec = {
  id: 'apgd-t',
  name: 'APGD-T',
  norm: 'linf',
  norms: ['linf', 'l2'],
  kind: 'gradient',
  targeted: false,
  needs: 'gradients',
  defaults: { steps: 100, randomStart: true, restarts: 1 },
  description:
    'Auto-PGD on the targeted DLR loss, aimed in turn at each of the 9 classes with the highest clean logits; any misclassification counts.',
  reference: 'Croce & Hein 2020 (AutoAttack)',
  async run(model, x, labels, opts) {
    checkDlrClasses('apgd-t', model.numClasses);
    const settings = apgdSettings(opts, 'dlr');
    const count = Math.min(APGD_T_TARGETS, model.numClasses - 1);
    return runEpsilonCurve(model, x, labels, opts, {
      caps: { id: 'apgd-t', norms: ['linf', 'l2'], targeted: false },
      hyperparameters: { ...settingsRecord(settings), momentum: opts.momentum ?? ALPHA, rho: RHO, loss: 'dlr-targeted', targetClasses: count },
      atEpsilon: (ctx, xRows, rows, eps) => apgdTargetsAtEpsilon(ctx, xRows, rows, eps, settings, count),
    });
  },
};
