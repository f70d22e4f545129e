/**
 * The Defenses panel's worker methods: naive vs adaptive robust-accuracy curves for one defense on the same images,
 * and randomized smoothing's certified accuracy against radius next to the empirical PGD-L2 (EOT) curve. Arguments
 * are checked here with messages naming them; the work is src/lib/defenses.
 */
import * as tf from '@tensorflow/tfjs';
import { getAttack } from '../lib/attacks/registry';
import type { AttackModel } from '../lib/attacks/types';
import { DEFENSES, defenseInfo, settingField, type DefenseInfo } from '../lib/defenses/catalog';
import { evaluateDefense } from '../lib/defenses/evaluate';
import { makeTransform } from '../lib/defenses/registry';
import { certifiedAccuracy, certifyExamples, noisyClassCounts, smoothedAttackModel } from '../lib/defenses/smoothing';
import { examplesFor } from './datasets';
import { asJob, progressReporter, type ProgressCallback } from './jobs';
import { getModel, listModels, type ModelSummary } from './models';
import { checkNumber, checkParam, fail } from './checks';
import { DEFENSE_FIELDS } from '../lib/validate/numeric';

export interface DefenseCurvesRequest {
  modelId: string;
  defense: string;
  /** The defense's one setting (catalog.ts); its default when absent. */
  value?: number;
  /** L∞ budgets; 0 is added. */
  epsilons: number[];
  n: number;
  steps?: number;
  /** EOT draws for randomised defenses. */
  samples?: number;
  seed?: number;
}

export interface DefenseCurvesResult {
  defense: string;
  epsilons: number[];
  n: number;
  /** Robust accuracy per ε under the naive and the adaptive attack, judged by the deployed defense. */
  naive: number[];
  adaptive: number[];
  /** The same attack (PGD) on the undefended model, for reference. */
  undefended: number[];
  cleanAccuracy: number;
  undefendedClean: number;
  seconds: number;
}

export interface SmoothingRequest {
  modelId: string;
  sigma: number;
  /** L2 radii; 0 is added. */
  radii: number[];
  n: number;
  n0?: number;
  draws?: number;
  alpha?: number;
  steps?: number;
  samples?: number;
  /** Noise draws for the smoothed prediction of each attacked image. */
  predictDraws?: number;
  seed?: number;
}

export interface SmoothingResult {
  radii: number[];
  n: number;
  certified: number[];
  empirical: number[];
  abstained: number;
  meanRadius: number;
  settings: { sigma: number; n0: number; draws: number; alpha: number; steps: number; samples: number; predictDraws: number };
  seconds: number;
}

function checkGrid(values: unknown, name: string, max: number): number[] {
  if (!Array.isArray(values) || values.length === 0 || values.length > 20) fail(`${name} must be a list of 1–20 numbers`);
  const out = values.map((v, i) => checkNumber(v, `${name}[${i}]`, 0, max));
  return [...new Set([0, ...out])].sort((a, b) => a - b);
}

async function imageModel(id: string) {
  const cached = await getModel(id);
  if (cached.entry.kind !== 'image') fail(`${id} is a toy model: the defenses act on images`);
  return cached;
}

async function firstImages(cached: Awaited<ReturnType<typeof getModel>>, n: number) {
  const { examples } = await examplesFor(cached.entry, 'test');
  const { x, y } = examples.batch(Int32Array.from({ length: Math.min(n, examples.count) }, (_, i) => i));
  const labels = Int32Array.from(await y.data());
  y.dispose();
  return { x, labels, examples };
}

const robust = (s: Uint8Array) => s.reduce((a, v) => a + (v ? 0 : 1), 0) / s.length;

