/**
 * Randomized smoothing (Cohen, Rosenfeld & Kolter 2019). The smoothed classifier g(x) = argmax_c P(f(x + η) = c),
 * η ~ N(0, σ²I), is estimated by Monte Carlo. CERTIFY: n0 draws pick the top class ĉ; n fresh draws count it;
 * p̲A is the one-sided (1 − α) Clopper–Pearson lower bound on P(f(x + η) = ĉ); if p̲A > ½, g is certified to
 * predict ĉ on the whole L2 ball of radius σ·Φ⁻¹(p̲A) around x (with probability ≥ 1 − α over the draws), else
 * it abstains. PREDICT: n draws, and an answer only when a two-sided binomial test says the top two counts differ
 * at level α. Draws are made in fixed-size batches of noisy copies of one example (the noise is not clipped to
 * [0, 1]: the certificate is for the Gaussian). Every random stream is seeded.
 *
 * Attacking g: PGD-L2 on the "soft" smoothed classifier, log E_η[softmax f(x + η)], with the expectation replaced
 * by an average over k draws per step (Salman et al. 2019's SmoothAdv; EOT over the noise) — the model from
 * `smoothedAttackModel`.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackModel } from '../attacks/types';
import { iterativeAttack } from '../attacks/iterative';
import { stepFor } from '../attacks/step-rules';
import { createRng } from '../util/rng';
import { throwIfCancelled } from '../util/cancel';
import type { ExampleSet } from '../data/examples';
import { defend } from './defend';
import { gaussianNoise } from './noise';
import { binomialTestHalf, clopperPearsonLower, normalQuantile } from './stats';
import { checkRange } from './transform';

export const ABSTAIN = -1;

export interface SmoothingOptions {
  sigma: number;
  /** Noisy copies evaluated per forward pass (default 500). */
  batchSize?: number;
  seed?: number;
}

/** How often the base model predicts each class on `num` noisy copies of one example x1 ([1, …inputShape]). */
export async function noisyClassCounts(model: AttackModel, x1: tf.Tensor, num: number, opts: SmoothingOptions): Promise<Int32Array> {
  checkRange(opts.sigma, 'σ', 1e-3, 10);
  checkRange(num, 'number of draws', 1, 1e8, true);
  if (x1.shape[0] !== 1) throw new Error(`noisyClassCounts takes one example at a time, got a batch of ${x1.shape[0]}`);
  const batch = opts.batchSize ?? 500;
  checkRange(batch, 'batch size', 1, 1e5, true);
  const rng = createRng(opts.seed ?? 0);
  const counts = new Int32Array(model.numClasses);
  for (let done = 0; done < num; done += batch) {
    const b = Math.min(batch, num - done);
    const pred = tf.tidy(() => {
      const tiled = tf.tile(x1, [b, ...new Array(x1.rank - 1).fill(1)]);
      return model.logits(tiled.add(tf.randomNormal(tiled.shape, 0, opts.sigma, 'float32', rng.seed()))).argMax(1);
    });
    const p = await pred.data();
    pred.dispose();
    for (let i = 0; i < b; i++) counts[p[i]]++;
  }
  return counts;
}

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

export interface Certificate {
  /** The certified class, or ABSTAIN. */
  prediction: number;
  /** Certified L2 radius σ·Φ⁻¹(p̲A) (0 when abstaining). */
  radius: number;
  /** The Clopper–Pearson lower bound p̲A. */
  pA: number;
  /** Count of the selected class among the n estimation draws. */
  nA: number;
}

export interface CertifyOptions extends SmoothingOptions {
  /** Selection draws (Cohen et al.: 100). */
  n0: number;
  /** Estimation draws (Cohen et al.: 100 000). */
  n: number;
  /** Failure probability of the certificate (Cohen et al.: 0.001). */
  alpha: number;
}

/** The certified radius for nA of n draws at level α with noise σ (ABSTAIN-worthy when p̲A ≤ ½: radius 0). */
export function certifiedRadius(nA: number, n: number, alpha: number, sigma: number): { pA: number; radius: number } {
  const pA = clopperPearsonLower(nA, n, alpha);
  return { pA, radius: pA > 0.5 ? sigma * normalQuantile(pA) : 0 };
}

