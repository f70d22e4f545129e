/**
 * Browser-only set-up of tfjs-backend-wasm, shared by the engine worker and the bench worker: where the three
 * .wasm builds are (bundled by Vite with `?url`), and how many threads XNNPACK gets. Both must be set before the
 * wasm backend initialises. Not imported in Node (Node loads the .wasm from disk and has no threads).
 */
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { parseThreadsParam, threadEnvironment, wasmThreadPlan } from '../lib/backend/threads';
import { chooseWasmThreads, type BackendRole, type ThreadChoice } from '../lib/backend/choice';
import { indexedDbThreadCache, probeCacheKey } from '../lib/backend/probe-cache';
import { probeCurrentBackend } from '../lib/backend/probe';

export interface WasmThreads {
  count: number;
  note: string;
  warning: string | null;
  /** Where the threaded build runs and no ?threads= was given: the count each lane's engine uses, and why. */
  byRole?: Record<BackendRole, ThreadChoice>;
}

export interface WasmSetupOptions {
  /** What this engine serves: single images (the Attack Lab's lane) or batches (the background lane). */
  role?: BackendRole;
  /**
   * Time this lane's thread count once per device (probe.ts, ~0.2 s) and remember it, so that later starts choose
   * each lane's count from measurements (choice.ts chooseWasmThreads). Off in the bench, which sets its counts.
   */
  measure?: boolean;
}

/**
 * Registers the wasm backend with its file paths and the thread count: `?threads=N` where `search` asks, else the
 * count chooseWasmThreads gives this lane's role from earlier measurements on this device (before any: one thread
 * for single images, one per core for batches). The count is fixed when the wasm module starts, and each lane is a
 * worker with its own module, so the two lanes run different counts. Returns a reader of the threads actually
 * running, to call once a backend is initialised (with its name: on wasm it may time this count, once).
 */
export async function prepareWasm(search: string, options: WasmSetupOptions = {}): Promise<(backend: string) => Promise<WasmThreads>> {
  const role = options.role ?? 'interactive';
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlainUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  });
  const { requested, warning } = parseThreadsParam(search);
  const env = threadEnvironment();
  const plan = wasmThreadPlan(env, requested, warning);
  const chosen = plan.threadedBuild && requested === null;
  const cache = chosen && options.measure !== false ? indexedDbThreadCache() : null;
  const key = probeCacheKey({ userAgent: (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? 'unknown', cores: env.hardwareConcurrency, adapter: null });
  const measured = cache ? await cache.load(key) : [];
  const byRole = chosen
    ? { interactive: chooseWasmThreads(measured, 'interactive', plan.threads), batch: chooseWasmThreads(measured, 'batch', plan.threads) }
    : undefined;
  const threads = byRole ? byRole[role].threads : plan.threads;
  wasm.setThreadsCount(threads);
  const restore = plan.threadedBuild ? reportCoresForTfjs(threads) : () => {};
  return async (backend: string) => {
    restore();
    let count = 1;
    try {
      count = wasm.getThreadsCount();
    } catch {
      // Not initialised (another backend was chosen): the plan is all there is to say.
      count = threads;
    }
    // The single-threaded builds report the requested count back without using it.
    if (!plan.threadedBuild) count = 1;
    if (backend === 'wasm' && cache && !measured.some((t) => t.threads === count)) {
      try {
        await cache.add(key, { threads: count, ...(await probeCurrentBackend()) });
      } catch {
        // Unmeasured: the prior keeps serving.
      }
    }
    const note = byRole ? `${byRole[role].why}; ${plan.note}` : plan.note;
    return { count, note, warning: plan.warning, byRole };
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
