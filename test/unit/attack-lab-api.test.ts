/**
 * The Attack Lab's worker module against a small model and a small test file served over HTTP (as the app serves
 * them, by the shared useAppOverHttp), with results checked against independent computations: softmax of the model's own logits, FGSM's closed
 * form clip(x + ε·sign ∇ₓCE), the ε-ball and box invariants, and cancellation of a superseded run.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useAppOverHttp } from './serve-from-disk';
import { saveModelToDir } from '../../src/lib/models/node';
import type { ModelEntry } from '../../src/lib/models/registry';
import { encodeSubset } from '../../src/lib/data/subset';
import { attackLabApi as lab } from '../../src/worker/attack-lab-api';
import { registerModel, unregisterModel } from '../../src/worker/models';
import { isCancelled } from '../../src/lib/util/cancel';

const PX = 28 * 28;

function tinyCnn(seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  return m;
}

function entry(id: string, name: string): ModelEntry {
  return {
    id,
    name,
    dataset: 'mnist',
    kind: 'image',
    inputShape: [28, 28, 1],
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    bounds: [0, 1],
    description: 'A test model.',
    robust: false,
    epsilon: null,
    card: `${id}/card.json`,
    files: { model: `${id}/model.json`, weights: [`${id}/weights.bin`] },
  };
}

/** 40 synthetic digits: class k is a bright bar at a class-specific place, plus seeded noise. */
function syntheticTestFile(): Uint8Array {
  const count = 40;
  const images = new Uint8Array(count * PX);
  const labels = new Uint8Array(count);
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < count; i++) {
    const k = i % 10;
    labels[i] = k;
    for (let p = 0; p < PX; p++) images[i * PX + p] = Math.floor(rand() * 40);
    for (let y = 4; y < 24; y++) for (let x = 2 + 2 * k; x < 5 + 2 * k; x++) images[i * PX + y * 28 + x] = 230;
  }
  return encodeSubset({ images, labels, count, rows: 28, cols: 28, channels: 1, numClasses: 10 });
}

let dir: string;
let models: Record<string, tf.LayersModel>;
let file: Uint8Array;

/** The model's own prediction: attacking away from it guarantees the attack really runs (an untrained model errs). */
async function ownLabel(modelId: string, x: Float32Array): Promise<number> {
  const p = await lab.predict(modelId, x);
  return p.indexOf(Math.max(...p));
}

function imageAt(i: number): Float32Array {
  return Float32Array.from(file.subarray(32 + i * PX, 32 + (i + 1) * PX), (v) => v / 255);
}

useAppOverHttp((rel) => path.join(dir, rel));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'attack-lab-'));
  models = { 'tiny-a': tinyCnn(1), 'tiny-b': tinyCnn(11) };
  for (const [id, m] of Object.entries(models)) await saveModelToDir(m, path.join(dir, 'models', id));
  writeFileSync(path.join(dir, 'models', 'index.json'), JSON.stringify({ version: 1, models: [entry('tiny-a', 'Tiny A'), entry('tiny-b', 'Tiny B')] }));
  mkdirSync(path.join(dir, 'data'));
  file = syntheticTestFile();
  writeFileSync(path.join(dir, 'data', 'mnist-test.bin'), file);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const m of Object.values(models)) m.dispose();
});

describe('models', () => {
  it('lists shipped models, then registered ones; refuses unknown ids and shipped ids', async () => {
    expect((await lab.listModels()).map((m) => m.id)).toEqual(['tiny-a', 'tiny-b']);
    const extra = tinyCnn(21);
    registerModel('tiny-finetuned', { entry: entry('tiny-finetuned', 'Tiny fine-tuned'), model: extra });
    const listed = await lab.listModels();
    expect(listed.map((m) => [m.id, m.source])).toEqual([['tiny-a', 'shipped'], ['tiny-b', 'shipped'], ['tiny-finetuned', 'registered']]);
    const p = await lab.predict('tiny-finetuned', imageAt(0));
    expect(p.length).toBe(10);
    expect(() => registerModel('tiny-a', { entry: entry('tiny-a', 'x'), model: tinyCnn(3) })).toThrow(/shipped/);
    expect(unregisterModel('tiny-finetuned')).toBe(true);
    await expect(lab.loadModel('nope')).rejects.toThrow(/Unknown model id "nope".*tiny-a, tiny-b/);
    expect((await lab.loadModel('tiny-a')).name).toBe('Tiny A');
  });
});

