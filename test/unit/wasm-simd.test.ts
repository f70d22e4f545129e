import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { setSimdKernelsEnabled, simdKernelsFor, simdModuleBytes, viewsIn, wasmBackendMemory } from '../../src/lib/backend/wasm-simd';
import { simdRowNorms } from '../../src/lib/backend/heap-kernels';
import { conv2dInputGradient } from '../../src/lib/backend/wasm-fast-kernels';
import { clampInto, signStepInBox, signStepInBoxComposed } from '../../src/lib/attacks/sign-step-kernel';
import { L0_THRESHOLD, allNorms, normsOfValues } from '../../src/lib/attacks/perturbation';
import { createRng } from '../../src/lib/util/rng';

/** The reference, written from the definition: x + α·sign(g) in float32, then `v < lo ? lo : v`, `v > hi ? hi : v`. */
function signStepReference(x: Float32Array, g: Float32Array, step: Float32Array, lo: Float32Array, hi: Float32Array): Float32Array {
  const per = x.length / step.length;
  return Float32Array.from(x, (xi, i) => {
    const a = step[Math.floor(i / per)];
    const s = g[i] > 0 ? a : g[i] < 0 ? -a : 0;
    let v = Math.fround(xi + s);
    if (v < lo[i]) v = lo[i];
    if (v > hi[i]) v = hi[i];
    return v;
  });
}

