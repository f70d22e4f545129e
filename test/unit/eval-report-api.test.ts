/**
 * The trade-off panel's worker methods in Node, with app files served from the repository: streamed curve points,
 * models made in the browser evaluated beside shipped ones, cancel by job id, the report and the radii, argument
 * errors that name the parameter, and no tensors left behind. Skipped while the zoo does not list mnist-cnn.
 */
import { describe, it, expect } from 'vitest';
import { useServedApp, zooIds } from './serve-from-disk';
import * as tf from '@tensorflow/tfjs';
import { cancelJob, type Progress } from '../../src/worker/jobs';
import { getModel, registerModel, unregisterModel } from '../../src/worker/models';
import { tradeoffApi, type CurvePoint } from '../../src/worker/tradeoff-api';
import { buildModel } from '../../src/lib/models/architectures';
import { isCancelled } from '../../src/lib/util/cancel';


const ZOO = zooIds();

describe.skipIf(!ZOO.includes('mnist-cnn'))('trade-off worker API (skipped until the zoo lists mnist-cnn)', () => {
  useServedApp();

  it('streams one point per (model, attack, ε), a browser-made model included, with no tensors left behind', async () => {
    const base = await getModel('mnist-cnn');
    // A stand-in for a model fine-tuned in the browser: same architecture, untrained weights.
    const fresh = buildModel({ kind: 'cnn', inputShape: [28, 28, 1], conv: [{ filters: 4, kernel: 3, stride: 2, pool: 0 }], dense: [], numClasses: 10 }, 5);
    registerModel('mnist-cnn-finetuned-test', { entry: { ...base.entry, id: 'mnist-cnn-finetuned-test', name: 'test copy', robust: false, epsilon: null }, model: fresh });
    try {
      expect((await tradeoffApi.tradeoffModels()).map((m) => m.id)).toContain('mnist-cnn-finetuned-test');
      const request = {
        modelIds: ['mnist-cnn', 'mnist-cnn-finetuned-test'],
        attacks: [{ id: 'fgsm' }, { id: 'pgd', options: { steps: 3, restarts: 1 } }],
        epsilons: [0.2, 0.1],
        n: 20,
        batchSize: 10,
      };
      const streamed: CurvePoint[] = [];
      const progress: Progress[] = [];
      const result = await tradeoffApi.robustnessCurves('curves-a', request, (p) => streamed.push(p), (p) => progress.push(p));
      expect(streamed).toHaveLength(2 * 2 * 3);
      expect(result.points).toHaveLength(12);
      expect(result.epsilons).toEqual([0, 0.1, 0.2]);
      expect(result.cleanAccuracy['mnist-cnn']).toBeGreaterThan(0.9);
      const pgd = (m: string, e: number) => streamed.find((p) => p.model === m && p.attack === 'pgd' && p.epsilon === e)!;
      expect(pgd('mnist-cnn', 0).robustAccuracy).toBe(result.cleanAccuracy['mnist-cnn']);
      expect(pgd('mnist-cnn', 0.2).robustAccuracy).toBeLessThanOrEqual(pgd('mnist-cnn', 0.1).robustAccuracy);
      expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);
      expect(result.attacks.find((a) => a.id === 'pgd')!.hyperparameters).toMatchObject({ steps: 3, restarts: 1, norm: 'linf', backend: 'wasm' });
      const before = tf.memory().numTensors;
      await tradeoffApi.robustnessCurves('curves-a', request);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      unregisterModel('mnist-cnn-finetuned-test');
    }
  });

  it('stops when its job is cancelled by id', async () => {
    let points = 0;
    const run = tradeoffApi.robustnessCurves(
      'curves-b',
      { modelIds: ['mnist-cnn'], attacks: [{ id: 'pgd', options: { steps: 50 } }], epsilons: [0.05, 0.1, 0.15, 0.2], n: 100 },
      () => {
        if (++points === 2) cancelJob('curves-b');
      },
    );
    await expect(run).rejects.toSatisfy(isCancelled);
    expect(points).toBe(2);
  });

  it('runs the report (worst case ≤ every row) and measures radii', async () => {
    const report = await tradeoffApi.robustnessReport('report-a', {
      modelId: 'mnist-cnn',
      epsilon: 0.1,
      n: 20,
      settings: { steps: 3, apgdSteps: 3, queryBudget: 20, noiseSamples: 2, cwSearchSteps: 1, cwSteps: 3, transfer: false },
    });
    expect(report.rows.map((r) => r.key)).toEqual(['fgsm', 'pgd', 'apgd-ce', 'cw-l2', 'square', 'noise', 'pgd-2x', 'pgd-large']);
    for (const r of report.rows) if (r.inWorstCase) expect(report.worstCase.robustAccuracy).toBeLessThanOrEqual(r.robustAccuracy);
    expect(report.settings).toMatchObject({ backend: 'wasm', model: 'mnist-cnn', n: 20 });
    const radii = await tradeoffApi.adversarialRadii('radii-a', { modelId: 'mnist-cnn', n: 10, maxEpsilon: 0.3, rounds: 3, steps: 3 });
    expect(radii.radius).toHaveLength(10);
    for (const r of radii.radius) expect(r === Infinity || (r >= 0 && r <= 0.3 + 1e-6)).toBe(true);
  });

  it('rejects bad requests, naming the parameter', async () => {
    const ok = { modelIds: ['mnist-cnn'], attacks: [{ id: 'pgd' }], epsilons: [0.1], n: 10 };
    await expect(tradeoffApi.robustnessCurves('bad', { ...ok, modelIds: ['nope'] })).rejects.toThrow(/Unknown model id "nope"/);
    await expect(tradeoffApi.robustnessCurves('bad', { ...ok, attacks: [{ id: 'cw-l2' }] })).rejects.toThrow(/request.attacks\[0\].id/);
    await expect(tradeoffApi.robustnessCurves('bad', { ...ok, attacks: [{ id: 'transfer' }] })).rejects.toThrow(/surrogateModelId/);
    // The grid's top is the form's largest ε (numeric.ts TRADEOFF_FIELDS); every other budget is a number in [0, 1].
    await expect(tradeoffApi.robustnessCurves('bad', { ...ok, epsilons: [2] })).rejects.toThrow(/^Largest ε must be a number from 0\.001 to 1; got 2\.$/);
    await expect(tradeoffApi.robustnessCurves('bad', { ...ok, epsilons: [-0.1, 0.2] })).rejects.toThrow(/^ε must be a number from 0 to 1; got -0\.1\.$/);
    await expect(tradeoffApi.robustnessCurves('bad', { ...ok, attacks: [{ id: 'fgsm', options: { steps: 3 } }] })).rejects.toThrow(/^Steps does not apply to FGSM/);
    await expect(tradeoffApi.robustnessCurves('bad', { ...ok, n: 0 })).rejects.toThrow(/^Test images \(N\) must be a whole number from 10 to 2 000; got 0\.$/);
    if (ZOO.includes('fashion-cnn')) {
      await expect(tradeoffApi.robustnessCurves('bad', { ...ok, modelIds: ['mnist-cnn', 'fashion-cnn'] })).rejects.toThrow(/one test set/);
    }
    await expect(tradeoffApi.robustnessReport('bad', { modelId: 'mnist-cnn', epsilon: 0, n: 10 })).rejects.toThrow(/^ε \(L∞\) must be a number from 0\.003922 to 0\.5; got 0\.$/);
    await expect(tradeoffApi.robustnessReport('bad', { modelId: 'mnist-cnn', epsilon: 0.1, n: 10, settings: { steps: -1 } })).rejects.toThrow(/^PGD steps must be a whole number from 1 to 1 000; got -1\.$/);
  });
});
