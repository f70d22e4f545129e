import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { fgsm } from '../../../src/lib/attacks/fgsm';
import { pgd } from '../../../src/lib/attacks/pgd';
import { bucketSize } from '../../../src/lib/attacks/batch';
import type { AttackModel, AttackSpec } from '../../../src/lib/attacks/types';
import { convModel, ownLabels, seededUniform } from './fixtures';

/**
 * On WebGPU every new tensor shape costs buffers that the pool keeps for good, so attack loops pad their working
 * batch to buckets (powers of two up to the batch) instead of shrinking it to the rows still unbroken. Checked here
 * on wasm by recording every batch size the model is shown.
 */
function recording(model: AttackModel) {
  const sizes = new Set<number>();
  const wrapped: AttackModel = {
    ...model,
    logits: (x) => {
      sizes.add(x.shape[0]);
      return model.logits(x);
    },
  };
  return { wrapped, sizes };
}

const N = 12;
const buckets = new Set([1, 2, 4, 8, N]);
const EPS = [0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3];

async function curves(attack: AttackSpec, fixedShapes: boolean, runs: number, restarts = 1) {
  const model = convModel(4, 61);
  const { wrapped, sizes } = recording(model);
  const out: { success: number[][]; predicted: number[][]; linf: number[][] }[] = [];
  const before = tf.memory().numTensors;
  for (let r = 0; r < runs; r++) {
    const x = seededUniform([N, 6, 6, 1], 100 + r);
    const labels = await ownLabels(model, x);
    const res = await attack.run(wrapped, x, labels, { epsilons: EPS, steps: 5, restarts, seed: r, fixedShapes });
    out.push({
      success: res.results.map((e) => Array.from(e.success)),
      predicted: res.results.map((e) => Array.from(e.predicted)),
      linf: res.results.map((e) => Array.from(e.linf)),
    });
    res.results.forEach((e) => e.adversarial.dispose());
    x.dispose();
  }
  return { sizes, out, leaked: tf.memory().numTensors - before };
}

describe('fixed batch shapes', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('buckets are powers of two capped at the batch', () => {
    expect([1, 2, 3, 5, 8, 9, 12, 13].map((m) => bucketSize(m, 12))).toEqual([1, 2, 4, 8, 8, 12, 12, 12]);
  });

  it('PGD ε-curves with restarts show the model only bucket sizes over many runs, with no leak', async () => {
    const padded = await curves(pgd, true, 12, 2);
    expect([...padded.sizes].filter((s) => !buckets.has(s))).toEqual([]);
    expect(padded.leaked).toBe(0);
    // The control: shrinking batches show sizes outside the buckets (so the check above can fail).
    const shrinking = await curves(pgd, false, 12, 2);
    expect([...shrinking.sizes].filter((s) => !buckets.has(s)).length).toBeGreaterThan(0);
  });

  it('padding changes no result (FGSM and PGD without restarts)', async () => {
    for (const attack of [fgsm, pgd]) {
      const a = await curves(attack, true, 4);
      const b = await curves(attack, false, 4);
      expect(a.out.map((o) => o.success)).toEqual(b.out.map((o) => o.success));
      expect(a.out.map((o) => o.predicted)).toEqual(b.out.map((o) => o.predicted));
      a.out.forEach((o, r) => o.linf.forEach((row, k) => row.forEach((v, i) => expect(v).toBeCloseTo(b.out[r].linf[k][i], 5))));
    }
  });

  // Not only the model's inputs: every image-shaped or logit-shaped tensor the driver and the loop make (merging
  // rows, restarts) must keep to a bounded set of row counts — a bucket, or a bucket joined to another (a merge
  // concatenates the carried batch and the attacked one) — or the WebGPU pool grows with every new count of
  // unbroken rows. Every kernel's output shape is recorded (tf.profile) over PGD curves with restarts.
  async function rowCounts(fixedShapes: boolean): Promise<Set<number>> {
    const model = convModel(4, 71);
    const counts = new Set<number>();
    for (let r = 0; r < 8; r++) {
      const x = seededUniform([N, 6, 6, 1], 200 + r);
      const labels = await ownLabels(model, x);
      let adversarials: tf.Tensor[] = [];
      const p = await tf.profile(async () => {
        const res = await pgd.run(model, x, labels, { epsilons: EPS, steps: 3, restarts: 2, seed: r, fixedShapes });
        adversarials = res.results.map((e) => e.adversarial);
        return [] as unknown as tf.TensorContainer;
      });
      for (const k of p.kernels)
        for (const shape of k.outputShapes) {
          const tail = (shape ?? []).slice(1).join('x');
          // [36, 4] is the fixture's dense weight (and its transposes in the backward), not a batch.
          if ((shape ?? []).length > 1 && (tail === '6x6x1' || tail === '4') && shape[0] !== 36) counts.add(shape[0]);
        }
      tf.dispose(adversarials);
      x.dispose();
    }
    return counts;
  }

  it('every image- or logit-shaped tensor of PGD ε-curves with restarts has a bucket row count (or two joined)', async () => {
    const allowed = new Set([...buckets].flatMap((a) => [a, ...[...buckets].map((b) => a + b)]));
    expect([...(await rowCounts(true))].filter((c) => !allowed.has(c))).toEqual([]);
    // The control: shrinking batches make tensors of other row counts.
    expect([...(await rowCounts(false))].filter((c) => !allowed.has(c)).length).toBeGreaterThan(0);
  });
});