/** Arrays with the awkward values: NaN, ±0 and tiny gradients, iterates outside the interval on both sides, −0. */
function awkward(rows: number, per: number, seed: number) {
  const rng = createRng(seed);
  const n = rows * per;
  const lo = Float32Array.from({ length: n }, () => Math.fround(rng.next() * 0.5));
  const hi = Float32Array.from(lo, (l, i) => (i % 11 === 0 ? l : Math.fround(l + rng.next() * 0.3)));
  const x = Float32Array.from(lo, (l, i) => [Math.fround(l - 0.01), hi[i], l, Math.fround(hi[i] + 0.2), -0, Math.fround((l + hi[i]) / 2)][i % 6]);
  const g = Float32Array.from({ length: n }, (_, i) => [NaN, 0, -0, 1e-30, -1e-38, rng.normal(), -rng.next(), Infinity][i % 8]);
  const step = Float32Array.from({ length: rows }, (_, r) => [0.01, 0, 0.3, 1e-8][r % 4]);
  return { x, g, step, lo, hi };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Copies arrays into `memory` one after another (unaligned to 16 bytes on purpose) and returns their addresses. */
function place(memory: WebAssembly.Memory, arrays: Float32Array[]): { at: number[]; view: (i: number) => Float32Array } {
  const at: number[] = [];
  let off = 20;
  for (const a of arrays) {
    at.push(off);
    new Float32Array(memory.buffer, off, a.length).set(a);
    off += a.length * 4 + 12;
  }
  return { at, view: (i) => new Float32Array(memory.buffer, at[i], arrays[i].length) };
}

describe('WebAssembly SIMD kernels (wasm-simd.ts)', () => {
  for (const shared of [false, true]) {
    it(`${shared ? 'shared' : 'plain'} memory: the sign step and the clamp give the reference's bits`, () => {
      expect(WebAssembly.validate(simdModuleBytes(shared))).toBe(true);
      const memory = new WebAssembly.Memory(shared ? { initial: 2, maximum: 16, shared: true } : { initial: 2 });
      const simd = simdKernelsFor(memory);
      expect(simd).not.toBeNull();
      for (const [rows, per] of [[1, 4], [4, 8], [5, 12]]) {
        const { x, g, step, lo, hi } = awkward(rows, per, rows * 31 + per);
        const out = new Float32Array(x.length).fill(7);
        const m = place(memory, [out, x, g, step, lo, hi]);
        simd!.signStepInBox(m.at[0], m.at[1], m.at[2], m.at[3], m.at[4], m.at[5], rows, per);
        expect(bits(m.view(0))).toEqual(bits(signStepReference(x, g, step, lo, hi)));
        // The inputs are left as they were.
        expect(bits(m.view(1))).toEqual(bits(x));
        simd!.clampInto(m.at[0], m.at[1], m.at[4], m.at[5], x.length);
        const clamped = Float32Array.from(x, (v, i) => (v < lo[i] ? lo[i] : v > hi[i] ? hi[i] : v));
        expect(bits(m.view(0))).toEqual(bits(clamped));
      }
      expect(simdKernelsFor(memory)).toBe(simd); // compiled once per memory
    });
  }

  it('copyBlocks gathers whole blocks by the table, image after image (vector and word copies, any block size)', () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    const simd = simdKernelsFor(memory)!;
    const rng = createRng(5);
    for (const block of [1, 3, 4, 6, 16]) {
      const images = 3;
      const imageLength = 40 + block * 5;
      const src = Float32Array.from({ length: images * imageLength }, () => rng.normal());
      src[7] = NaN;
      src[9] = -0;
      const table = Int32Array.from({ length: 9 }, () => Math.floor(rng.next() * (imageLength - block + 1)));
      const want = new Float32Array(images * table.length * block);
      let o = 0;
      for (let i = 0; i < images; i++) for (const t of table) for (let k = 0; k < block; k++) want[o++] = src[i * imageLength + t + k];
      const m = place(memory, [new Float32Array(want.length), src, new Float32Array(table.length)]);
      new Int32Array(memory.buffer, m.at[2], table.length).set(table.map((t) => 4 * t));
      simd.copyBlocks(m.at[0], m.at[1], m.at[2], table.length, images, 4 * imageLength, 4 * block);
      expect(bits(m.view(0))).toEqual(bits(want));
    }
  });

  it('rowNorms agrees with normsOfValues: ‖·‖∞ and ‖·‖₀ bit for bit, ‖·‖₂ to float32 rounding', () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    const simd = simdKernelsFor(memory)!;
    const rng = createRng(8);
    const rows = 5;
    const per = 28;
    const b = Float32Array.from({ length: rows * per }, () => rng.next());
    // Unchanged values, changes around the ‖·‖₀ threshold (float32 of 1e-7 lies above it), ordinary ones, a NaN.
    const a = Float32Array.from(b, (v, i) => [v, v + 0.1, v - 0.25, Math.fround(1e-7), 2e-7, v + rng.normal() * 0.01][i % 6]);
    b.fill(0, 0, 8);
    a[3 * per + 5] = NaN;
    const threshold = new Float32Array([L0_THRESHOLD]);
    if (threshold[0] > L0_THRESHOLD) new Int32Array(threshold.buffer)[0] -= 1;
    const m = place(memory, [new Float32Array(3 * rows), a, b]);
    simd.rowNorms(m.at[0], m.at[1], m.at[2], rows, per, threshold[0]);
    const got = m.view(0);
    const want = normsOfValues(a, b, rows);
    expect(bits(got.slice(0, rows))).toEqual(bits(want.linf));
    expect(Array.from(got.slice(2 * rows))).toEqual(Array.from(want.l0));
    for (let r = 0; r < rows; r++) {
      if (r === 3) expect(got[rows + r]).toBeNaN(); // the NaN row's sum of squares, as in JavaScript
      else expect(Math.abs(got[rows + r] - want.l2[r])).toBeLessThanOrEqual(1e-7 * want.l2[r]);
    }
    expect(want.l2[3]).toBeNaN();
    expect(want.l0[0]).toBeGreaterThan(0); // the threshold cases are really there
  });

  it('views are checked against the memory\'s current buffer (growing it detaches the old ones)', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const before = new Float32Array(memory.buffer, 0, 4);
    expect(viewsIn(memory, [before])).toBe(true);
    expect(viewsIn(memory, [new Float32Array(4)])).toBe(false);
    expect(viewsIn(memory, [[1, 2, 3, 4]])).toBe(false);
    memory.grow(1);
    expect(viewsIn(memory, [before])).toBe(false);
    expect(viewsIn(memory, [new Float32Array(memory.buffer, 0, 4)])).toBe(true);
    expect(simdKernelsFor(null)).toBeNull();
  });

  it('the wasm backend exposes its memory, the kernels bind to it, and the tensor kernels keep their bits on both paths', async () => {
    await initNodeBackend('wasm');
    const memory = wasmBackendMemory((tf.backend() as unknown as { wasm: unknown }).wasm);
    expect(memory).toBeInstanceOf(WebAssembly.Memory);
    expect(simdKernelsFor(memory)).not.toBeNull();
    // Rows of 8 take the SIMD path, rows of 6 the JavaScript loop: both equal the composed ops and the reference.
    for (const per of [8, 6]) {
      const rows = 4;
      const { x, g, step, lo, hi } = awkward(rows, per, per);
      const shape = [rows, per];
      const t = [x, g, lo, hi].map((a) => tf.tensor(a, shape));
      const stepT = tf.tensor(step, [rows, 1]);
      const before = tf.memory().numTensors;
      const fused = signStepInBox(t[0], t[1], stepT, t[2], t[3]);
      const composed = signStepInBoxComposed(t[0], t[1], stepT, t[2], t[3]);
      const fv = (await fused.data()) as Float32Array;
      expect(bits(fv)).toEqual(bits(signStepReference(x, g, step, lo, hi)));
      expect(bits(fv)).toEqual(bits((await composed.data()) as Float32Array));
      const clamped = clampInto(t[0], t[2], t[3]);
      expect(bits((await clamped.data()) as Float32Array)).toEqual(bits(Float32Array.from(x, (v, i) => (v < lo[i] ? lo[i] : v > hi[i] ? hi[i] : v))));
      tf.dispose([fused, composed, clamped]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([...t, stepT]);
    }
  });

  it('with the SIMD kernels off, the JavaScript loops give the same input gradients, steps and norms', async () => {
    await initNodeBackend('wasm');
    const rng = createRng(12);
    const x = tf.tensor(Float32Array.from({ length: 9 * 28 * 28 }, () => rng.next()), [9, 28, 28, 1]);
    const adv = tf.tidy(() => x.add(tf.randomUniform(x.shape, -0.1, 0.1, 'float32', 4)).clipByValue(0, 1));
    const dy = [tf.randomNormal([9, 14, 14, 16], 0, 1, 'float32', 1), tf.randomNormal([9, 7, 7, 32], 0, 1, 'float32', 2)] as tf.Tensor4D[];
    const filters = [tf.randomNormal([4, 4, 1, 16], 0, 1, 'float32', 3), tf.randomNormal([4, 4, 16, 32], 0, 1, 'float32', 5)] as tf.Tensor4D[];
    const shapes: [number, number, number, number][] = [[9, 28, 28, 1], [9, 14, 14, 16]];
    const run = async () => {
      const grads = [0, 1].map((i) => conv2dInputGradient(dy[i], filters[i], shapes[i], 2, 'same'));
      const out = await Promise.all(grads.map(async (g) => bits((await g.data()) as Float32Array)));
      tf.dispose(grads);
      return { grads: out, norms: await allNorms(adv, x) };
    };
    expect(simdRowNorms(adv, x, L0_THRESHOLD)).not.toBeNull();
    const withSimd = await run();
    setSimdKernelsEnabled(false);
    try {
      expect(simdRowNorms(adv, x, L0_THRESHOLD)).toBeNull();
      const withoutSimd = await run();
      expect(withoutSimd.grads).toEqual(withSimd.grads);
      expect(bits(withoutSimd.norms.linf)).toEqual(bits(withSimd.norms.linf));
      expect(Array.from(withoutSimd.norms.l0)).toEqual(Array.from(withSimd.norms.l0));
      withoutSimd.norms.l2.forEach((v, i) => expect(Math.abs(v - withSimd.norms.l2[i])).toBeLessThanOrEqual(1e-7 * v));
    } finally {
      setSimdKernelsEnabled(true);
    }
    tf.dispose([x, adv, ...dy, ...filters]);
  });
});
