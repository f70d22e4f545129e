/**
 * Browser-only set-up of tfjs-backend-wasm, shared by the engine worker and the bench worker: where the three
 * .wasm builds are (bundled by Vite with `?url`), and how many threads XNNPACK gets. Both must be set before the
 * wasm backend initialises. Not imported in Node (Node loads the .wasm from disk and has no threads).
 */
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { parseThreadsParam, threadEnvironment, wasmThreadPlan } from '../lib/backend/threads';

export interface WasmThreads {
  count: number;
  note: string;
  warning: string | null;
}

/**
 * Registers the wasm backend with its file paths and the thread count asked for by `search` (`?threads=N`,
 * default: one per core where the page is cross-origin isolated). Returns a reader of the threads actually running,
 * to call once the backend is initialised.
 */
export async function prepareWasm(search: string): Promise<() => WasmThreads> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlainUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  });
  const { requested, warning } = parseThreadsParam(search);
  const plan = wasmThreadPlan(threadEnvironment(), requested, warning);
  wasm.setThreadsCount(plan.threads);
  const restore = plan.threadedBuild ? reportCoresForTfjs(plan.threads) : () => {};
  return () => {
    restore();
    let count = 1;
    try {
      count = wasm.getThreadsCount();
    } catch {
      // Not initialised (another backend was chosen): the plan is all there is to say.
      count = plan.threads;
    }
    // The single-threaded builds report the requested count back without using it.
    if (!plan.threadedBuild) count = 1;
    return { count, note: plan.note, warning: plan.warning };
  };
}

/**
 * tfjs-backend-wasm caps its pool at half of `navigator.hardwareConcurrency` (read once, when the wasm module
 * starts), assuming two hardware threads per core; on a 2-core laptop or VM that means one thread whatever
 * setThreadsCount asks. Until the module has started, this worker's navigator reports twice the planned count, so
 * the cap equals the plan; the returned function puts the real value back. Only the worker that owns tfjs sees it.
 */
function reportCoresForTfjs(threads: number): () => void {
  const nav = (globalThis as unknown as { navigator?: object }).navigator;
  if (!nav) return () => {};
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => threads * 2 });
  } catch {
    return () => {};
  }
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  };
}
