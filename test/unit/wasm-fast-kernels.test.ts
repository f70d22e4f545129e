import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { conv2dInputGradient } from '../../src/lib/backend/wasm-fast-kernels';
import { createRng } from '../../src/lib/util/rng';

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

/** Reference: dx[n,r,c,ci] = Σ dy[n,i,j,co]·W[a,b,ci,co] over i·sh + a − top = r, j·sw + b − left = c. */
async function loopInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, shape: number[], sh: number, sw: number, top: number, left: number): Promise<Float64Array> {
  const [N, H, W, Cin] = shape;
  const [, Ho, Wo, Cout] = dy.shape;
  const [kh, kw] = w.shape;
  const dv = await dy.data();
  const wv = await w.data();
  const out = new Float64Array(N * H * W * Cin);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Wo; j++)
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const r = i * sh + a - top;
            const c = j * sw + b - left;
            if (r < 0 || c < 0 || r >= H || c >= W) continue;
            for (let ci = 0; ci < Cin; ci++)
              for (let co = 0; co < Cout; co++)
                out[((n * H + r) * W + c) * Cin + ci] += dv[((n * Ho + i) * Wo + j) * Cout + co] * wv[((a * kw + b) * Cin + ci) * Cout + co];
          }
  return out;
}

const cases: { H: number; W: number; k: [number, number]; s: [number, number]; pad: 'same' | 'valid' | number }[] = [
  { H: 9, W: 9, k: [3, 3], s: [1, 1], pad: 'same' },
  { H: 9, W: 8, k: [3, 3], s: [1, 1], pad: 'valid' },
  { H: 28, W: 28, k: [4, 4], s: [2, 2], pad: 'same' },
  { H: 14, W: 14, k: [4, 4], s: [2, 2], pad: 'same' },
  { H: 11, W: 11, k: [4, 4], s: [2, 2], pad: 'valid' },
  { H: 10, W: 13, k: [5, 3], s: [3, 2], pad: 'same' },
  { H: 12, W: 12, k: [2, 2], s: [3, 3], pad: 'valid' },
  { H: 8, W: 9, k: [3, 3], s: [2, 1], pad: 1 },
];

