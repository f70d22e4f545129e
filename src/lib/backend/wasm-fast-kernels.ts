/**
 * Faster wasm kernels for the backward pass of attacks and training (tfjs-backend-wasm 4.22).
 *
 * Measured here (batch 256, mnist-cnn shapes, CPU ms): the wasm Conv2DBackpropInput kernel is a plain loop —
 * 143 ms for the second conv of mnist-cnn, whose forward takes 11 ms through XNNPACK — and BatchMatMul with a
 * transposed operand is ~10× slower than without (dy·Wᵀ of the dense layer: 79 ms vs 6.5 ms after an explicit
 * transpose of 0.3 ms). ∂loss/∂x needs exactly these two, so an attack step spent most of its time in them.
 *
 * - Conv2DBackpropInput is computed as ONE ordinary convolution: for a stride-s convolution with a k×k kernel,
 *   each output phase (row j = q·s + p) is a stride-1 correlation of dy with a flipped sub-kernel of the filter,
 *   shifted by the forward padding. All s² phases share one convolution whose output channels hold them side by
 *   side; a reshape + transpose interleaves them (see phaseAxis). The arithmetic equals the forward convolution's
 *   and runs in XNNPACK: 143 → ~27 ms for that layer.
 * - BatchMatMul with transposeA/transposeB transposes the operand explicitly, then runs the fast plain kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmHeapBackend } from './heap-kernels';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/**
 * One spatial dimension of the phase decomposition. Output row j = q·s + p (phase p) is input row t = j + pad of
 * the padded forward input, whose filter taps are f = r + m·s with r = (p + pad) mod s, meeting dy[q + c − m] where
 * c = ⌊(p + pad)/s⌋. As a stride-1 correlation over dy padded by M − 1 in front, tap u reads dy[q + u − (M − 1)],
 * so u = c − m + M − 1: U = max c + M taps in all.
 */
interface PhaseAxis {
  s: number;
  taps: number;
  /** filterRow[u][p]: the filter row used by tap u for phase p, or −1 for none. */
  filterRow: number[][];
  /** Zeros before dy. */
  front: number;
}

function phaseAxis(k: number, s: number, pad: number): PhaseAxis {
  const m = Math.ceil(k / s);
  const shift = Array.from({ length: s }, (_, p) => Math.floor((p + pad) / s));
  const taps = Math.max(...shift) + m;
  const filterRow = Array.from({ length: taps }, (_, u) =>
    shift.map((c, p) => {
      const mm = c + m - 1 - u;
      const f = ((p + pad) % s) + mm * s;
      return mm >= 0 && mm < m && f < k ? f : -1;
    }),
  );
  return { s, taps, filterRow, front: m - 1 };
}

