/**
 * Faster wasm kernels for attacks and training (tfjs-backend-wasm 4.22).
 *
 * Measured here (batch 256, mnist-cnn shapes, CPU ms): the wasm Conv2DBackpropInput kernel is a plain loop —
 * 143 ms for the second conv of mnist-cnn, whose forward takes 11 ms through XNNPACK — and BatchMatMul with a
 * transposed operand is ~10× slower than without (dy·Wᵀ of the dense layer: 79 ms vs 6.5 ms after an explicit
 * transpose of 0.3 ms). ∂loss/∂x needs exactly these two, so an attack step spent most of its time in them.
 *
 * - Conv2DBackpropInput is computed as ONE ordinary convolution: for a stride-s convolution with a k×k kernel,
 *   each output phase (row j = q·s + p) is a stride-1 correlation of dy with a ⌈k/s⌉×⌈k/s⌉ sub-kernel of the
 *   filter, read at a shift that depends on the phase and the forward padding. All s² phases share one
 *   convolution whose output channels hold them side by side, and one pass in JavaScript interleaves them (see
 *   phaseAxis). The arithmetic is the forward convolution's (plus a border row and column per phase) and runs in
 *   XNNPACK: 143 → 9 ms for that layer.
 * - BatchMatMul with transposeA/transposeB transposes the operand explicitly, then runs the fast plain kernel.
 * - GatherV2 along one axis (the attack loops' and training's row selections) copies whole rows in JavaScript:
 *   the stock kernel takes ~27 ns per value, 5.4 ms to pick 250 of 256 MNIST images and 20 ms for the same rows
 *   of the first conv's activations.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmHeapBackend } from './heap-kernels';
import { simdKernelsFor, wasmBackendMemory } from './wasm-simd';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/**
 * One spatial dimension of the phase decomposition. Output row j = q·s + p (phase p) is input row j + pad of the
 * padded forward input, whose filter taps are f = r + m·s with r = (p + pad) mod s, meeting dy[q + c − m] where
 * c = ⌊(p + pad)/s⌋ (0 ≤ m < M = ⌈k/s⌉). As a stride-1 correlation of M taps over dy padded by M − 1 in front,
 * tap u of output position t reads dy[t + u − (M − 1)]: phase p's row q is position t = q + c with u = M − 1 − m.
 * Every phase thus uses an M-tap window, read at its own shift c; one convolution computes all phases at all
 * positions 0 … max c + Q − 1 and each phase takes its rows from its shift on.
 */
interface PhaseAxis {
  s: number;
  taps: number;
  /** filterRow[u][p]: the filter row used by tap u for phase p, or −1 for none (k not divisible by s). */
  filterRow: number[][];
  /** shift[p]: the convolution's position of phase p's first row. */
  shift: number[];
  /** Convolution positions needed: max shift + ⌈input size / s⌉. */
  positions: number;
}

function phaseAxis(k: number, s: number, pad: number, inSize: number): PhaseAxis {
  const taps = Math.ceil(k / s);
  const shift = Array.from({ length: s }, (_, p) => Math.floor((p + pad) / s));
  const filterRow = Array.from({ length: taps }, (_, u) =>
    shift.map((_, p) => {
      const f = ((p + pad) % s) + (taps - 1 - u) * s;
      return f < k ? f : -1;
    }),
  );
  return { s, taps, filterRow, shift, positions: Math.max(...shift) + Math.ceil(inSize / s) };
}

/**
 * ∂loss/∂x of conv2d(x, filter, strides, pad) given dy (dilation 1, NHWC), on the wasm backend: XNNPACK
 * convolutions of dy with ⌈k/s⌉×⌈k/s⌉ phase kernels, then one pass over the wasm memory that reads each input pixel
 * from its phase at that phase's shift (wasm-simd.ts copyBlocks, or a JavaScript loop).
 *
 * Two ways to lay the phases out:
 * - one convolution with all s² phases side by side in its output channels, over max shift + Q positions per axis
 *   (Q = ⌈H/s⌉): the forward's multiply–adds times (Q + 1)² / Q² for the border the shifts add (mnist-cnn's 4×4
 *   stride-2 convolutions; the earlier shared 3×3 window, the union of the phases' shifted windows, cost 2.25×);
 * - where every phase has Q rows and columns (H and W multiples of s) and at least 8 input channels: one
 *   convolution per phase over exactly its own Q×Q window, the forward's multiply–adds and no more. Measured at
 *   mnist-cnn's second conv, batch 256, in Chromium: 2.9 → 2.4 ms at 2 threads, 5.9 → 4.8 ms at 1. With fewer
 *   channels each convolution's few outputs use XNNPACK's tiles badly (the first conv, 1 channel, keeps the one).
 */
