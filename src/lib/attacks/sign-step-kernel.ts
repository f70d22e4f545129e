/**
 * The L∞ sign step of FGSM/BIM/PGD with its projection, as one kernel where the backend allows it:
 *
 *   x' = min(max(x + α·sign(g), lo), hi)
 *
 * with α per example ([n, 1, …]) and lo/hi the per-pixel interval that the ε-cube around the clean input and the
 * input box leave (attacks/perturbation.ts linfInterval, computed once per run). Composed from tfjs ops this is nine
 * kernels (sign from two comparisons and two casts — wasm's Sign is wrong for tiny values, see step-rules.ts
 * exactSign — then multiply, add, maximum, minimum); at batch 1 each kernel costs more in engine overhead than in
 * arithmetic, so an interactive step is bound by their number. On wasm and cpu the kernel below reads and writes the
 * backend's own memory in one pass. Other backends (WebGPU, WebGL) run the composed ops.
 *
 * sign(0) = 0 and sign(NaN) = 0, as exactSign (step-rules.ts); the sum is rounded to float32 as the composed Add does, so both
 * paths give the same bits (tested).
 */
import * as tf from '@tensorflow/tfjs';
import { exactSign } from './step-rules';

const KERNEL = 'AdvSignStepInBox';

/** Memory access of the wasm backend's kernels (BackendWasm is not exported as a type). */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** Memory access of the cpu backend's kernels (MathBackendCPU). */
interface CpuBackend {
  data: { get(dataId: tf.DataId): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

interface StepInputs {
  x: tf.TensorInfo;
  g: tf.TensorInfo;
  step: tf.TensorInfo;
  lo: tf.TensorInfo;
  hi: tf.TensorInfo;
}

function fill(out: Float32Array, x: ArrayLike<number>, g: ArrayLike<number>, step: ArrayLike<number>, lo: ArrayLike<number>, hi: ArrayLike<number>): void {
  const rows = step.length;
  const per = out.length / rows;
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

function register(): void {
  if (!tf.getKernel(KERNEL, 'wasm')) {
    tf.registerKernel({
      kernelName: KERNEL,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const { x, g, step, lo, hi } = inputs as unknown as StepInputs;
        const b = backend as unknown as WasmHeapBackend;
        const out = b.makeOutput([...x.shape], 'float32');
        // Views after the allocation: growing the heap detaches earlier ones.
        const view = (t: tf.TensorInfo) => b.typedArrayFromHeap(t);
        fill(view(out), view(x), view(g), view(step), view(lo), view(hi));
        return out;
      },
    });
  }
  if (!tf.getKernel(KERNEL, 'cpu')) {
    tf.registerKernel({
      kernelName: KERNEL,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend }) => {
        const { x, g, step, lo, hi } = inputs as unknown as StepInputs;
        const b = backend as unknown as CpuBackend;
        const values = (t: tf.TensorInfo) => b.data.get(t.dataId).values;
        const out = new Float32Array(x.shape.reduce((p, q) => p * q, 1));
        fill(out, values(x), values(g), values(step), values(lo), values(hi));
        return b.makeTensorInfo([...x.shape], 'float32', out);
      },
    });
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
  const backend = tf.getBackend();
  if ((backend === 'wasm' || backend === 'cpu') && [x, g, step, lo, hi].every((t) => t.dtype === 'float32')) {
    register();
    return tf.engine().runKernel(KERNEL, { x, g, step, lo, hi } as unknown as tf.NamedTensorMap) as tf.Tensor;
  }
  return signStepInBoxComposed(x, g, step, lo, hi);
}
