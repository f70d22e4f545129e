/**
 * The L∞ sign step of FGSM/BIM/PGD with its projection, as one kernel where the backend allows it:
 *
 *   x' = min(max(x + α·sign(g), lo), hi)
 *
 * with α per example ([n, 1, …]) and lo/hi the per-pixel interval that the ε-cube around the clean input and the
 * input box leave (perturbation.ts linfInterval, computed once per run). Composed from tfjs ops this is nine
 * kernels (sign from two comparisons and two casts — wasm's Sign is wrong for tiny values, see step-rules.ts
 * exactSign — then multiply, add, maximum, minimum); at batch 1 an interactive step is bound by its kernel count.
 * On wasm and cpu it is one pass over the backend's memory (backend/heap-kernels.ts); other backends (WebGPU,
 * WebGL) run the composed ops.
 *
 * sign(0) = 0 and sign(NaN) = 0, as exactSign; the sum is rounded to float32 as the composed Add does, so both
 * paths give the same bits (tested).
 */
import * as tf from '@tensorflow/tfjs';
import { hasHeapKernels, registerHeapKernel, runHeapKernel } from '../backend/heap-kernels';
import { simdKernelsFor, viewsIn } from '../backend/wasm-simd';
import { exactSign } from './step-rules';

const KERNEL = 'AdvSignStepInBox';
const CLAMP = 'AdvClampInto';

function compute(out: Float32Array, inputs: ArrayLike<number>[], memory: WebAssembly.Memory | null): void {
  const [x, g, step, lo, hi] = inputs;
  const rows = step.length;
  const per = out.length / rows;
  // On wasm: four lanes at a time, branch-free, in place (wasm-simd.ts; the same bits as the loop below).
  const simd = per % 4 === 0 ? simdKernelsFor(memory) : null;
  if (simd && viewsIn(simd.memory, [out, ...inputs])) {
    const at = (v: ArrayLike<number>) => (v as Float32Array).byteOffset;
    simd.signStepInBox(out.byteOffset, at(x), at(g), at(step), at(lo), at(hi), rows, per);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const a = step[r];
    for (let i = r * per, end = i + per; i < end; i++) {
      const gi = g[i];
      let v = Math.fround(x[i] + (gi > 0 ? a : gi < 0 ? -a : 0));
      if (v < lo[i]) v = lo[i];
      if (v > hi[i]) v = hi[i];
      out[i] = v;
    }
  }
}

/** The composed-op form, for backends without the kernel (and as the reference the kernel is tested against). */
export function signStepInBoxComposed(x: tf.Tensor, g: tf.Tensor, step: tf.Tensor, lo: tf.Tensor, hi: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.minimum(tf.maximum(x.add(step.mul(exactSign(g))), lo), hi));
}

/**
 * min(max(x + step·sign(g), lo), hi): x, g, lo, hi of one shape [n, …], step [n, 1, …] (per example), all float32.
 * One kernel on wasm and cpu; the composed ops elsewhere.
 */
export function signStepInBox(x: tf.Tensor, g: tf.Tensor, step: tf.Tensor, lo: tf.Tensor, hi: tf.Tensor): tf.Tensor {
  if ([g, lo, hi].some((t) => t.size !== x.size) || x.size % step.size !== 0) {
    throw new Error(`signStepInBox: shapes do not fit (x ${x.shape}, g ${g.shape}, step ${step.shape}, lo ${lo.shape}, hi ${hi.shape})`);
  }
  if (!hasHeapKernels([x, g, step, lo, hi])) return signStepInBoxComposed(x, g, step, lo, hi);
  registerHeapKernel(KERNEL, ['x', 'g', 'step', 'lo', 'hi'], compute);
  return runHeapKernel(KERNEL, { x, g, step, lo, hi });
}

function clampValues(out: Float32Array, inputs: ArrayLike<number>[], memory: WebAssembly.Memory | null): void {
  const [t, lo, hi] = inputs;
  const simd = out.length % 4 === 0 ? simdKernelsFor(memory) : null;
  if (simd && viewsIn(simd.memory, [out, ...inputs])) {
    simd.clampInto(out.byteOffset, (t as Float32Array).byteOffset, (lo as Float32Array).byteOffset, (hi as Float32Array).byteOffset, out.length);
    return;
  }
  for (let i = 0; i < out.length; i++) {
    let v = t[i];
    if (v < lo[i]) v = lo[i];
    if (v > hi[i]) v = hi[i];
    out[i] = v;
  }
}

/**
 * min(max(t, lo), hi) for tensors of one shape (the L∞ projection onto a per-pixel interval): one heap kernel on
 * wasm and cpu, where the stock Maximum and Minimum are slow loops (~0.9 ms CPU each at 128 MNIST images).
 */
export function clampInto(t: tf.Tensor, lo: tf.Tensor, hi: tf.Tensor): tf.Tensor {
  if (lo.size !== t.size || hi.size !== t.size || !hasHeapKernels([t, lo, hi])) return tf.tidy(() => tf.minimum(tf.maximum(t, lo), hi));
  registerHeapKernel(CLAMP, ['t', 'lo', 'hi'], clampValues);
  return runHeapKernel(CLAMP, { t, lo, hi });
}