/** ∂loss/∂x of conv2d(x, filter, strides, pad) given dy, with ordinary ops (dilation 1, NHWC). */
export function conv2dInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, cin, cout] = filter.shape;
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad as 'same', dimRoundingMode, false, 'channelsLast');
    const [n, inH, inW] = inputShape;
    const [outH, outW] = [dy.shape[1], dy.shape[2]];
    const ah = phaseAxis(kh, info.strideHeight, info.padInfo.top);
    const aw = phaseAxis(kw, info.strideWidth, info.padInfo.left);
    const zero = kh * kw * cin * cout; // index of the 0 appended to the flat filter
    const index = new Int32Array(ah.taps * aw.taps * cout * ah.s * aw.s * cin);
    let o = 0;
    for (let u = 0; u < ah.taps; u++)
      for (let v = 0; v < aw.taps; v++)
        for (let co = 0; co < cout; co++)
          for (let ph = 0; ph < ah.s; ph++)
            for (let pw = 0; pw < aw.s; pw++) {
              const fh = ah.filterRow[u][ph];
              const fw = aw.filterRow[v][pw];
              for (let ci = 0; ci < cin; ci++) index[o++] = fh >= 0 && fw >= 0 ? ((fh * kw + fw) * cin + ci) * cout + co : zero;
            }
    const flat = tf.concat([tf.reshape(filter, [-1]), tf.zeros([1])]);
    const kernel = tf.reshape(tf.gather(flat, tf.tensor1d(index, 'int32')), [ah.taps, aw.taps, cout, ah.s * aw.s * cin]) as tf.Tensor4D;
    // Q phase outputs per axis give Q·s ≥ the input size; dy is padded so the stride-1 convolution yields exactly Q
    // where it can (and is sliced where dy reaches past what the input needs).
    const qh = Math.ceil(inH / ah.s);
    const qw = Math.ceil(inW / aw.s);
    const backH = qh + ah.taps - 1 - ah.front - outH;
    const backW = qw + aw.taps - 1 - aw.front - outW;
    const padded = tf.pad(dy, [
      [0, 0],
      [ah.front, Math.max(0, backH)],
      [aw.front, Math.max(0, backW)],
      [0, 0],
    ]) as tf.Tensor4D;
    let phases = tf.conv2d(padded, kernel, 1, 'valid');
    if (phases.shape[1] !== qh || phases.shape[2] !== qw) phases = tf.slice(phases, [0, 0, 0, 0], [n, qh, qw, -1]);
    const full = ah.s === 1 && aw.s === 1 ? phases : interleave(phases, ah.s, aw.s, cin);
    return (full.shape[1] === inH && full.shape[2] === inW ? full : tf.slice(full, [0, 0, 0, 0], [n, inH, inW, cin])) as tf.Tensor4D;
  });
}

/**
 * [N, Q, P, sh·sw·C] with channels ordered (phase row, phase column, c) → [N, Q·sh, P·sw, C]: depthToSpace, done
 * as reshape + rank-4 transpose (wasm's DepthToSpace kernel is ~5× slower than its Transpose).
 */
function interleave(t: tf.Tensor4D, sh: number, sw: number, c: number): tf.Tensor4D {
  const [n, q, p] = t.shape;
  const split = tf.reshape(t, [n * q, p, sh, sw * c]);
  return tf.reshape(tf.transpose(split, [0, 2, 1, 3]), [n, q * sh, p * sw, c]);
}

interface BackpropInputAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/**
 * Below this batch size building the phase kernel costs more than it saves (Conv2DBackpropInput then runs as one
 * matMul and a scatter-add, below), and a transposed matMul with this few output rows or columns is faster than
 * transposing its operand.
 */
const SMALL_BATCH = 8;


/**
 * ∂loss/∂x of a convolution at a small batch, inside one kernel: cols = W·dyᵀ ([kh·kw·cin, n·oh·ow], one plain
 * XNNPACK matMul of the filter as [kh·kw·cin, cout] and dy transposed in JS), then each column scattered back to the
 * input pixels it came from (col2im). The stock kernel is a scalar loop: 250 µs CPU for the second conv of mnist-cnn
 * at batch 1, against ~45 µs this way (transposing dy, 1.5k values, costs less than the stock matMul's slow
 * transposed-operand path; the filter needs no copy at all, its HWIO layout already is [kh·kw·cin, cout]).
 * The matMul goes straight to the stock kernel function and intermediates are freed here, so the whole input
 * gradient is one kernel to the engine (at batch 1 every kernel costs engine overhead too).
 */
