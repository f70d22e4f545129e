/**
 * Small element-wise kernels written in JavaScript over the wasm and cpu backends' own memory.
 *
 * Why: at batch 1 an attack step is bound by the number of tfjs kernels it runs (each carries engine overhead of
 * the order of the arithmetic of a whole 28×28 image), and several chains of stock kernels (sign, multiply, add,
 * clamp; step and multiply for a ReLU's backward) compute one value per element from values at the same index. One
 * pass in JS over the backend's memory does such a chain in one kernel. WebGPU and WebGL keep the composed ops
 * (callers check `hasHeapKernels`).
 */
import * as tf from '@tensorflow/tfjs';
import { simdKernelsFor, wasmBackendMemory, type SimdKernels } from './wasm-simd';

/** Memory access of the wasm backend's kernels (BackendWasm is not exported as a type). */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  disposeData(dataId: tf.DataId): boolean;
  /** The emscripten module (its WebAssembly.Memory is where every tensor lives). */
  wasm: unknown;
}

/** Memory access of the cpu backend's kernels (MathBackendCPU). */
interface CpuBackend {
  data: { get(dataId: tf.DataId): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

/**
 * Fills `out` (the shape of the first input) from the inputs' values, in the order they were named. On wasm the
 * arrays are views on `memory`, the backend's WebAssembly.Memory (for the SIMD kernels of wasm-simd.ts); on cpu it
 * is null.
 */
export type HeapCompute = (out: Float32Array, inputs: ArrayLike<number>[], memory: WebAssembly.Memory | null) => void;

/** Registers `name` on wasm and cpu as one pass of `compute` over float32 inputs (idempotent). */
export function registerHeapKernel(name: string, inputNames: readonly string[], compute: HeapCompute): void {
  if (!tf.getKernel(name, 'wasm')) {
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as WasmHeapBackend;
        const ins = inputNames.map((k) => inputs[k] as tf.TensorInfo);
        const out = b.makeOutput([...ins[0].shape], 'float32');
        // Views after the allocation: growing the heap detaches earlier ones.
        compute(b.typedArrayFromHeap(out), ins.map((t) => b.typedArrayFromHeap(t)), wasmBackendMemory(b.wasm));
        return out;
      },
    });
  }
  if (!tf.getKernel(name, 'cpu')) {
    tf.registerKernel({
      kernelName: name,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as CpuBackend;
        const ins = inputNames.map((k) => inputs[k] as tf.TensorInfo);
        const out = new Float32Array(ins[0].shape.reduce((p, q) => p * q, 1));
        compute(out, ins.map((t) => b.data.get(t.dataId).values), null);
        return b.makeTensorInfo([...ins[0].shape], 'float32', out);
      },
    });
  }
}

/** Whether the active backend keeps tensors in host memory (wasm, cpu), where reading one back is a plain copy. */
export function hostMemoryBackend(): boolean {
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu';
}

/**
 * The values of a float32 tensor where they lie in host memory, without a copy (null on other backends and
 * dtypes). Read them at once: on wasm this is a view on the heap, which the next allocation may detach.
 */
export function hostView(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const backend = tf.backend() as unknown;
  if (tf.getBackend() === 'wasm') return (backend as WasmHeapBackend).typedArrayFromHeap(t);
  if (tf.getBackend() === 'cpu') {
    const values = (backend as CpuBackend).data.get(t.dataId).values;
    return values instanceof Float32Array ? values : null;
  }
  return null;
}

/** The SIMD kernels of wasm-simd.ts bound to the active wasm backend's memory; null on other backends or without SIMD. */
export function activeSimdKernels(): SimdKernels | null {
  if (tf.getBackend() !== 'wasm') return null;
  return simdKernelsFor(wasmBackendMemory((tf.backend() as unknown as WasmHeapBackend).wasm));
}

/**
 * How the active backend runs the attack loop's element-wise passes (the sign step and its clamp, the progress
 * norms, the input gradient's interleave): WebAssembly SIMD on wasm where the engine has it, JavaScript loops on
 * wasm without it and on cpu, the backend's own kernels on a GPU.
 */
export type ElementWisePath = 'wasm-simd' | 'javascript' | 'backend-kernels';

export function elementWisePath(): ElementWisePath {
  if (activeSimdKernels()) return 'wasm-simd';
  return hostMemoryBackend() ? 'javascript' : 'backend-kernels';
}

/** The same, in words, for benchmark reports. */
export function elementWisePasses(): string {
  return { 'wasm-simd': 'element-wise passes in WebAssembly SIMD', javascript: 'element-wise passes in JavaScript', 'backend-kernels': 'element-wise passes as backend kernels' }[elementWisePath()];
}

/** The largest float32 not above t (t ≥ 0): for float32 values v, v > t exactly when v > this. */
function float32Below(t: number): number {
  const f = new Float32Array([t]);
  if (f[0] > t) new Int32Array(f.buffer)[0] -= 1;
  return f[0];
}

/**
 * Per row of a − b ([n, …] float32 on wasm): ‖·‖∞, ‖·‖₂ and the count of |δ| > threshold, as [3·n] (in that
 * order), by the SIMD kernel of wasm-simd.ts on the tensors where they lie, through a scratch of 3·n values in the
 * heap; no tfjs kernel. Null where it does not apply (another backend, no SIMD, rows not a multiple of 4 values).
 */
export function simdRowNorms(a: tf.Tensor, b: tf.Tensor, threshold: number): Float32Array | null {
  const n = a.shape[0];
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.size !== b.size || n === 0 || (a.size / n) % 4 !== 0) return null;
  const simd = activeSimdKernels();
  if (!simd) return null;
  const backend = tf.backend() as unknown as WasmHeapBackend;
  const scratch = backend.makeOutput([3 * n], 'float32');
  try {
    const [out, va, vb] = [scratch, a, b].map((t) => backend.typedArrayFromHeap(t)); // after the allocation
    simd.rowNorms(out.byteOffset, va.byteOffset, vb.byteOffset, n, a.size / n, float32Below(threshold));
    return out.slice();
  } finally {
    backend.disposeData(scratch.dataId);
  }
}

/** Whether the active backend runs heap kernels, for these (float32) tensors. */
export function hasHeapKernels(tensors: tf.Tensor[]): boolean {
  return hostMemoryBackend() && tensors.every((t) => t.dtype === 'float32');
}

/** Runs a registered heap kernel on named inputs. */
export function runHeapKernel(name: string, inputs: Record<string, tf.Tensor>): tf.Tensor {
  return tf.engine().runKernel(name, inputs as tf.NamedTensorMap) as tf.Tensor;
}
