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
 * ∂loss/∂x of conv2d(x, filter, strides, pad) given dy (dilation 1, NHWC), on the wasm backend: one XNNPACK
 * convolution of dy with the ⌈k/s⌉×⌈k/s⌉ phase kernel (all s² phases side by side in its output channels), then
 * one pass in JavaScript over the wasm memory that reads each input pixel from its phase at that phase's shift.
 * For mnist-cnn's 4×4 stride-2 convolutions the kernel is 2×2 per phase: the forward's multiply–adds times
 * (Q + 1)² / Q² for the border the shifts add (Q = ⌈H/s⌉); the earlier shared 3×3 window (the union of the
 * phases' shifted windows) cost 2.25× them.
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
  // The phase kernel [Mh, Mw, cout, (ph, pw, ci)], written in JavaScript into the wasm memory: 8k values for
  // mnist-cnn's second conv, where concat + gather + reshape kernels took ~0.5 ms.
  const kernelInfo = backend.makeOutput([ah.taps, aw.taps, cout, ah.s * aw.s * cin], 'float32');
  {
    const f = backend.typedArrayFromHeap(filter);
    const k = backend.typedArrayFromHeap(kernelInfo);
    let o = 0;
    for (let u = 0; u < ah.taps; u++)
      for (let v = 0; v < aw.taps; v++)
        for (let co = 0; co < cout; co++)
          for (let ph = 0; ph < ah.s; ph++)
            for (let pw = 0; pw < aw.s; pw++) {
              const fh = ah.filterRow[u][ph];
              const fw = aw.filterRow[v][pw];
              for (let ci = 0; ci < cin; ci++) k[o++] = fh >= 0 && fw >= 0 ? f[((fh * kw + fw) * cin + ci) * cout + co] : 0;
            }
  }
  const kernel = tf.engine().makeTensorFromTensorInfo(kernelInfo) as tf.Tensor4D;
  let phases: tf.Tensor4D;
  try {
    // M − 1 zeros in front; behind, as many as the positions need beyond dy (a longer dy is simply not read).
    // As the convolution's own padding: XNNPACK reads zeros there without a padded copy of dy.
    phases = tf.conv2d(dy, kernel, 1, [
      [0, 0],
      [ah.taps - 1, Math.max(0, ah.positions - outH)],
      [aw.taps - 1, Math.max(0, aw.positions - outW)],
      [0, 0],
    ]);
  } finally {
    kernel.dispose();
  }
  const out = backend.makeOutput([...inputShape], 'float32');
  const table = blockOffsets(inputShape, phases.shape, ah, aw);
  const simd = simdKernelsFor(wasmBackendMemory(backend.wasm));
  if (simd) {
    // The table in the wasm memory (as byte offsets), then one SIMD pass: ~3× the JavaScript loop below.
    const tableInfo = backend.makeOutput([table.length], 'float32');
    const [tv, src, dst] = [tableInfo, phases, out].map((t) => backend.typedArrayFromHeap(t)); // after the last allocation
    new Int32Array(tv.buffer, tv.byteOffset, table.length).set(table.map((o) => 4 * o));
    const [, th, tw, tc] = phases.shape;
    simd.copyBlocks(dst.byteOffset, src.byteOffset, tv.byteOffset, table.length, inputShape[0], 4 * th * tw * tc, 4 * inputShape[3]);
    backend.disposeData(tableInfo.dataId);
  } else {
    // Views after the last allocation: growing the heap detaches earlier views.
    interleavePhases(backend.typedArrayFromHeap(phases), phases.shape, backend.typedArrayFromHeap(out), table);
  }
  phases.dispose();
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor4D;
}

/**
 * out[b, y, x, c] = phases[b, ⌊y/sh⌋ + shift(y mod sh), ⌊x/sw⌋ + shift(x mod sw), ((y mod sh)·sw + x mod sw)·C + c]:
 * depthToSpace with a per-phase offset, in one pass (wasm's DepthToSpace is ~5× slower than its Transpose, and
 * the offsets would need s² slices around it). The mapping is the same for every image: for each output pixel of
 * one image, in order, the offset (in values) of its C-value block within one image of the phases.
 */
function blockOffsets(shape: [number, number, number, number], srcShape: number[], ah: PhaseAxis, aw: PhaseAxis): Int32Array {
  const [, h, w, c] = shape;
  const [, , tw, tc] = srcShape;
  const table = new Int32Array(h * w);
  for (let y = 0, e = 0; y < h; y++) {
    const py = y % ah.s;
    const row = (Math.floor(y / ah.s) + ah.shift[py]) * tw * tc + py * aw.s * c;
    for (let x = 0; x < w; x++, e++) {
      const px = x % aw.s;
      table[e] = row + (Math.floor(x / aw.s) + aw.shift[px]) * tc + px * c;
    }
  }
  return table;
}

/** The interleave in JavaScript (engines without WebAssembly SIMD): each image's blocks copied by the table. */
function interleavePhases(src: Float32Array, srcShape: number[], o: Float32Array, table: Int32Array): void {
  const [n, th, tw, tc] = srcShape;
  const c = o.length / n / table.length;
  let dst = 0;
  for (let b = 0; b < n; b++) {
    const image = b * th * tw * tc;
    for (let e = 0; e < table.length; e++) {
      let from = image + table[e];
      if (c % 4 === 0) {
        // Four values per iteration: 1.8× faster in V8 than one (16 channels, mnist-cnn's first conv output).
        for (const end = dst + c; dst < end; dst += 4, from += 4) {
          o[dst] = src[from];
          o[dst + 1] = src[from + 1];
          o[dst + 2] = src[from + 2];
          o[dst + 3] = src[from + 3];
        }
      } else {
        for (let ci = 0; ci < c; ci++) o[dst++] = src[from + ci];
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
