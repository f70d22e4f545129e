import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { robustnessCurves } from '../../src/lib/eval/curves';
import { fgsm } from '../../src/lib/attacks/fgsm';
import { observedModel } from '../../src/lib/attacks/model-adapter';
import type { ExampleSet } from '../../src/lib/data/examples';
import { convModel, seededUniform } from './attacks/fixtures';

/**
 * The trade-off panel's curves attack, at each ε, only the examples still standing, in calls of their own: a batch
 * that shrinks from ε to ε. With fixed shapes (on WebGPU/WebGL by default, here asked for on wasm) those calls are
 * padded to buckets — every new size is buffers WebGPU's pool keeps for good — and give the same curves.
 */
const N = 20;

function examples(x: tf.Tensor, labels: Int32Array): ExampleSet {
  return {
    count: N,
    numClasses: 4,
    inputShape: [6, 6, 1],
    batch: (idx) => {
      const i = tf.tensor1d(Int32Array.from(idx), 'int32');
      const out = { x: tf.gather(x, i), y: tf.tensor1d(Int32Array.from(idx, (k) => labels[k]), 'int32') };
      i.dispose();
      return out;
    },
  };
}

async function curves(fixedShapes: boolean) {
  const model = convModel(4, 81);
  const x = seededUniform([N, 6, 6, 1], 82);
  const z = tf.tidy(() => model.logits(x).argMax(1));
  const labels = Int32Array.from(await z.data());
  z.dispose();
  const sizes = new Set<number>();
  const seen = observedModel(model, (xi) => void sizes.add(xi.shape[0]));
  const before = tf.memory().numTensors;
  const result = await robustnessCurves({
    models: [{ id: 'm', model: seen }],
    attacks: [{ key: 'fgsm', spec: fgsm, options: { fixedShapes } }],
    epsilons: [0.02, 0.05, 0.08, 0.12, 0.2, 0.3],
    data: examples(x, labels),
    n: N,
    batchSize: 16,
  });
  const leaked = tf.memory().numTensors - before;
  x.dispose();
  return { sizes, leaked, robust: result.points.map((p) => p.robust), success: result.points.map((p) => Array.from(p.success)) };
}

describe('ε-curves of the trade-off panel keep batch shapes fixed', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('pads the still-standing examples to buckets, with the same curves and no leak', async () => {
    const padded = await curves(true);
    const shrinking = await curves(false);
    const buckets = new Set([1, 2, 4, 8, 16, N % 16]); // attack calls: buckets of ≤ 16; clean chunks: 16 and the rest
    expect([...padded.sizes].filter((s) => !buckets.has(s))).toEqual([]);
    // The control: without padding, other sizes reach the model (so the check above can fail).
    expect([...shrinking.sizes].filter((s) => !buckets.has(s)).length).toBeGreaterThan(0);
    expect(padded.robust).toEqual(shrinking.robust);
    expect(padded.success).toEqual(shrinking.success);
    expect(padded.robust[padded.robust.length - 1]).toBeLessThan(padded.robust[0]); // the attack does break some
    expect(padded.leaked).toBe(0);
  });
});
