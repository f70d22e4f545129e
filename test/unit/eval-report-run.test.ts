/**
 * The ε-curves and the report runner on a model whose answers are known in closed form: a 2-D linear classifier
 * "x₀ > ½" with inputs in [0,1]². The minimal L∞ adversarial ε of an example is exactly |x₀ − ½|, so robust accuracy
 * at ε is the fraction of examples farther than ε from the line — for FGSM and PGD alike. A copy of the model whose
 * gradient is zeroed (the logits pass through a custom op with a zero gradient, a stand-in for gradient masking) is
 * the constructed case on which the sanity flags must fire.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { arrayExamples, type ExampleSet } from '../../src/lib/data/examples';
import { getAttack } from '../../src/lib/attacks/registry';
import type { AttackModel } from '../../src/lib/attacks/types';
import { robustnessCurves, type CurvePoint } from '../../src/lib/eval/curves';
import { defaultSuite, runReport, type ReportRequest, type SuiteEntry } from '../../src/lib/eval/report-run';
import { isCancelled } from '../../src/lib/util/cancel';
import { measureRadii } from '../../src/lib/eval/radius-run';
import { summariseRadii } from '../../src/lib/eval/radius';

const K = 10;

function linearModel(): AttackModel {
  const w = tf.tensor2d([[-K, K], [0, 0]]);
  const b = tf.tensor1d([K / 2, -K / 2]);
  return { logits: (x) => tf.tidy(() => x.matMul(w).add(b)) as tf.Tensor2D, numClasses: 2, inputShape: [2], bounds: [0, 1] };
}

/** Same forward values, zero gradient: attacks that follow the gradient go nowhere. */
function maskedModel(): AttackModel {
  const base = linearModel();
  const stopGradient = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = inputs[0] as tf.Tensor;
    return { value: base.logits(x), gradFunc: () => tf.zerosLike(x) };
  });
  return { ...base, logits: (x) => stopGradient(x) as tf.Tensor2D };
}

/** n examples with x₀ at distances (k + ½)/n·½ from the line on alternating sides, x₁ spread in [0,1]. */
function lineData(n: number): { data: ExampleSet; radii: number[] } {
  const inputs = new Float32Array(2 * n);
  const labels: number[] = [];
  const radii: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = ((Math.floor(i / 2) + 0.5) / Math.ceil(n / 2)) * 0.49;
    const side = i % 2 === 0 ? 1 : -1;
    inputs[2 * i] = 0.5 + side * r;
    inputs[2 * i + 1] = (i * 0.37) % 1;
    labels.push(side > 0 ? 1 : 0);
    radii.push(r);
  }
  return { data: arrayExamples(inputs, labels, [2], 2), radii };
}

const expectedAccuracy = (radii: number[], eps: number) => radii.filter((r) => r >= eps).length / radii.length;