describe('test images', () => {
  it('pages, filters by class and shuffles reproducibly, with indices into the file', async () => {
    const page = await lab.getTestImages('mnist', { offset: 3, count: 5 });
    expect(Array.from(page.indices)).toEqual([3, 4, 5, 6, 7]);
    expect(page.total).toBe(40);
    expect(Array.from(page.pixels.subarray(0, PX))).toEqual(Array.from(file.subarray(32 + 3 * PX, 32 + 4 * PX)));
    const sevens = await lab.getTestImages('mnist', { count: 10, classFilter: 7 });
    expect(Array.from(sevens.indices)).toEqual([7, 17, 27, 37]);
    expect(Array.from(sevens.labels)).toEqual([7, 7, 7, 7]);
    const a = await lab.getTestImages('mnist', { count: 40, shuffleSeed: 5 });
    const b = await lab.getTestImages('mnist', { count: 40, shuffleSeed: 5 });
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(a.indices)).not.toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect([...a.indices].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    a.indices.forEach((idx, k) => expect(a.labels[k]).toBe(idx % 10));
  });

  it('rejects bad requests by name', async () => {
    await expect(lab.getTestImages('cifar', {})).rejects.toThrow(/^The test set must be one of mnist, .*; got “cifar”\.$/);
    await expect(lab.getTestImages('mnist', { classFilter: 12 })).rejects.toThrow(/classFilter/);
    await expect(lab.getTestImages('mnist', { count: 0 })).rejects.toThrow(/count/);
    await expect(lab.getTestImages('mnist', { offset: 400 })).rejects.toThrow(/offset/);
  });
});

