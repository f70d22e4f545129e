/**
 * Conv2DBackpropFilter as a convolution.
 *
 * tfjs-backend-wasm 4.22 ships no Conv2DBackpropFilter kernel (tfjs issue #8474), so training a conv net —
 * and even an input gradient through a fused conv with linear activation — fails there. The stock cpu kernel
 * exists but is a naive loop, ~50× slower than a convolution.
 *
 * The filter gradient of a stride-s convolution is itself a convolution:
 *   dW[a,b,ci,co] = Σ_{n,i,j} xPadded[n, i·s + a·d, j·s + b·d, ci] · dy[n,i,j,co]
 * Treat input channels as the batch and the batch as channels: convolve xPadded transposed to [Cin,Hp,Wp,N]
 * with dy transposed to [Ho,Wo,N,Cout] used as the filter, with dilation = s (stride 1). The result is
 * [Cin, ·, ·, Cout]; taking every d-th row/column from 0 to (k−1)·d and transposing gives [kh,kw,Cin,Cout].
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmHeapBackend } from './heap-kernels';

interface FilterGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
  dilations?: [number, number] | number;
}

/** Computes the filter gradient with ordinary tf ops (so it runs on any backend that has Conv2D). */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: FilterGradAttrs['pad'],
  dilations: [number, number] | number = 1,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      x.shape,
      filterShape,
      strides,
      dilations,
      pad as 'valid' | 'same' | number,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const [kh, kw] = [filterShape[0], filterShape[1]];
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
    const { top, left } = info.padInfo;
    const [ho, wo] = [info.outHeight, info.outWidth];
    // Rows/cols of padded x that the forward conv reads: up to (ho−1)·s + (k−1)·d.
    const needH = (ho - 1) * sh + (kh - 1) * dh + 1;
    const needW = (wo - 1) * sw + (kw - 1) * dw + 1;
    const xT = paddedTransposed(x, top, left, needH, needW); // [Cin, Hp, Wp, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, N, Cout]
    // conv2d's dilation requires stride 1; here the forward stride becomes the dilation.
    const full = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [sh, sw]); // [Cin, (kh−1)·dh+1, (kw−1)·dw+1, Cout]
    const picked =
      dh === 1 && dw === 1
        ? full
        : tf.stridedSlice(full, [0, 0, 0, 0], [full.shape[0], (kh - 1) * dh + 1, (kw - 1) * dw + 1, full.shape[3]], [1, dh, dw, 1]);
    return tf.transpose(picked, [1, 2, 0, 3]) as tf.Tensor4D; // [kh, kw, Cin, Cout]
  });
}

/**
 * x [N, H, W, Cin] zero-padded by (top, left), cropped or padded to needH × needW, and transposed to
 * [Cin, needH, needW, N]. On wasm this is one pass in JavaScript over the backend's memory (a kernel of this file):
 * wasm's Pad and Transpose took ~1.4 ms CPU for the first conv's input at batch 128, the pass ~0.4 ms — once per
 * training step and conv layer. Elsewhere, the same with tf.pad, tf.slice and tf.transpose.
 */
function paddedTransposed(x: tf.Tensor4D, top: number, left: number, needH: number, needW: number): tf.Tensor4D {
  if (tf.getBackend() === 'wasm' && x.dtype === 'float32' && tf.getKernel(PAD_TRANSPOSE, 'wasm')) {
    return tf.engine().runKernel(PAD_TRANSPOSE, { x }, { top, left, needH, needW } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  const bottom = Math.max(0, needH - x.shape[1] - top);
  const right = Math.max(0, needW - x.shape[2] - left);
  let xp: tf.Tensor4D = x;
  if (top || bottom || left || right) {
    xp = tf.pad(x, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
  }
  // Crop to exactly what the forward pass read, so the "valid" conv below has a small output.
  if (xp.shape[1] > needH || xp.shape[2] > needW) {
    xp = tf.slice(xp, [0, 0, 0, 0], [-1, needH, needW, -1]);
  }
  return tf.transpose(xp, [3, 1, 2, 0]);
}

/** The kernel behind paddedTransposed on wasm (a name of this project, not a tfjs op). */
export const PAD_TRANSPOSE = 'AdvPlaygroundPadTransposeCHWN';

interface PadTransposeAttrs {
  top: number;
  left: number;
  needH: number;
  needW: number;
}

/** out[c, r, q, n] = x[n, r − top, q − left, c], 0 outside x. Writes the output in order; reads stride by Cin. */
export function padTransposeInto(dst: Float32Array, src: Float32Array, shape: readonly number[], a: PadTransposeAttrs): void {
  const [N, H, W, C] = shape;
  const image = H * W * C;
  let o = 0;
  for (let c = 0; c < C; c++)
    for (let r = 0; r < a.needH; r++) {
      const xr = r - a.top;
      for (let q = 0; q < a.needW; q++) {
        const xq = q - a.left;
        if (xr < 0 || xr >= H || xq < 0 || xq >= W) {
          dst.fill(0, o, o + N);
          o += N;
          continue;
        }
        let from = (xr * W + xq) * C + c;
        for (let n = 0; n < N; n++, from += image) dst[o++] = src[from];
      }
    }
}

function registerPadTranspose(): void {
  if (tf.getKernel(PAD_TRANSPOSE, 'wasm')) return;
  tf.registerKernel({
    kernelName: PAD_TRANSPOSE,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmHeapBackend;
      const x = inputs.x as tf.TensorInfo;
      const a = attrs as unknown as PadTransposeAttrs;
      const out = b.makeOutput([x.shape[3], a.needH, a.needW, x.shape[0]], 'float32');
      // Views after the allocation: growing the heap detaches earlier ones.
      padTransposeInto(b.typedArrayFromHeap(out), b.typedArrayFromHeap(x), x.shape, a);
      return out;
    },
  });
}

const registeredFor = new Set<string>();

/**
 * Registers the convolution-based Conv2DBackpropFilter for a backend, replacing a missing (wasm) or slow (cpu)
 * kernel. Idempotent. Backends whose own kernel is fast (webgl, webgpu) are left alone.
 */
export function registerConvFilterGradKernel(backendName: string): void {
  if (registeredFor.has(backendName)) return;
  if (tf.getKernel('Conv2DBackpropFilter', backendName)) {
    tf.unregisterKernel('Conv2DBackpropFilter', backendName);
  }
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
      const a = attrs as unknown as FilterGradAttrs;
      if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter: NCHW is not supported');
      // A Tensor returned from a kernel function is taken as the output as it is.
      return conv2dFilterGradient(x, dy, a.filterShape, a.strides, a.pad, a.dilations ?? 1, a.dimRoundingMode) as unknown as tf.TensorInfo;
    },
  });
  if (backendName === 'wasm') registerPadTranspose();
  registeredFor.add(backendName);
}
