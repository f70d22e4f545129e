/**
 * A Cancel that reaches the engine while a long job is still loading its model or its images is not lost: each
 * long method registers its job before it loads anything, and the load is not waited for once the job is cancelled
 * (unlessCancelled). Before, the job existed only once loading was done, so cancelJob found nothing and the job ran
 * to its end. Each case is cancelled before its first await and must reject as cancelled, not resolve.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { BASE, serveFromDisk } from './serve-from-disk';
import { initNodeBackend } from '../../src/lib/backend/node';
import { setBaseUrl } from '../../src/worker/context';
import { cancelJob } from '../../src/worker/jobs';
import { tradeoffApi } from '../../src/worker/tradeoff-api';
import { attackLabApi } from '../../src/worker/attack-lab-api';
import { finetuneApi, type FinetuneRequest } from '../../src/worker/finetune-api';
import { CancelledError, isCancelled, unlessCancelled } from '../../src/lib/util/cancel';

const outcome = (p: Promise<unknown>) => p.then(() => 'finished', (e: unknown) => (isCancelled(e) ? 'cancelled' : `failed: ${(e as Error).message}`));

describe('unlessCancelled', () => {
  it('settles as the promise does until the signal aborts, then rejects as cancelled at once', async () => {
    const c = new AbortController();
    expect(await unlessCancelled(Promise.resolve(3), c.signal)).toBe(3);
    await expect(unlessCancelled(Promise.reject(new Error('no file')), c.signal)).rejects.toThrow('no file');
    let release: (v: number) => void = () => undefined;
    const slow = new Promise<number>((r) => (release = r));
    const waiting = unlessCancelled(slow, c.signal);
    c.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    release(1);
    await expect(unlessCancelled(Promise.resolve(1), c.signal)).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('a Cancel during loading stops the job', () => {
  let restore: () => void;
  beforeAll(async () => {
    await initNodeBackend('wasm');
    setBaseUrl(BASE);
    restore = serveFromDisk();
  });
  afterAll(() => restore());

  it('ε-curves, report, attack and fine-tuning: cancelled before their model loads, each rejects as cancelled', async () => {
    const curves = tradeoffApi.robustnessCurves('early-curves', { modelIds: ['mnist-cnn'], attacks: [{ id: 'fgsm' }], epsilons: [0.1], n: 20 });
    const report = tradeoffApi.robustnessReport('early-report', { modelId: 'mnist-cnn', epsilon: 0.1, n: 20 });
    const attack = attackLabApi.runAttack('early-attack', { modelId: 'mnist-cnn', attackId: 'fgsm', image: new Float32Array(784), label: 0, options: { epsilons: [0.1] } });
    const request: FinetuneRequest = {
      baseModelId: 'mnist-cnn',
      recipe: { method: 'fgsm-rs', epsilon: 0.1, epsilonRamp: 0, attackSteps: 1, relativeStepSize: 1.25, tradesBeta: 6, optimizer: 'adam', learningRate: 1e-3, schedule: 'constant', batchSize: 16, steps: 6, adversarialShare: 1, seed: 1 },
      heldOut: { n: 20, every: 3, pgdSteps: 2, restarts: 1 },
      earlyStop: false,
    };
    const finetune = finetuneApi.finetuneStart('early-finetune', request);
    // Every job is known to the engine before its first await: the cancel finds it.
    expect(['early-curves', 'early-report', 'early-attack', 'early-finetune'].map((id) => cancelJob(id))).toEqual([true, true, true, true]);
    expect(await Promise.all([curves, report, attack, finetune].map(outcome))).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    // The same calls uncancelled run to the end (the cancel above is what stopped them).
    expect(await outcome(attackLabApi.runAttack('early-attack', { modelId: 'mnist-cnn', attackId: 'fgsm', image: new Float32Array(784), label: 0, options: { epsilons: [0.1] } }))).toBe('finished');
    expect(await outcome(tradeoffApi.robustnessCurves('early-curves', { modelIds: ['mnist-cnn'], attacks: [{ id: 'fgsm' }], epsilons: [0.1], n: 20 }))).toBe('finished');
  });
});