export const defensesApi = {
  defenseCatalog(): readonly DefenseInfo[] {
    return DEFENSES;
  },

  async defenseModels(): Promise<ModelSummary[]> {
    return (await listModels()).filter((m) => m.kind === 'image');
  },

  /** PGD (L∞) naive vs adaptive on the same first n test images, for all ε in one attack call per mode. */
  async defenseCurves(jobId: string, request: DefenseCurvesRequest, onProgress?: ProgressCallback): Promise<DefenseCurvesResult> {
    const info = defenseInfo(request?.defense);
    if (info.id === 'smoothing') fail('randomized smoothing is certified: use smoothingCurves');
    // The panel asks for a grid from 0 up to its largest ε, the last value: that one is the panel's field, checked first.
    if (Array.isArray(request.epsilons) && request.epsilons.length > 0) checkParam(request.epsilons[request.epsilons.length - 1], DEFENSE_FIELDS.maxEpsilon);
    const epsilons = checkGrid(request.epsilons, 'epsilons', DEFENSE_FIELDS.maxEpsilon.max);
    const n = checkParam(request.n, DEFENSE_FIELDS.n);
    const value = info.setting && request.value !== undefined ? checkParam(request.value, settingField(info.setting)) : undefined;
    const steps = checkParam(request.steps ?? 20, DEFENSE_FIELDS.steps);
    const samples = checkNumber(request.samples ?? 16, 'samples', 1, 64, true);
    const seed = request.seed ?? 0;
    const cached = await imageModel(request.modelId);
    const started = performance.now();
    return asJob(jobId, async (signal) => {
      const report = progressReporter(onProgress, 3);
      const { x, labels } = await firstImages(cached, n);
      const base: AttackModel = cached.attackModel;
      const pgd = getAttack('pgd');
      const opts = { epsilons, steps, randomStart: true, seed, signal };
      try {
        report(0, 'undefended');
        const plain = await pgd.run(base, x, labels, opts);
        plain.results.forEach((r) => r.adversarial.dispose());
        const undefended = plain.results.map((r) => robust(r.success));
        const undefendedClean = undefended[0];
        let naive: number[];
        let adaptive: number[];
        let cleanAccuracy: number;
        if (info.id === 'distillation') {
          report(1, 'cross-entropy PGD');
          const ce = await pgd.run(base, x, labels, opts);
          report(2, 'margin PGD');
          const margin = await pgd.run(base, x, labels, { ...opts, loss: 'margin' });
          [ce, margin].forEach((r) => r.results.forEach((e) => e.adversarial.dispose()));
          naive = ce.results.map((r) => robust(r.success));
          adaptive = margin.results.map((r) => robust(r.success));
          cleanAccuracy = naive[0];
        } else {
          const transform = makeTransform(info.id, value);
          const adaptiveMode = transform.randomized ? 'eot' : 'bpda';
          report(1, 'naive attack');
          const a = await evaluateDefense(base, transform, pgd, x, labels, { ...opts, gradient: 'naive' });
          report(2, adaptiveMode === 'eot' ? 'EOT attack' : 'BPDA attack');
          const b = await evaluateDefense(base, transform, pgd, x, labels, { ...opts, gradient: adaptiveMode, samples });
          naive = a.robustAccuracy;
          adaptive = b.robustAccuracy;
          cleanAccuracy = a.cleanAccuracy;
        }
        report(3, 'done');
        return { defense: info.id, epsilons, n: labels.length, naive, adaptive, undefended, cleanAccuracy, undefendedClean, seconds: (performance.now() - started) / 1000 };
      } finally {
        x.dispose();
      }
    });
  },

  /** Certified accuracy per L2 radius (CERTIFY) and empirical robust accuracy of the smoothed classifier (PGD-L2, EOT). */
  async smoothingCurves(jobId: string, request: SmoothingRequest, onProgress?: ProgressCallback): Promise<SmoothingResult> {
    if (typeof request !== 'object' || request === null) fail('request must be an object {modelId, sigma, radii, n, …}');
    const sigma = checkParam(request.sigma, DEFENSE_FIELDS.sigma);
    const radii = checkGrid(request.radii, 'radii', 10);
    const n = checkParam(request.n, DEFENSE_FIELDS.smoothingN);
    const n0 = checkNumber(request.n0 ?? 100, 'n0', 10, 10_000, true);
    const draws = checkParam(request.draws ?? 1000, DEFENSE_FIELDS.draws);
    const alpha = checkNumber(request.alpha ?? 0.001, 'alpha', 1e-6, 0.5);
    const steps = checkNumber(request.steps ?? 10, 'steps', 1, 100, true);
    const samples = checkNumber(request.samples ?? 8, 'samples', 1, 64, true);
    const predictDraws = checkNumber(request.predictDraws ?? 100, 'predictDraws', 10, 10_000, true);
    const seed = request.seed ?? 0;
    const cached = await imageModel(request.modelId);
    const started = performance.now();
    return asJob(jobId, async (signal) => {
      const total = 2 * n;
      const report = progressReporter(onProgress, total);
      const { x, labels, examples } = await firstImages(cached, n);
      const model = cached.attackModel;
      try {
        const { certificates } = await certifyExamples(model, examples, labels.length, {
          sigma, n0, n: draws, alpha, seed, signal, onExample: (done) => report(done, 'certifying'),
        });
        const attacked = await getAttack('pgd-l2').run(smoothedAttackModel(model, sigma, samples, seed), x, labels, {
          epsilons: radii, steps, randomStart: false, seed, signal,
        });
        const empirical: number[] = [];
        try {
          const correct = new Array<number>(radii.length).fill(0);
          for (let i = 0; i < labels.length; i++) {
            for (let k = 0; k < radii.length; k++) {
              const xi = tf.tidy(() => attacked.results[k].adversarial.slice(i, 1));
              const counts = await noisyClassCounts(model, xi, predictDraws, { sigma, seed: seed + 7919 * i + k });
              xi.dispose();
              if (counts.indexOf(Math.max(...counts)) === labels[i]) correct[k]++;
            }
            report(labels.length + i + 1, 'attacking the smoothed classifier');
          }
          correct.forEach((c) => empirical.push(c / labels.length));
        } finally {
          attacked.results.forEach((r) => r.adversarial.dispose());
        }
        const certified = certifiedAccuracy(certificates, labels, radii);
        const abstained = certificates.filter((c) => c.prediction < 0).length;
        const meanRadius = certificates.reduce((s, c, i) => s + (c.prediction === labels[i] ? c.radius : 0), 0) / labels.length;
        return { radii, n: labels.length, certified, empirical, abstained, meanRadius, settings: { sigma, n0, draws, alpha, steps, samples, predictDraws }, seconds: (performance.now() - started) / 1000 };
      } finally {
        x.dispose();
      }
    });
  },
};
