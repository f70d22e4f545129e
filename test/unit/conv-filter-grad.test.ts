import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { conv2dFilterGradient, PAD_TRANSPOSE } from '../../src/lib/backend/conv-filter-grad';
import { createRng } from '../../src/lib/util/rng';

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

/** Reference: Σ over (n,i,j) of x[n, i·s + a − pad, j·s + b − pad, ci]·dy[n,i,j,co], by plain loops. */
function loopFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, s: number, padTop: number, padLeft: number): Float64Array {
  const [N, H, W, Cin] = x.shape;
  const [, Ho, Wo, Cout] = dy.shape;
  const xv = x.dataSync();
  const dv = dy.dataSync();
  const out = new Float64Array(k * k * Cin * Cout);
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++)
      for (let ci = 0; ci < Cin; ci++)
        for (let co = 0; co < Cout; co++) {
          let sum = 0;
          for (let n = 0; n < N; n++)
            for (let i = 0; i < Ho; i++)
              for (let j = 0; j < Wo; j++) {
                const r = i * s + a - padTop;
                const c = j * s + b - padLeft;
                if (r < 0 || c < 0 || r >= H || c >= W) continue;
                sum += xv[((n * H + r) * W + c) * Cin + ci] * dv[((n * Ho + i) * Wo + j) * Cout + co];
              }
          out[((a * k + b) * Cin + ci) * Cout + co] = sum;
        }
  return out;
}

const cases = [
  { H: 9, k: 3, s: 1, pad: 'same' as const },
  { H: 9, k: 3, s: 1, pad: 'valid' as const },
  { H: 10, k: 3, s: 2, pad: 'same' as const },
  { H: 11, k: 4, s: 2, pad: 'valid' as const },
  { H: 12, k: 4, s: 2, pad: 'same' as const },
  { H: 8, k: 5, s: 3, pad: 'same' as const },
];