describe('robustness curves (streamed) on an analytic model', () => {
  let models: { id: string; model: AttackModel }[] = [];
  beforeAll(async () => {
    await initNodeBackend('wasm');
    models = [
      { id: 'linear', model: linearModel() },
      { id: 'masked', model: maskedModel() },
    ];
  });

  const { data, radii } = lineData(60);
  const epsilons = [0.3, 0.1, 0.2, 0.05];
  const request = () => ({
    models,
    attacks: [
      { key: 'fgsm', spec: getAttack('fgsm'), options: {} },
      { key: 'pgd', spec: getAttack('pgd'), options: { steps: 10, restarts: 1 } },
    ],
    epsilons,
    data,
    n: 60,
    batchSize: 25,
    seed: 3,
  });

  it('streams one point per (model, attack, ε), clean first, and matches the closed form', async () => {
    const streamed: CurvePoint[] = [];
    const progress: number[] = [];
    const result = await robustnessCurves({ ...request(), onPoint: (p) => streamed.push(p), onProgress: (d) => progress.push(d) });
    expect(result.epsilons).toEqual([0, 0.05, 0.1, 0.2, 0.3]);
    expect(streamed).toHaveLength(2 * 2 * 5);
    expect(streamed.map((p) => p.epsilon)).toEqual([...streamed.map((p) => p.epsilon)].sort((a, b) => a - b));
    for (const p of streamed.filter((q) => q.model === 'linear')) {
      expect(p.robustAccuracy, `${p.attack} at ${p.epsilon}`).toBeCloseTo(expectedAccuracy(radii, p.epsilon), 10);
    }
    // Zero gradient: FGSM cannot move at all.
    for (const p of streamed.filter((q) => q.model === 'masked' && q.attack === 'fgsm')) expect(p.robustAccuracy).toBe(1);
    // Curves never rise with ε (broken examples stay broken).
    for (const m of ['linear', 'masked'])
      for (const a of ['fgsm', 'pgd']) {
        const accs = streamed.filter((p) => p.model === m && p.attack === a).map((p) => p.robustAccuracy);
        for (let i = 1; i < accs.length; i++) expect(accs[i]).toBeLessThanOrEqual(accs[i - 1]);
      }
    expect(progress.at(-1)).toBe(2 * 2 * 5 * 60);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
  });

  it('leaves no tensors behind across repeated runs', async () => {
    await robustnessCurves(request());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await robustnessCurves(request());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops on cancel, releasing every tensor', async () => {
    await robustnessCurves(request());
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let points = 0;
    const run = robustnessCurves({
      ...request(),
      signal: controller.signal,
      onPoint: () => {
        if (++points === 5) controller.abort();
      },
    });
    await expect(run).rejects.toSatisfy(isCancelled);
    expect(points).toBe(5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad requests by name', async () => {
    await expect(robustnessCurves({ ...request(), n: 0 })).rejects.toThrow(/n must be/);
    await expect(robustnessCurves({ ...request(), epsilons: [-1] })).rejects.toThrow(/epsilons\[0\]/);
    await expect(robustnessCurves({ ...request(), attacks: [] })).rejects.toThrow(/attacks/);
  });
});

describe('robustness report runner and its sanity flags on constructed cases', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  const { data, radii } = lineData(100);
  const eps = 0.2;
  const entry = (key: string, attack: string, role: SuiteEntry['role'], options: SuiteEntry['options'], extra: Partial<SuiteEntry> = {}): SuiteEntry => ({
    key,
    attack,
    role,
    purpose: 'suite',
    epsilon: eps,
    options,
    name: key,
    ...extra,
  });
  const fired = (flags: { id: string; fired: boolean }[]) => flags.filter((f) => f.fired).map((f) => f.id).sort();
  /** Every report here runs on the same 100 examples of the line data at ε; the model, suite and options vary. */
  const onLine = (model: ReportRequest['model'], suite: SuiteEntry[], more: Partial<ReportRequest> = {}): ReportRequest => ({
    model,
    dataset: 'line',
    data,
    n: 100,
    epsilon: eps,
    suite,
    ...more,
  });
  /** The default suite, small enough for a unit test. */
  const smallSuite = () =>
    defaultSuite(eps, 0.5, { steps: 10, restarts: 1, apgdSteps: 20, queryBudget: 200, noiseSamples: 10, cwSearchSteps: 3, cwSteps: 30, transfer: false });

  it('is silent on the honest linear model, whose figures match the closed form', async () => {
    const report = await runReport(onLine({ id: 'linear', model: linearModel() }, smallSuite(), { batchSize: 50 }));
    expect(report.cleanAccuracy).toBe(1);
    const pgd = report.rows.find((r) => r.key === 'pgd')!;
    expect(pgd.robustAccuracy).toBeCloseTo(expectedAccuracy(radii, eps), 10);
    expect(report.worstCase.robustAccuracy).toBeCloseTo(expectedAccuracy(radii, eps), 10);
    for (const r of report.rows) if (r.inWorstCase) expect(report.worstCase.robustAccuracy).toBeLessThanOrEqual(r.robustAccuracy);
    expect(report.rows.find((r) => r.key === 'pgd-large')!.robustAccuracy).toBe(0);
    expect(fired(report.flags)).toEqual([]);
    for (const r of report.rows) expect(r.hyperparameters).toHaveProperty('epsilon');
    expect(pgd.hyperparameters).toMatchObject({ steps: 10, restarts: 1, randomStart: true });
  });

  it('flags the zeroed-gradient model: no collapse at large ε, noise as good as the attack, Square beating white-box', async () => {
    const report = await runReport(onLine({ id: 'masked', model: maskedModel() }, smallSuite(), { batchSize: 50, seed: 1 }));
    const ids = fired(report.flags);
    expect(ids).toContain('no-collapse-at-large-epsilon');
    expect(ids).toContain('noise-matches-attack');
    expect(ids).toContain('black-box-beats-white-box');
    // The white-box rows show the masking: FGSM cannot move at all.
    expect(report.rows.find((r) => r.key === 'fgsm')!.robustAccuracy).toBe(1);
  });

  it('flags transfer beating white-box on the masked model', async () => {
    const suite = [entry('fgsm', 'fgsm', 'single-step', {}), entry('transfer', 'transfer', 'transfer', { steps: 10 })];
    const report = await runReport(onLine({ id: 'masked', model: maskedModel() }, suite, { surrogate: { id: 'linear', model: linearModel() }, batchSize: 50 }));
    expect(fired(report.flags)).toContain('black-box-beats-white-box');
    expect(report.rows.find((r) => r.key === 'transfer')!.hyperparameters.surrogate).toBe('linear');
  });

  it('flags a single-step attack beating a crippled iterative one', async () => {
    const suite = [entry('fgsm', 'fgsm', 'single-step', {}), entry('pgd', 'pgd', 'iterative', { steps: 2, stepSize: 0.001, randomStart: false })];
    const report = await runReport(onLine({ id: 'linear', model: linearModel() }, suite));
    expect(fired(report.flags)).toEqual(['single-step-beats-iterative']);
  });

  it('flags an attack that has not converged: twice the steps changes the outcome', async () => {
    // Steps of ε/4 without a random start: 2 steps reach ε/2, 4 steps reach ε.
    const step = { stepSize: eps / 4, randomStart: false, restarts: 1 };
    const suite = [entry('bim', 'bim', 'iterative', { ...step, steps: 2 }), entry('bim-2x', 'bim', 'iterative', { ...step, steps: 4 }, { purpose: 'more-effort' })];
    const report = await runReport(onLine({ id: 'linear', model: linearModel() }, suite));
    expect(fired(report.flags)).toEqual(['more-effort-changes-result']);
    const base = report.rows.find((r) => r.key === 'bim')!;
    expect(base.robustAccuracy).toBeCloseTo(expectedAccuracy(radii, eps / 2), 10);
    expect(report.worstCase.robustAccuracy).toBeCloseTo(expectedAccuracy(radii, eps), 10);
  });

  it('leaves no tensors behind and stops on cancel', async () => {
    const suite = defaultSuite(eps, 0.5, { steps: 5, restarts: 1, apgdSteps: 10, queryBudget: 50, noiseSamples: 5, cwSearchSteps: 2, cwSteps: 10, transfer: false });
    const req = onLine({ id: 'linear', model: linearModel() }, suite, { batchSize: 50 });
    await runReport(req);
    const before = tf.memory().numTensors;
    await runReport(req);
    await runReport(req);
    expect(tf.memory().numTensors).toBe(before);
    const controller = new AbortController();
    let rows = 0;
    await expect(runReport({ ...req, signal: controller.signal, onRow: () => ++rows === 2 && controller.abort() })).rejects.toSatisfy(isCancelled);
    expect(rows).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('adversarial radii by bisection', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('finds each example’s distance to the line within the bisection precision, and leaks nothing', async () => {
    const { data, radii } = lineData(40);
    const model = linearModel();
    const opts = { maxEpsilon: 0.4, rounds: 7, steps: 10, restarts: 1, batchSize: 16 };
    const run = await measureRadii(model, data, 40, opts);
    const precision = opts.maxEpsilon / 2 ** opts.rounds;
    for (let i = 0; i < 40; i++) {
      if (radii[i] > opts.maxEpsilon) expect(run.radius[i]).toBe(Infinity);
      else {
        // An upper bound on the true radius, within the precision (plus float slack).
        expect(run.radius[i]).toBeGreaterThanOrEqual(radii[i] - 1e-5);
        expect(run.radius[i]).toBeLessThanOrEqual(radii[i] + precision + 1e-5);
      }
    }
    const s = summariseRadii(run.radius, opts.maxEpsilon, 8);
    expect(s.unbroken).toBe(radii.filter((r) => r > opts.maxEpsilon).length);
    expect(run.hyperparameters).toMatchObject({ rounds: 7, steps: 10, method: 'bisection (PGD)' });
    const before = tf.memory().numTensors;
    await measureRadii(model, data, 40, opts);
    expect(tf.memory().numTensors).toBe(before);
  });
});
