import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { simdKernelsFor, simdModuleBytes, viewsIn, wasmBackendMemory } from '../../src/lib/backend/wasm-simd';
import { clampInto, signStepInBox, signStepInBoxComposed } from '../../src/lib/attacks/sign-step-kernel';
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
});
