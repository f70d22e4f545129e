/**
 * How many threads the wasm backend gets, and why.
 *
 * tfjs-backend-wasm runs its threaded SIMD build only where SharedArrayBuffer exists, i.e. in a cross-origin
 * isolated page (COOP same-origin + COEP require-corp/credentialless). Elsewhere it silently falls back to one
 * thread; this module says so instead of leaving the user to guess. The count must be set before the backend
 * initialises (`setThreadsCount`), so the plan is computed from the environment and the URL before init.
 */

/**
 * The emscripten build of tfjs-backend-wasm 4.22 pre-spawns 8 pthread workers; XNNPACK's pool of N threads uses the
 * calling thread plus N − 1 of them. More would spawn workers on demand, which cannot start while the engine's
 * worker blocks inside a kernel, so 8 is the ceiling.
 */
export const MAX_WASM_THREADS = 8;

export interface ThreadEnvironment {
  /** `self.crossOriginIsolated` (undefined in Node). */
  crossOriginIsolated: boolean | undefined;
  /** `typeof SharedArrayBuffer !== 'undefined'`. */
  sharedArrayBuffer: boolean;
  /** `navigator.hardwareConcurrency` (undefined or 0 when the browser hides it). */
  hardwareConcurrency: number | undefined;
}

export interface ThreadPlan {
  /** The count to pass to `setThreadsCount` (1 when the threaded build cannot run). */
  threads: number;
  /** Whether the threaded build can run at all here. */
  threadedBuild: boolean;
  /** Plain-language reason, shown in the backend badge. */
  note: string;
  /** A message about the request itself (an unreadable ?threads= value), or null. */
  warning: string | null;
}

/** Reads `?threads=N` (a positive integer) from a query string; null when absent. */
export function parseThreadsParam(search: string): { requested: number | null; warning: string | null } {
  const raw = new URLSearchParams(search).get('threads');
  if (raw === null || raw === '' || raw === 'auto') return { requested: null, warning: null };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    const shown = raw.length > 20 ? `${raw.slice(0, 20)}…` : raw;
    return { requested: null, warning: `"threads=${shown}" in the URL is not a positive whole number; using every core.` };
  }
  return { requested: n, warning: null };
}

/** The thread count for the wasm backend, from the environment and an optional request (`?threads=`). */
export function wasmThreadPlan(env: ThreadEnvironment, requested: number | null = null, warning: string | null = null): ThreadPlan {
  const isolated = env.crossOriginIsolated === true && env.sharedArrayBuffer;
  if (!isolated) {
    const why = env.crossOriginIsolated === true
      ? 'SharedArrayBuffer is missing in this browser'
      : 'the page is not cross-origin isolated (the server sends no COOP/COEP headers)';
    return { threads: 1, threadedBuild: false, note: `single-threaded: ${why}`, warning };
  }
  const cores = env.hardwareConcurrency && env.hardwareConcurrency > 0 ? Math.floor(env.hardwareConcurrency) : 1;
  const all = Math.min(cores, MAX_WASM_THREADS);
  if (requested !== null) {
    const threads = Math.min(requested, MAX_WASM_THREADS);
    const capped = requested > MAX_WASM_THREADS ? ` (capped at ${MAX_WASM_THREADS})` : '';
    return { threads, threadedBuild: true, note: `${threads} thread${threads === 1 ? '' : 's'} as asked by ?threads=${requested}${capped}`, warning };
  }
  const capped = cores > MAX_WASM_THREADS ? `, capped at ${MAX_WASM_THREADS}` : '';
  return { threads: all, threadedBuild: true, note: `${all} thread${all === 1 ? '' : 's'}: one per core (${cores} reported${capped})`, warning };
}

/** The real environment of a page or worker. */
export function threadEnvironment(): ThreadEnvironment {
  const g = globalThis as unknown as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  return {
    crossOriginIsolated: g.crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
    hardwareConcurrency: g.navigator?.hardwareConcurrency,
  };
}