export async function certify(model: AttackModel, x1: tf.Tensor, opts: CertifyOptions): Promise<Certificate> {
  checkRange(opts.n0, 'n0', 1, 1e8, true);
  checkRange(opts.alpha, 'α', 1e-12, 0.5);
  const rng = createRng(opts.seed ?? 0);
  const selection = await noisyClassCounts(model, x1, opts.n0, { ...opts, seed: rng.seed() });
  const cA = argmax(selection);
  const estimation = await noisyClassCounts(model, x1, opts.n, { ...opts, seed: rng.seed() });
  const nA = estimation[cA];
  const { pA, radius } = certifiedRadius(nA, opts.n, opts.alpha, opts.sigma);
  return pA > 0.5 ? { prediction: cA, radius, pA, nA } : { prediction: ABSTAIN, radius: 0, pA, nA };
}

/** Cohen et al.'s PREDICT: the top class of n draws, or ABSTAIN when it does not beat the runner-up at level α. */
export async function smoothedPredict(model: AttackModel, x1: tf.Tensor, n: number, alpha: number, opts: SmoothingOptions): Promise<number> {
  const counts = await noisyClassCounts(model, x1, n, opts);
  const top = argmax(counts);
  let second = -1;
  for (let c = 0; c < counts.length; c++) if (c !== top && (second < 0 || counts[c] > counts[second])) second = c;
  const nB = second < 0 ? 0 : counts[second];
  return binomialTestHalf(counts[top], counts[top] + nB) <= alpha ? top : ABSTAIN;
}

/** The soft smoothed classifier an attacker differentiates: log of the class probabilities averaged over k draws. */
export function smoothedAttackModel(model: AttackModel, sigma: number, samples: number, seed = 0): AttackModel {
  return defend(model, gaussianNoise(sigma, { clip: false }), { gradient: 'eot', samples, seed });
}

export interface SmoothedAttackOptions {
  sigma: number;
  /** Noise draws averaged per step (EOT). */
  samples: number;
  steps: number;
  seed?: number;
  signal?: AbortSignal;
}

/**
 * PGD-L2 against the smoothed classifier with a separate budget per example (e.g. just under each certified
 * radius), away from `classes` (the smoothed predictions). Returns the adversarial batch (caller disposes).
 */
export async function attackSmoothed(
  model: AttackModel,
  x: tf.Tensor,
  classes: Int32Array,
  epsilons: Float32Array,
  opts: SmoothedAttackOptions,
): Promise<tf.Tensor> {
  if (epsilons.length !== x.shape[0] || classes.length !== x.shape[0]) throw new Error('attackSmoothed: one class and one ε per example');
  const rng = createRng(opts.seed ?? 0);
  const soft = smoothedAttackModel(model, opts.sigma, opts.samples, rng.seed());
  const out = await iterativeAttack(soft, x, {
    norm: 'l2',
    steps: opts.steps,
    epsilon: epsilons,
    stepSize: epsilons.map((e) => (2.5 * e) / opts.steps),
    randomStart: false,
    restarts: 1,
    seed: rng.seed(),
    rule: stepFor('l2'),
    labels: classes,
    targets: null,
    reportEpsilon: 0,
    signal: opts.signal,
  });
  return out.adversarial;
}

/** Certified accuracy at radius r: the share of examples certified with the right class and a radius ≥ r. */
export function certifiedAccuracy(certs: Certificate[], labels: ArrayLike<number>, radii: number[]): number[] {
  return radii.map((r) => certs.filter((c, i) => c.prediction === labels[i] && c.radius >= r).length / Math.max(1, certs.length));
}

/** Certificates for examples 0…n−1 of a set, one CERTIFY per example (seeded per example), with progress. */
export async function certifyExamples(
  model: AttackModel,
  data: ExampleSet,
  n: number,
  opts: CertifyOptions & { signal?: AbortSignal; onExample?: (done: number, total: number) => void },
): Promise<{ certificates: Certificate[]; labels: Int32Array }> {
  checkRange(n, 'number of examples', 1, data.count, true);
  const certificates: Certificate[] = [];
  const labels = new Int32Array(n);
  const rng = createRng(opts.seed ?? 0);
  for (let i = 0; i < n; i++) {
    throwIfCancelled(opts.signal);
    const { x, y } = data.batch([i]);
    try {
      labels[i] = (await y.data())[0];
      certificates.push(await certify(model, x, { ...opts, seed: rng.seed() }));
    } finally {
      x.dispose();
      y.dispose();
    }
    opts.onExample?.(i + 1, n);
  }
  return { certificates, labels };
}
