/**
 * Remembering backend probe timings per device and browser version, so the probe runs once per machine rather
 * than at every start. IndexedDB (it exists in workers, where localStorage does not); an in-memory store with the
 * same contract for Node and tests. A cache that cannot be read is treated as empty: the probe simply runs again.
 */
import type { ProbeTiming, ThreadTiming } from './choice';

export interface ProbeCache {
  load(key: string): Promise<ProbeTiming[] | null>;
  save(key: string, timings: ProbeTiming[]): Promise<void>;
}

/** What makes timings comparable: the browser build, the core count and the GPU adapter. */
export function probeCacheKey(parts: { userAgent: string; cores: number | undefined; adapter: string | null }): string {
  return `v1|${parts.userAgent}|cores=${parts.cores ?? '?'}|gpu=${parts.adapter ?? 'none'}`;
}

export function memoryProbeCache(): ProbeCache {
  const m = new Map<string, ProbeTiming[]>();
  return {
    load: async (key) => m.get(key) ?? null,
    save: async (key, timings) => void m.set(key, timings),
  };
}

const DB = 'adversarial-playground-backend-probe';
const STORE = 'timings';

function open(idb: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = idb.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** A value of the store, or null when it cannot be read. */
async function idbGet(idb: IDBFactory, key: string): Promise<unknown> {
  try {
    const db = await open(idb);
    const value = await new Promise<unknown>((resolve, reject) => {
      const req = db.transaction(STORE, 'readonly').objectStore(STORE).get(key);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    db.close();
    return value;
  } catch {
    return null;
  }
}

async function idbPut(idb: IDBFactory, key: string, value: unknown): Promise<void> {
  try {
    const db = await open(idb);
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(STORE, 'readwrite');
      tx.objectStore(STORE).put(value, key);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  } catch {
    // Not remembered: the next start probes again.
  }
}

/** The IndexedDB store; null where there is no IndexedDB (Node, some private modes). */
export function indexedDbProbeCache(): ProbeCache | null {
  const idb = (globalThis as unknown as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return null;
  return {
    async load(key) {
      const value = await idbGet(idb, key);
      return Array.isArray(value) ? (value as ProbeTiming[]) : null;
    },
    save: (key, timings) => idbPut(idb, key, timings),
  };
}

/**
 * wasm probe timings per thread count, in the same store under `${key}|wasm-threads`: each lane's worker runs one
 * thread count (fixed when its wasm module starts), so the counts are measured by different workers and met here.
 */
export interface ThreadTimingCache {
  load(key: string): Promise<ThreadTiming[]>;
  /** Adds (or replaces) the timing of one thread count. */
  add(key: string, timing: ThreadTiming): Promise<void>;
}

export function indexedDbThreadCache(): ThreadTimingCache | null {
  const idb = (globalThis as unknown as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return null;
  const load = async (key: string) => {
    const value = await idbGet(idb, `${key}|wasm-threads`);
    return Array.isArray(value) ? (value as ThreadTiming[]) : [];
  };
  return {
    load,
    async add(key, timing) {
      const rest = (await load(key)).filter((t) => t.threads !== timing.threads);
      await idbPut(idb, `${key}|wasm-threads`, [...rest, timing]);
    },
  };
}
