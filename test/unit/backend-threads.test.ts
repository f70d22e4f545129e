import { describe, expect, it } from 'vitest';
import { MAX_WASM_THREADS, parseThreadsParam, wasmThreadPlan } from '../../src/lib/backend/threads';

const isolated = (cores: number | undefined) => ({ crossOriginIsolated: true, sharedArrayBuffer: true, hardwareConcurrency: cores });

describe('wasm thread plan', () => {
  it('uses one thread per core where the page is cross-origin isolated', () => {
    const p = wasmThreadPlan(isolated(4));
    expect(p).toMatchObject({ threads: 4, threadedBuild: true, warning: null });
    expect(p.note).toContain('4 threads');
  });

  it('caps at the pthread pool the wasm build pre-spawns', () => {
    expect(wasmThreadPlan(isolated(32)).threads).toBe(MAX_WASM_THREADS);
    expect(wasmThreadPlan(isolated(32)).note).toContain('capped');
    expect(wasmThreadPlan(isolated(16), 12).threads).toBe(MAX_WASM_THREADS);
  });

  it('falls back to one thread, saying why, where the page is not isolated or SharedArrayBuffer is missing', () => {
    const plain = wasmThreadPlan({ crossOriginIsolated: false, sharedArrayBuffer: false, hardwareConcurrency: 8 });
    expect(plain).toMatchObject({ threads: 1, threadedBuild: false });
    expect(plain.note).toMatch(/single-threaded.*not cross-origin isolated/);
    const noSab = wasmThreadPlan({ crossOriginIsolated: true, sharedArrayBuffer: false, hardwareConcurrency: 8 });
    expect(noSab).toMatchObject({ threads: 1, threadedBuild: false });
    expect(noSab.note).toContain('SharedArrayBuffer');
    // Node: no crossOriginIsolated at all.
    expect(wasmThreadPlan({ crossOriginIsolated: undefined, sharedArrayBuffer: true, hardwareConcurrency: 2 }).threads).toBe(1);
  });

  it('honours ?threads= and treats a hidden core count as one', () => {
    expect(wasmThreadPlan(isolated(8), 2)).toMatchObject({ threads: 2, threadedBuild: true });
    expect(wasmThreadPlan(isolated(8), 1).note).toContain('?threads=1');
    expect(wasmThreadPlan(isolated(undefined)).threads).toBe(1);
    expect(wasmThreadPlan(isolated(0)).threads).toBe(1);
  });

  it('reads ?threads= and explains values it cannot use', () => {
    expect(parseThreadsParam('')).toEqual({ requested: null, warning: null });
    expect(parseThreadsParam('?threads=auto')).toEqual({ requested: null, warning: null });
    expect(parseThreadsParam('?backend=wasm&threads=3')).toEqual({ requested: 3, warning: null });
    for (const bad of ['0', '-2', '1.5', 'many']) {
      const r = parseThreadsParam(`?threads=${bad}`);
      expect(r.requested).toBeNull();
      expect(r.warning).toMatch(/not a positive whole number/);
    }
  });
});