describe('Conv2DBackpropFilter as a convolution (wasm)', () => {
  beforeAll(async () => {
    const info = await initNodeBackend('wasm');
    expect(info.backend).toBe('wasm');
  });

  for (const { H, k, s, pad } of cases) {
    it(`matches a direct sum: ${H}×${H}, k=${k}, stride ${s}, ${pad}`, () => {
      const x = randomTensor([2, H, H, 3], 1) as tf.Tensor4D;
      const info = tf.backend_util.computeConv2DInfo(x.shape, [k, k, 3, 4], s, 1, pad);
      const dy = randomTensor([2, info.outHeight, info.outWidth, 4], 2) as tf.Tensor4D;
      const expected = loopFilterGrad(x, dy, k, s, info.padInfo.top, info.padInfo.left);
      const got = conv2dFilterGradient(x, dy, [k, k, 3, 4], s, pad);
      expect(got.shape).toEqual([k, k, 3, 4]);
      const g = got.dataSync();
      let maxErr = 0;
      for (let i = 0; i < g.length; i++) maxErr = Math.max(maxErr, Math.abs(g[i] - expected[i]));
      expect(maxErr).toBeLessThan(1e-4);
      tf.dispose([x, dy, got]);
    });
  }

  // The padded, cropped, transposed input is a pure data movement: the kernel must give the stock ops' bits.
  const moves = [
    { N: 3, H: 5, W: 6, C: 2, top: 1, left: 2, needH: 8, needW: 7 }, // padded on all four sides
    { N: 2, H: 7, W: 7, C: 1, top: 0, left: 0, needH: 5, needW: 6 }, // cropped, no padding
    { N: 4, H: 6, W: 5, C: 3, top: 2, left: 1, needH: 7, needW: 5 }, // padded above/left, cropped below/right
  ];
  for (const m of moves) {
    it(`the wasm pad + transpose kernel equals tf.pad, tf.slice and tf.transpose (${JSON.stringify(m)})`, () => {
      expect(tf.getKernel(PAD_TRANSPOSE, 'wasm')).toBeDefined();
      const x = randomTensor([m.N, m.H, m.W, m.C], 11);
      const before = tf.memory().numTensors;
      const got = tf.engine().runKernel(PAD_TRANSPOSE, { x }, { top: m.top, left: m.left, needH: m.needH, needW: m.needW } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const want = tf.tidy(() => {
        const bottom = Math.max(0, m.needH - m.H - m.top);
        const right = Math.max(0, m.needW - m.W - m.left);
        const padded = tf.pad(x, [[0, 0], [m.top, bottom], [m.left, right], [0, 0]]);
        return tf.transpose(tf.slice(padded, [0, 0, 0, 0], [-1, m.needH, m.needW, -1]), [3, 1, 2, 0]);
      });
      expect(got.shape).toEqual([m.C, m.needH, m.needW, m.N]);
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
      tf.dispose([got, want]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  }

  it('pads with zeros even where the wasm memory held other values', () => {
    // Freed memory of the same size is reused by the next output: fill it with ones first.
    const ones = tf.ones([1, 4, 4, 2]);
    const size = tf.tidy(() => tf.ones([2, 4, 4, 1]).mul(7));
    size.dispose();
    const got = tf.engine().runKernel(PAD_TRANSPOSE, { x: ones }, { top: 1, left: 1, needH: 4, needW: 4 } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const v = got.dataSync();
    // Row 0 and column 0 of the output are padding; the other 9 positions per channel come from x (ones).
    for (let c = 0; c < 2; c++)
      for (let r = 0; r < 4; r++) for (let q = 0; q < 4; q++) expect(v[(c * 4 + r) * 4 + q]).toBe(r === 0 || q === 0 ? 0 : 1);
    tf.dispose([ones, got]);
  });

  it('serves tf.grad through a conv on wasm and agrees with finite differences of the loss', () => {
    const x = randomTensor([1, 8, 8, 2], 3) as tf.Tensor4D;
    const w = randomTensor([3, 3, 2, 3], 4) as tf.Tensor4D;
    const loss = (filter: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, filter as tf.Tensor4D, 2, 'same')));
    const g = tf.grad(loss)(w);
    const gv = g.dataSync();
    const wv = w.dataSync();
    const h = 1e-2;
    for (const idx of [0, 7, 20, 53]) {
      const plus = Float32Array.from(wv);
      const minus = Float32Array.from(wv);
      plus[idx] += h;
      minus[idx] -= h;
      const lp = tf.tidy(() => loss(tf.tensor4d(plus, w.shape)).dataSync()[0]);
      const lm = tf.tidy(() => loss(tf.tensor4d(minus, w.shape)).dataSync()[0]);
      const fd = (lp - lm) / (2 * h);
      expect(Math.abs(gv[idx] - fd)).toBeLessThan(1e-2 * Math.max(1, Math.abs(fd)));
    }
    tf.dispose([x, w, g]);
  });

  it('leaves no tensors behind', () => {
    const x = randomTensor([2, 10, 10, 3], 5) as tf.Tensor4D;
    const w = randomTensor([3, 3, 3, 4], 6) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const g = tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same')))(w);
      g.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});

describe('Conv2DBackpropFilter on cpu agrees with wasm', () => {
  it('gives the same filter gradient on both backends (stride 2, same)', async () => {
    const grads: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initNodeBackend(backend);
      const g = tf.tidy(() => {
        const x = randomTensor([2, 12, 12, 3], 7) as tf.Tensor4D;
        const w = randomTensor([4, 4, 3, 5], 8) as tf.Tensor4D;
        return tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, 2, 'same'))))(w);
      });
      grads.push(g.dataSync() as Float32Array);
      g.dispose();
    }
    for (let i = 0; i < grads[0].length; i++) expect(Math.abs(grads[0][i] - grads[1][i])).toBeLessThan(1e-3);
  });
});