function smallBatchInputGradient(
  backend: WasmHeapBackend,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  a: BackpropInputAttrs,
  stockMatMul: tf.KernelConfig,
): tf.TensorInfo {
  const [kh, kw, cin, cout] = filter.shape;
  const [n, inH, inW] = a.inputShape;
  const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad as 'same', a.dimRoundingMode, false, 'channelsLast');
  const [oh, ow] = [dy.shape[1], dy.shape[2]];
  const q = n * oh * ow;
  const taps = kh * kw * cin;
  const dyT = backend.makeOutput([cout, q], 'float32');
  {
    const src = backend.typedArrayFromHeap(dy);
    const dst = backend.typedArrayFromHeap(dyT);
    for (let i = 0; i < q; i++) for (let c = 0; c < cout; c++) dst[c * q + i] = src[i * cout + c];
  }
  const cols = stockMatMul.kernelFunc({
    inputs: { a: { dataId: filter.dataId, shape: [taps, cout], dtype: 'float32' }, b: dyT },
    backend: backend as unknown as tf.KernelBackend,
    attrs: { transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
  backend.disposeData(dyT.dataId);
  const out = backend.makeOutput([...a.inputShape], 'float32');
  // Views after the last allocation: growing the heap detaches earlier views.
  const c = backend.typedArrayFromHeap(cols);
  const o = backend.typedArrayFromHeap(out);
  o.fill(0);
  const [sh, sw, top, left] = [info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left];
  for (let ky = 0; ky < kh; ky++)
    for (let kx = 0; kx < kw; kx++)
      for (let ci = 0; ci < cin; ci++) {
        const row = ((ky * kw + kx) * cin + ci) * q;
        for (let b = 0; b < n; b++)
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * sh - top + ky;
            if (iy < 0 || iy >= inH) continue;
            const src = row + (b * oh + oy) * ow;
            const dst = (b * inH + iy) * inW;
            for (let ox = 0; ox < ow; ox++) {
              const ix = ox * sw - left + kx;
              if (ix >= 0 && ix < inW) o[(dst + ix) * cin + ci] += c[src + ox];
            }
          }
      }
  backend.disposeData(cols.dataId);
  return out;
}

const registeredFor = new Set<string>();

/** Replaces wasm's slow Conv2DBackpropInput and transposed BatchMatMul (see the file comment). Idempotent. */
export function registerFastBackwardKernels(backendName: string): void {
  if (registeredFor.has(backendName)) return;
  const conv = tf.getKernel('Conv2DBackpropInput', backendName);
  const matMul = tf.getKernel('BatchMatMul', backendName);
  if (conv) {
    tf.unregisterKernel('Conv2DBackpropInput', backendName);
    tf.registerKernel({
      kernelName: 'Conv2DBackpropInput',
      backendName,
      kernelFunc: (args) => {
        const a = args.attrs as unknown as BackpropInputAttrs;
        const { dy, filter } = args.inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
        if (a.dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return conv.kernelFunc(args);
        // Building the phase kernel costs a few ms: small batches take one matMul and a scatter-add instead.
        if (dy.shape[0] < SMALL_BATCH) {
          if (!matMul || backendName !== 'wasm') return conv.kernelFunc(args);
          return smallBatchInputGradient(args.backend as unknown as WasmHeapBackend, dy, filter, a, matMul);
        }
        // A Tensor returned from a kernel function is taken as the output as it is.
        return conv2dInputGradient(dy, filter, a.inputShape, a.strides, a.pad, a.dimRoundingMode) as unknown as tf.TensorInfo;
      },
    });
  }
  if (matMul) {
    tf.unregisterKernel('BatchMatMul', backendName);
    tf.registerKernel({
      kernelName: 'BatchMatMul',
      backendName,
      kernelFunc: (args) => {
        const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
        const { a, b } = args.inputs as { a: tf.Tensor; b: tf.Tensor };
        // Rows of the output (and columns): with few of them the transpose would cost more than it saves.
        const rows = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2];
        const cols = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
        if ((!transposeA && !transposeB) || Math.min(rows, cols) < SMALL_BATCH) return matMul.kernelFunc(args);
        const swap = (t: tf.Tensor) => tf.transpose(t, [...t.shape.keys()].map((i, _, all) => (i < all.length - 2 ? i : 2 * all.length - 3 - i)));
        // The inner matMul has no transposes, so it reaches the original kernel.
        return tf.tidy(() => tf.matMul(transposeA ? swap(a) : a, transposeB ? swap(b) : b)) as unknown as tf.TensorInfo;
      },
    });
  }
  registeredFor.add(backendName);
}