export function conv2dInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  const backend = tf.backend() as unknown as WasmHeapBackend;
  if (tf.getBackend() !== 'wasm') throw new Error(`conv2dInputGradient runs on the wasm backend, not ${tf.getBackend()}`);
  const [kh, kw, cin, cout] = filter.shape;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad as 'same', dimRoundingMode, false, 'channelsLast');
  const [n, inH, inW] = inputShape;
  const [outH, outW] = [dy.shape[1], dy.shape[2]];
  const ah = phaseAxis(kh, info.strideHeight, info.padInfo.top, inH);
  const aw = phaseAxis(kw, info.strideWidth, info.padInfo.left, inW);
  const all = ah.shift.flatMap((_, ph) => aw.shift.map((_, pw): [number, number] => [ph, pw]));
  // Per phase alone: M − 1 − shift zeros in front (output q then reads what position q + shift of the single
  // convolution reads), and behind as many as Q outputs need: front + out + back − M + 1 = Q. Both must be ≥ 0.
  const [qh, qw] = [inH / ah.s, inW / aw.s];
  const exactPad = (a: PhaseAxis, p: number, q: number, out: number) => [a.taps - 1 - a.shift[p], q + a.shift[p] - out];
  const split =
    all.length > 1 &&
    cin >= 8 &&
    Number.isInteger(qh) &&
    Number.isInteger(qw) &&
    all.every(([ph, pw]) => [...exactPad(ah, ph, qh, outH), ...exactPad(aw, pw, qw, outW)].every((v) => v >= 0));
  const groups = split ? all.map((p) => [p]) : [all];
  const convs: tf.Tensor4D[] = [];
  try {
    for (const group of groups) {
      const kernel = phaseKernel(backend, filter, ah, aw, group);
      try {
        // As the convolution's own padding: XNNPACK reads zeros there without a padded copy of dy. One for all
        // phases: M − 1 zeros in front, behind as many as the positions need beyond dy (a longer dy is not read).
        const [ph, pw] = group[0];
        const [th, tw] = split
          ? [exactPad(ah, ph, qh, outH), exactPad(aw, pw, qw, outW)]
          : [[ah.taps - 1, Math.max(0, ah.positions - outH)], [aw.taps - 1, Math.max(0, aw.positions - outW)]];
        convs.push(tf.conv2d(dy, kernel, 1, [[0, 0], th as [number, number], tw as [number, number], [0, 0]]));
      } finally {
        kernel.dispose();
      }
    }
    // Where each phase's blocks lie: its tensor, the channel of its first value, and the shift of its window.
    const sources = all.map(([ph, pw], i) =>
      split
        ? { t: convs[i], channel: 0, dh: 0, dw: 0 }
        : { t: convs[0], channel: (ph * aw.s + pw) * cin, dh: ah.shift[ph], dw: aw.shift[pw] },
    );
    const [, sh, sw, sc] = convs[0].shape;
    const out = backend.makeOutput([...inputShape], 'float32');
    const simd = simdKernelsFor(wasmBackendMemory(backend.wasm));
    const tableInfo = simd ? backend.makeOutput([inH * inW], 'float32') : null;
    // Views and addresses after the last allocation (growing the heap detaches earlier views, not addresses).
    const dst = backend.typedArrayFromHeap(out);
    const table = blockOffsets(inH, inW, ah.s, aw.s, sources.map((q) => ({ ...q, at: backend.typedArrayFromHeap(q.t).byteOffset / 4, width: sw, channels: sc })));
    const imageValues = sh * sw * sc;
    if (simd && tableInfo) {
      // The table in the wasm memory as byte addresses, then one SIMD pass (~3× the JavaScript loop).
      const tv = backend.typedArrayFromHeap(tableInfo);
      new Int32Array(tv.buffer, tv.byteOffset, table.length).set(table.map((o) => 4 * o));
      simd.copyBlocks(dst.byteOffset, 0, tv.byteOffset, table.length, n, 4 * imageValues, 4 * cin);
      backend.disposeData(tableInfo.dataId);
    } else {
      interleavePhases(new Float32Array(dst.buffer), imageValues, dst, table, cin);
    }
    return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor4D;
  } finally {
    tf.dispose(convs);
  }
}

/**
 * The kernel [Mh, Mw, cout, (phase, ci)] of the given phases, written in JavaScript into the wasm memory: 8k values
 * for mnist-cnn's second conv, where concat + gather + reshape kernels took ~0.5 ms. Taps a phase does not have
 * (k not divisible by s) are zeros.
 */
function phaseKernel(backend: WasmHeapBackend, filter: tf.Tensor4D, ah: PhaseAxis, aw: PhaseAxis, phases: [number, number][]): tf.Tensor4D {
  const [, kw, cin, cout] = filter.shape;
  const kernelInfo = backend.makeOutput([ah.taps, aw.taps, cout, phases.length * cin], 'float32');
  const f = backend.typedArrayFromHeap(filter);
  const k = backend.typedArrayFromHeap(kernelInfo);
  let o = 0;
  for (let u = 0; u < ah.taps; u++)
    for (let v = 0; v < aw.taps; v++)
      for (let co = 0; co < cout; co++)
        for (const [ph, pw] of phases) {
          const fh = ah.filterRow[u][ph];
          const fw = aw.filterRow[v][pw];
          for (let ci = 0; ci < cin; ci++) k[o++] = fh >= 0 && fw >= 0 ? f[((fh * kw + fw) * cin + ci) * cout + co] : 0;
        }
  return tf.engine().makeTensorFromTensorInfo(kernelInfo) as tf.Tensor4D;
}