describe('wasm backward kernels', () => {
  beforeAll(async () => {
    const info = await initNodeBackend('wasm');
    expect(info.backend).toBe('wasm');
  });

  type Case = (typeof cases)[number];
  type Shape4 = [number, number, number, number];

  /** `inputGradient` at batch `n` of a case, against the direct sum, with no tensor left behind. */
  async function checkAgainstDirectSum({ H, W, k, s, pad }: Case, n: number, seed: number, inputGradient: (dy: tf.Tensor4D, w: tf.Tensor4D, shape: Shape4) => tf.Tensor, cin = 3) {
    const shape: Shape4 = [n, H, W, cin];
    const w = randomTensor([k[0], k[1], cin, 4], seed) as tf.Tensor4D;
    const info = tf.backend_util.computeConv2DInfo(shape, w.shape, s, 1, pad as 'same');
    const dy = randomTensor([n, info.outHeight, info.outWidth, 4], seed + 1) as tf.Tensor4D;
    const expected = await loopInputGrad(dy, w, shape, s[0], s[1], info.padInfo.top, info.padInfo.left);
    const before = tf.memory().numTensors;
    const got = inputGradient(dy, w, shape);
    expect(got.shape).toEqual(shape);
    const values = await got.data();
    let maxErr = 0;
    for (let i = 0; i < expected.length; i++) maxErr = Math.max(maxErr, Math.abs(values[i] - expected[i]));
    expect(maxErr).toBeLessThan(1e-4);
    got.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, dy]);
  }

  for (const c of cases) {
    it(`Conv2DBackpropInput as one convolution matches a direct sum: ${c.H}×${c.W}, k=${c.k}, stride ${c.s}, pad ${c.pad}`, async () => {
      await checkAgainstDirectSum(c, 2, 1, (dy, w, shape) => conv2dInputGradient(dy, w, shape, c.s, c.pad));
    });
    it(`at a small batch the registered kernel (matMul + scatter-add) matches a direct sum: ${c.H}×${c.W}, k=${c.k}, stride ${c.s}, pad ${c.pad}`, async () => {
      for (const n of [1, 3]) await checkAgainstDirectSum(c, n, 11 + n, (dy, w, shape) => tf.conv2dTranspose(dy, w, shape, c.s, c.pad as 'same'));
    });
  }

  it('at batch 8 and more the registered kernel (the phase convolution) matches a direct sum', async () => {
    for (const c of [cases[2], cases[4], cases[6]]) await checkAgainstDirectSum(c, 9, 21, (dy, w, shape) => tf.conv2dTranspose(dy, w, shape, c.s, c.pad as 'same'));
    // Input channels a multiple of 4 take the interleave's four-at-a-time copy (mnist-cnn's second conv has 16).
    // With 8 channels and H, W multiples of the stride, each phase gets its own exact convolution (cases 3 and 7,
    // and one with taps a phase lacks: k not divisible by s on both axes); case 5 (10 rows, stride 3) keeps one.
    const uneven: Case = { H: 12, W: 10, k: [3, 5], s: [2, 2], pad: 'same' };
    for (const c of [cases[3], cases[5], cases[7], uneven]) await checkAgainstDirectSum(c, 8, 23, (dy, w, shape) => tf.conv2dTranspose(dy, w, shape, c.s, c.pad as 'same'), 8);
  });

  it('GatherV2 copies the indexed blocks along any axis, for float32 and int32, with no tensor left behind', async () => {
    const shape = [3, 4, 5, 6];
    const x = randomTensor(shape, 31);
    const xi = tf.tensor(Int32Array.from({ length: 360 }, (_, i) => i * 7 - 100), shape, 'int32');
    const xv = await x.data();
    const xiv = await xi.data();
    // Reference by index arithmetic on the values: out[..., j, ...] = x[..., idx[j], ...] along `axis`.
    const expected = (values: ArrayLike<number>, axis: number, idx: number[]) => {
      const outer = shape.slice(0, axis).reduce((p, q) => p * q, 1);
      const inner = shape.slice(axis + 1).reduce((p, q) => p * q, 1);
      const out: number[] = [];
      for (let a = 0; a < outer; a++) for (const j of idx) for (let i = 0; i < inner; i++) out.push(values[(a * shape[axis] + j) * inner + i]);
      return out;
    };
    const before = tf.memory().numTensors;
    for (const [axis, idx] of [[0, [2, 0, 2]], [1, [3, 1]], [2, [4, 0, 0, 1]], [3, [5, 2]], [-1, [1]]] as [number, number[]][]) {
      const a = axis < 0 ? axis + 4 : axis;
      const want = [...shape.slice(0, a), idx.length, ...shape.slice(a + 1)];
      const ids = tf.tensor1d(idx, 'int32');
      const g = tf.gather(x, ids, axis);
      const gi = tf.gather(xi, ids, axis);
      expect(g.shape).toEqual(want);
      expect(gi.dtype).toBe('int32');
      expect(Array.from(await g.data())).toEqual(expected(xv, a, idx).map((v) => Math.fround(v)));
      expect(Array.from(await gi.data())).toEqual(expected(xiv, a, idx));
      tf.dispose([g, gi, ids]);
    }
    // Indices of rank 2 (shape [2, 2] in place of the axis) and a scalar index (the axis dropped).
    const ids2 = tf.tensor2d([[1, 0], [2, 2]], [2, 2], 'int32');
    const ids0 = tf.scalar(1, 'int32');
    const g2 = tf.gather(x, ids2, 0);
    expect(g2.shape).toEqual([2, 2, 4, 5, 6]);
    expect(Array.from(await g2.data())).toEqual(expected(xv, 0, [1, 0, 2, 2]).map((v) => Math.fround(v)));
    const g0 = tf.gather(x, ids0, 1);
    expect(g0.shape).toEqual([3, 5, 6]);
    expect(Array.from(await g0.data())).toEqual(expected(xv, 1, [1]).map((v) => Math.fround(v)));
    tf.dispose([g2, g0, ids2, ids0]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, xi]);
  });

  it('the registered kernel serves tf.grad through a strided conv', async () => {
    const x = randomTensor([3, 10, 10, 2], 3) as tf.Tensor4D;
    const w = randomTensor([4, 4, 2, 5], 4) as tf.Tensor4D;
    const upstream = randomTensor([3, 5, 5, 5], 5);
    const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xi as tf.Tensor4D, w, 2, 'same'), upstream)))(x);
    const info = tf.backend_util.computeConv2DInfo(x.shape, w.shape, 2, 1, 'same');
    const expected = await loopInputGrad(upstream as tf.Tensor4D, w, x.shape, 2, 2, info.padInfo.top, info.padInfo.left);
    const values = await g.data();
    for (let i = 0; i < expected.length; i++) expect(values[i]).toBeCloseTo(expected[i], 4);
    tf.dispose([x, w, upstream, g]);
  });

  it('BatchMatMul with transposed operands equals the product of explicitly transposed matrices', async () => {
    const a = randomTensor([2, 5, 7], 6);
    const b = randomTensor([2, 4, 7], 7);
    const c = randomTensor([2, 5, 4], 8);
    const d = randomTensor([2, 7, 5], 9);
    const pairs: [tf.Tensor, tf.Tensor][] = [
      [tf.matMul(a, b, false, true), tf.matMul(a, tf.transpose(b, [0, 2, 1]))],
      [tf.matMul(a, c, true, false), tf.matMul(tf.transpose(a, [0, 2, 1]), c)],
      [tf.matMul(c, d, true, true), tf.matMul(tf.transpose(c, [0, 2, 1]), tf.transpose(d, [0, 2, 1]))],
    ];
    for (const [got, ref] of pairs) {
      expect(got.shape).toEqual(ref.shape);
      const [gv, rv] = await Promise.all([got.data(), ref.data()]);
      for (let i = 0; i < gv.length; i++) expect(gv[i]).toBeCloseTo(rv[i], 4);
    }
    const av = await a.data();
    const bv = await b.data();
    const ab = await pairs[0][0].data();
    // One entry by hand: (A·Bᵀ)[1, 2, 3] = Σ_k A[1,2,k]·B[1,3,k].
    let sum = 0;
    for (let k = 0; k < 7; k++) sum += av[1 * 35 + 2 * 7 + k] * bv[1 * 28 + 3 * 7 + k];
    expect(ab[1 * 20 + 2 * 4 + 3]).toBeCloseTo(sum, 4);
    tf.dispose([a, b, c, d, ...pairs.flat()]);
  });
});
