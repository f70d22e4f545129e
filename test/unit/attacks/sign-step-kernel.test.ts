import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { clampInto, signStepInBox, signStepInBoxComposed } from '../../../src/lib/attacks/sign-step-kernel';
import { linfInterval, perExample } from '../../../src/lib/attacks/perturbation';
import { createRng } from '../../../src/lib/util/rng';

/** A batch whose gradient holds zeros, tiny values (wasm's Sign gets these wrong) and ordinary ones. */
function batch(n: number, seed: number) {
  const rng = createRng(seed);
  const size = n * 6 * 5 * 2;
  const x0 = Float32Array.from({ length: size }, () => rng.next());
  const x = Float32Array.from(x0, (v) => v + (rng.next() - 0.5) * 0.3);
  const g = Float32Array.from({ length: size }, (_, i) => [0, 1e-20, -3e-30, rng.normal(), -rng.next()][i % 5]);
  return { x0, x, g, shape: [n, 6, 5, 2] };
}

describe('the fused L∞ sign step', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`${backend}: one kernel, the same bits as the composed ops, inside the ε-cube and the box`, async () => {
      await initNodeBackend(backend);
      const n = 3;
      const { x0, x, g, shape } = batch(n, 7);
      const eps = [0.05, 0.1, 0.3];
      const steps = [0.02, 0.5, 0.07];
      const [tx0, tx, tg] = [tf.tensor(x0, shape), tf.tensor(x, shape), tf.tensor(g, shape)];
      const epsT = perExample(eps, 4);
      const stepT = perExample(steps, 4);
      const { lo, hi } = linfInterval(tx0, epsT, [0, 1]);
      const before = tf.memory().numTensors;
      const p = await tf.profile(() => signStepInBox(tx, tg, stepT, lo, hi));
      expect(p.kernels.map((k) => k.name)).toEqual(['AdvSignStepInBox']);
      tf.dispose(p.result as tf.Tensor);
      const fused = signStepInBox(tx, tg, stepT, lo, hi);
      const ref = signStepInBoxComposed(tx, tg, stepT, lo, hi);
      const [fv, rv] = [await fused.data(), await ref.data()];
      expect(Array.from(fv)).toEqual(Array.from(rv));
      // Independent truth: each coordinate by hand.
      const per = fv.length / n;
      for (let i = 0; i < fv.length; i++) {
        const r = Math.floor(i / per);
        const s = g[i] > 0 ? steps[r] : g[i] < 0 ? -steps[r] : 0;
        const want = Math.min(Math.max(Math.fround(x[i] + s), Math.max(0, Math.fround(x0[i] - eps[r]))), Math.min(1, Math.fround(x0[i] + eps[r])));
        expect(fv[i]).toBeCloseTo(want, 6);
        expect(Math.abs(fv[i] - x0[i])).toBeLessThanOrEqual(eps[r] + 1e-6);
        expect(fv[i]).toBeGreaterThanOrEqual(0);
        expect(fv[i]).toBeLessThanOrEqual(1);
      }
      // Tiny gradients move their pixels (wasm's Sign would say 0); zero ones do not.
      const [lv, hv] = [await lo.data(), await hi.data()];
      let movedTiny = 0;
      for (let i = 0; i < fv.length; i++) {
        const still = Math.min(Math.max(x[i], lv[i]), hv[i]);
        if (i % 5 === 0) expect(fv[i]).toBe(still);
        if ((i % 5 === 1 || i % 5 === 2) && fv[i] !== still) movedTiny++;
      }
      expect(movedTiny).toBeGreaterThan(20);
      tf.dispose([fused, ref]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([tx0, tx, tg, epsT, stepT, lo, hi]);
    });
  }

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`${backend}: the L∞ clamp is one kernel and equals max/min`, async () => {
      await initNodeBackend(backend);
      const { x0, x, shape } = batch(2, 9);
      const [tx0, tx] = [tf.tensor(x0, shape), tf.tensor(x, shape)];
      const epsT = perExample([0.05, 0.2], 4);
      const { lo, hi } = linfInterval(tx0, epsT, [0, 1]);
      const p = await tf.profile(() => clampInto(tx, lo, hi));
      expect(p.kernels.map((k) => k.name)).toEqual(['AdvClampInto']);
      const ref = tf.minimum(tf.maximum(tx, lo), hi);
      expect(Array.from(await (p.result as tf.Tensor).data())).toEqual(Array.from(await ref.data()));
      tf.dispose([p.result as tf.Tensor, ref, tx0, tx, epsT, lo, hi]);
    });
  }

  it('refuses tensors that do not fit', async () => {
    await initNodeBackend('wasm');
    const a = tf.zeros([2, 4]);
    const b = tf.zeros([2, 3]);
    const s = tf.zeros([2, 1]);
    expect(() => signStepInBox(a, b, s, a, a)).toThrow(/do not fit/);
    tf.dispose([a, b, s]);
  });
});
