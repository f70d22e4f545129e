import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { allNorms, perturbationNorm } from '../../../src/lib/attacks/perturbation';
import { createRng } from '../../../src/lib/util/rng';

describe('‖δ‖ from host-memory values', () => {
  it('equals the tensor norms (L∞, L2, L0) on wasm, with untouched pixels and exact zeros', async () => {
    await initNodeBackend('wasm');
    const rng = createRng(5);
    const shape = [4, 7, 6, 3];
    const size = shape.reduce((a, b) => a * b, 1);
    const xv = Float32Array.from({ length: size }, () => rng.next());
    // Row 0 unchanged; elsewhere a third of the pixels moved, by up to ±0.2.
    const av = Float32Array.from(xv, (v, i) => (i < size / 4 || i % 3 ? v : v + (rng.next() - 0.5) * 0.4));
    const [x, a] = [tf.tensor(xv, shape), tf.tensor(av, shape)];
    const got = await allNorms(a, x);
    const d = tf.sub(a, x);
    for (const norm of ['linf', 'l2', 'l0'] as const) {
      const want = await perturbationNorm(d, norm).data();
      for (let i = 0; i < 4; i++) expect(got[norm][i]).toBeCloseTo(want[i], 5);
    }
    expect(Array.from(got.linf.slice(0, 1))).toEqual([0]);
    expect(got.l0[1]).toBeGreaterThan(40);
    tf.dispose([x, a, d]);
  });
});
