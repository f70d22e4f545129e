/**
 * APGD-CE (Croce & Hein 2020): PGD without a step-size parameter. Steps use momentum α = 0.75,
 *   z = P(x_k + η·sign(∇)),  x_{k+1} = P(x_k + α(z − x_k) + (1 − α)(x_k − x_{k−1})),
 * starting from η = 2ε. At checkpoints w_j = ⌈p_j·N⌉ (p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06))
 * an example's η is halved and its iterate restarts from its best point when
 *   (1) the objective rose in fewer than ρ = 0.75 of the steps since the last checkpoint, or
 *   (2) η was not reduced at the last checkpoint and the best objective has not improved since.
 * The L2 variant steps along ∇/‖∇‖₂.
 */
import * as tf from '@tensorflow/tfjs';
import { selectRows } from './batch';
import { runEpsilonCurve } from './epsilon-curve';
import { iterativeAtEpsilon, type IterativeSettings, type StepRuleFactory } from './iterative';
import { settingsRecord } from './pgd';
import { perExample } from './perturbation';
import { exactSign, l2Normalise } from './step-rules';
import type { AttackSpec } from './types';

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

export const apgdCe: AttackSpec = {
  id: 'apgd-ce',
  name: 'APGD-CE',
  norm: 'linf',
  norms: ['linf', 'l2'],
  kind: 'gradient',
  targeted: true,
  needs: 'gradients',
  defaults: { steps: 100, randomStart: true, restarts: 1 },
  description: 'Auto-PGD on cross-entropy: momentum steps with a step size halved whenever progress stalls.',
  reference: 'Croce & Hein 2020 (AutoAttack)',
  run(model, x, labels, opts) {
    const norm = opts.norm === 'l2' ? 'l2' : 'linf';
    const steps = opts.steps ?? 100;
    const settings: IterativeSettings = {
      norm,
      steps,
      stepSize: opts.stepSize,
      relativeStepSize: opts.relativeStepSize ?? 2,
      randomStart: opts.randomStart ?? true,
      restarts: opts.restarts ?? 1,
      rule: apgdStep(norm, steps, opts.momentum ?? ALPHA),
    };
    return runEpsilonCurve(model, x, labels, opts, {
      caps: { id: 'apgd-ce', norms: ['linf', 'l2'], targeted: true },
      hyperparameters: { ...settingsRecord(settings), momentum: opts.momentum ?? ALPHA, rho: RHO },
      atEpsilon: (ctx, xRows, rows, eps) => iterativeAtEpsilon(ctx, xRows, rows, eps, settings),
    });
  },
};