/** Where one phase's blocks lie: at value `at` of the heap, rows of `width` positions of `channels` values. */
interface PhaseSource {
  at: number;
  width: number;
  channels: number;
  /** The channel of the phase's first value, and the shift of its window (rows, columns). */
  channel: number;
  dh: number;
  dw: number;
}

/**
 * out[b, y, x, c] = source[p][b, ⌊y/sh⌋ + dh, ⌊x/sw⌋ + dw, channel + c] with p = (y mod sh, x mod sw): a
 * depthToSpace with a per-phase offset (wasm's DepthToSpace is ~5× slower than its Transpose, and the offsets would
 * need s² slices around it). The mapping is the same for every image: for each output pixel of one image, in order,
 * the heap position (in values) of its block in image 0; image b's is b · (one source image's values) further.
 */
function blockOffsets(h: number, w: number, s: number, t: number, sources: PhaseSource[]): Int32Array {
  const table = new Int32Array(h * w);
  for (let y = 0, e = 0; y < h; y++)
    for (let x = 0; x < w; x++, e++) {
      const q = sources[(y % s) * t + (x % t)];
      table[e] = q.at + ((Math.floor(y / s) + q.dh) * q.width + Math.floor(x / t) + q.dw) * q.channels + q.channel;
    }
  return table;
}

/** The interleave in JavaScript (engines without WebAssembly SIMD): each image's blocks copied by the table. */
function interleavePhases(heap: Float32Array, imageValues: number, o: Float32Array, table: Int32Array, c: number): void {
  const n = o.length / c / table.length;
  let dst = 0;
  for (let b = 0; b < n; b++) {
    const image = b * imageValues;
    for (let e = 0; e < table.length; e++) {
      let from = image + table[e];
      if (c % 4 === 0) {
        // Four values per iteration: 1.8× faster in V8 than one (16 channels, mnist-cnn's first conv output).
        for (const end = dst + c; dst < end; dst += 4, from += 4) {
          o[dst] = heap[from];
          o[dst + 1] = heap[from + 1];
          o[dst + 2] = heap[from + 2];
          o[dst + 3] = heap[from + 3];
        }
      } else {
        for (let ci = 0; ci < c; ci++) o[dst++] = heap[from + ci];
      }
    }
  }
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

interface GatherAttrs {
  axis: number;
  batchDims: number;
}

/**
 * GatherV2 without batch dimensions on float32 or int32 values, as block copies: for each position before the axis
 * and each index, the contiguous block after the axis. Null where it does not apply (batch dimensions, another
 * dtype, an index out of range: the stock kernel then runs and reports it as it always did).
 */
function gatherBlocks(backend: WasmHeapBackend, x: tf.TensorInfo, indices: tf.TensorInfo, attrs: GatherAttrs): tf.TensorInfo | null {
  if (attrs.batchDims !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32') return null;
  const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
  const size = x.shape[axis];
  const idx = backend.typedArrayFromHeap(indices) as unknown as Int32Array;
  for (let i = 0; i < idx.length; i++) if (idx[i] < 0 || idx[i] >= size) return null;
  const outer = x.shape.slice(0, axis).reduce((p, q) => p * q, 1);
  const inner = x.shape.slice(axis + 1).reduce((p, q) => p * q, 1);
  const out = backend.makeOutput([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype as 'float32');
  // Views after the allocation (growing the heap detaches earlier ones); float32 and int32 are both 4-byte copies.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const ids = backend.typedArrayFromHeap(indices) as unknown as Int32Array;
  let o = 0;
  for (let a = 0; a < outer; a++)
    for (let j = 0; j < ids.length; j++) {
      const from = (a * size + ids[j]) * inner;
      // A native copy pays off for long blocks (an image, an activation map); short ones (logits) copy in a loop.
      if (inner >= 32) dst.set(src.subarray(from, from + inner), o);
      else for (let i = 0; i < inner; i++) dst[o + i] = src[from + i];
      o += inner;
    }
  return out;
}

const registeredFor = new Set<string>();

/** Replaces wasm's slow Conv2DBackpropInput, transposed BatchMatMul and GatherV2 (see the file comment). Idempotent. */
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
  const gather = tf.getKernel('GatherV2', backendName);
  if (gather && backendName === 'wasm') {
    tf.unregisterKernel('GatherV2', backendName);
    tf.registerKernel({
      kernelName: 'GatherV2',
      backendName,
      kernelFunc: (args) => {
        const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
        return gatherBlocks(args.backend as unknown as WasmHeapBackend, x, indices, args.attrs as unknown as GatherAttrs) ?? gather.kernelFunc(args);
      },
    });
  }
  registeredFor.add(backendName);
}