describe('predict and transfer', () => {
  it('returns the softmax of the model logits', async () => {
    const x = imageAt(3);
    const p = await lab.predict('tiny-a', x);
    const want = tf.tidy(() => tf.softmax(models['tiny-a'].predict(tf.tensor4d(x, [1, 28, 28, 1])) as tf.Tensor).dataSync());
    for (let k = 0; k < 10; k++) expect(p[k]).toBeCloseTo(want[k], 5);
    const t = await lab.transferPredictions(x, ['tiny-a', 'tiny-b']);
    expect(t.map((r) => r.modelId)).toEqual(['tiny-a', 'tiny-b']);
    for (let k = 0; k < 10; k++) expect(t[0].probabilities[k]).toBeCloseTo(p[k], 6);
    expect(t[1].predicted).toBe(t[1].probabilities.indexOf(Math.max(...t[1].probabilities)));
  });

  it('rejects a wrong size, NaN and out-of-range pixels', async () => {
    await expect(lab.predict('tiny-a', new Float32Array(100))).rejects.toThrow(/100 values.*784/);
    const nan = imageAt(0);
    nan[5] = NaN;
    await expect(lab.predict('tiny-a', nan)).rejects.toThrow(/image\[5\] is NaN/);
    const big = imageAt(0);
    big[9] = 3;
    await expect(lab.predict('tiny-a', big)).rejects.toThrow(/outside the model's input range/);
    await expect(lab.transferPredictions(imageAt(0), ['tiny-a', 'zzz'])).rejects.toThrow(/Unknown model id "zzz"/);
  });
});

describe('runAttack', () => {
  it('FGSM equals clip(x + ε·sign ∇ₓCE) and reports consistent norms and probabilities', async () => {
    const x = imageAt(12);
    const label = await ownLabel('tiny-a', x);
    const eps = 0.1;
    const r = await lab.runAttack('t-fgsm', { modelId: 'tiny-a', attackId: 'fgsm', options: { epsilons: [eps] }, image: x, label });
    const grad = tf.tidy(() => {
      const m = models['tiny-a'];
      const g = tf.grad((xi: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot([label], 10), m.apply(xi) as tf.Tensor))(tf.tensor4d(x, [1, 28, 28, 1]));
      return g.dataSync();
    });
    const e = r.results[0];
    expect(r.clean.probabilities.length).toBe(10);
    let linf = 0, l2 = 0, l0 = 0;
    for (let i = 0; i < PX; i++) {
      const want = Math.min(1, Math.max(0, x[i] + eps * Math.sign(grad[i])));
      expect(e.adversarial[i]).toBeCloseTo(want, 5);
      expect(e.delta[i]).toBeCloseTo(e.adversarial[i] - x[i], 6);
      linf = Math.max(linf, Math.abs(e.delta[i]));
      l2 += e.delta[i] ** 2;
      if (Math.abs(e.delta[i]) > 1e-7) l0++;
    }
    expect(linf).toBeLessThanOrEqual(eps + 1e-6);
    expect(e.linf).toBeCloseTo(linf, 5);
    expect(e.l2).toBeCloseTo(Math.sqrt(l2), 4);
    expect(e.l0).toBe(l0);
    const p = await lab.predict('tiny-a', e.adversarial);
    for (let k = 0; k < 10; k++) expect(e.probabilities[k]).toBeCloseTo(p[k], 5);
    expect(e.predicted).toBe(p.indexOf(Math.max(...p)));
    expect(e.success).toBe(e.predicted !== label);
  });

  it('PGD keeps a per-step trace whose iterates stay in the ε-ball and the box; BIM starts at x', async () => {
    const x = imageAt(4);
    const label = await ownLabel('tiny-a', x);
    const eps = 0.2;
    const progress: number[] = [];
    const r = await lab.runAttack(
      't-bim',
      { modelId: 'tiny-a', attackId: 'bim', options: { epsilons: [eps], steps: 8, stepSize: 0.01 }, image: x, label },
      (p) => progress.push(p.done),
    );
    expect(r.trace.length).toBeGreaterThan(0);
    expect(r.trace.length).toBeLessThanOrEqual(9);
    expect(r.trace.map((s) => s.step)).toEqual(r.trace.map((_, i) => i));
    expect(r.frameCount).toBe(r.trace.length);
    expect(r.frames.length).toBe(r.frameCount * PX);
    // Step 0 evaluates the clean image: its confidence is the clean probability of the label, its iterate is x.
    expect(r.trace[0].trueConfidence).toBeCloseTo(r.clean.probabilities[label], 5);
    for (let i = 0; i < PX; i++) expect(r.frames[i]).toBeCloseTo(x[i], 6);
    for (let f = 0; f < r.frameCount; f++) {
      for (let i = 0; i < PX; i++) {
        const v = r.frames[f * PX + i];
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        expect(Math.abs(v - x[i])).toBeLessThanOrEqual(eps + 1e-6);
      }
    }
    expect(r.results[0].queries).toBeGreaterThan(0);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toBe(r.trace.length);
  });

  it('a targeted run reports its target and success means the target was hit', async () => {
    const r = await lab.runAttack('t-target', {
      modelId: 'tiny-a', attackId: 'pgd', options: { epsilons: [0.3], steps: 10, targeted: true, target: { mode: 'given', label: 6 } }, image: imageAt(1), label: 1,
    });
    expect(r.target).toBe(6);
    expect(r.results[0].success).toBe(r.results[0].predicted === 6);
  });

  it('a newer run under the same job id cancels the one in flight; other ids are untouched', async () => {
    const x = imageAt(2);
    const request = { modelId: 'tiny-a', attackId: 'pgd', options: { epsilons: [0.001], steps: 400, stepSize: 1e-5 }, image: x, label: await ownLabel('tiny-a', x) };
    const first = lab.runAttack('same', request);
    const other = lab.runAttack('other', { ...request, options: { epsilons: [0.001], steps: 5 } });
    await new Promise((r) => setTimeout(r, 30));
    const second = lab.runAttack('same', { ...request, options: { epsilons: [0.002], steps: 3 } });
    const outcome = await first.then(() => 'finished', (e) => (isCancelled(e) ? 'cancelled' : String(e)));
    expect(outcome).toBe('cancelled');
    expect((await second).results[0].epsilon).toBe(0.002);
    expect((await other).results[0].epsilon).toBe(0.001);
  });

  it('runs every registry attack with small budgets and keeps δ inside its ε in the attack norm', async () => {
    const x = imageAt(6);
    const label = await ownLabel('tiny-a', x);
    const attacks = lab.listAttacks();
    expect(attacks.map((a) => a.id)).toEqual(expect.arrayContaining(['fgsm', 'pgd', 'pgd-l2']));
    for (const a of attacks) {
      const eps = a.norm === 'linf' ? 0.1 : a.norm === 'l2' ? 1.5 : 10;
      const small: Record<string, unknown> = {};
      if (a.defaults.steps !== undefined) small.steps = 5;
      if (a.defaults.queryBudget !== undefined) small.queryBudget = 60;
      if (a.defaults.samples !== undefined) small.samples = 4;
      if (a.defaults.binarySearchSteps !== undefined) small.binarySearchSteps = 2;
      if (a.needs === 'surrogate') small.surrogateModelId = 'tiny-b';
      if (a.id === 'ensemble') small.attacks = ['fgsm', 'pgd'];
      const r = await lab.runAttack(`all-${a.id}`, { modelId: 'tiny-a', attackId: a.id, options: { epsilons: [eps], ...small }, image: x, label });
      const e = r.results[0];
      const measured = a.norm === 'linf' ? e.linf : a.norm === 'l2' ? e.l2 : e.l0;
      expect(measured, a.id).toBeLessThanOrEqual(eps + 1e-4);
      expect(e.adversarial.every((v) => v >= 0 && v <= 1), a.id).toBe(true);
      expect(e.success, a.id).toBe(e.predicted !== label);
    }
  });

  it('rejects bad arguments with a message naming them', async () => {
    const ok = { modelId: 'tiny-a', attackId: 'pgd', options: { epsilons: [0.1] }, image: imageAt(0), label: 0 };
    await expect(lab.runAttack('v', { ...ok, modelId: 'missing' })).rejects.toThrow(/Unknown model id "missing"/);
    await expect(lab.runAttack('v', { ...ok, attackId: 'nope' })).rejects.toThrow(/^Unknown attack “nope”: known attacks are fgsm/);
    await expect(lab.runAttack('v', { ...ok, options: { epsilons: [NaN] } })).rejects.toThrow(/^ε \(L∞\) must be a number from 0 to 0\.5; got something that is not a number\.$/);
    await expect(lab.runAttack('v', { ...ok, options: { epsilons: [] } })).rejects.toThrow(/^Give at least one budget ε \(L∞\)/);
    await expect(lab.runAttack('v', { ...ok, options: { epsilons: [2] } })).rejects.toThrow(/^ε \(L∞\) must be a number from 0 to 0\.5; got 2\.$/);
    await expect(lab.runAttack('v', { ...ok, options: { epsilons: [0.1], steps: 2.5 } })).rejects.toThrow(/^Steps must be a whole number from 1 to 1 000; got 2\.5\.$/);
    // Plain words naming the field, the limit's reason, never a code path like request.options.steps.
    await expect(lab.runAttack('v', { ...ok, options: { epsilons: [0.1], steps: 1e9 } })).rejects.toThrow(/^Steps must be a whole number from 1 to 1 000; got 1e9\. The limit is there because/);
    await expect(lab.runAttack('v', { ...ok, options: { epsilons: [0.1], restarts: -1 } })).rejects.toThrow(/^Restarts must be a whole number from 1 to 20; got -1\.$/);
    await expect(lab.runAttack('v', { ...ok, options: { epsilons: [0.1], stepSize: 0 } })).rejects.toThrow(/^Step size must be a number above 0/);
    await expect(lab.runAttack('v', { ...ok, options: { epsilons: [0.1], norm: 'l2' } })).rejects.toThrow(/has no l2 version/);
    await expect(lab.runAttack('v', { ...ok, image: new Float32Array(10) })).rejects.toThrow(/784/);
    await expect(lab.runAttack('v', { ...ok, label: 12 })).rejects.toThrow(/label must be an integer class in 0–9/);
    await expect(lab.runAttack('', ok)).rejects.toThrow(/jobId/);
  });

  it('leaks no tensors across repeated runs', async () => {
    const req = { modelId: 'tiny-b', attackId: 'pgd', options: { epsilons: [0.05, 0.1], steps: 5 }, image: imageAt(9), label: await ownLabel('tiny-b', imageAt(9)) };
    await lab.runAttack('m', req);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await lab.runAttack('m', req);
    await lab.runAttack('m', { ...req, attackId: 'fgsm', options: { epsilons: [0.1] } });
    await lab.predict('tiny-b', imageAt(1));
    await lab.transferPredictions(imageAt(1), ['tiny-a', 'tiny-b']);
    expect(tf.memory().numTensors).toBe(before);
  });
});
