import { describe, expect, it } from 'vitest';
import { chooseBackends, chooseWasmThreads, MARGIN, type ProbeTiming, type ThreadTiming } from '../../src/lib/backend/choice';
import { selectBackend, type BackendEnvironment, type BackendName, type AdapterInfo } from '../../src/lib/backend/select';
import { memoryProbeCache } from '../../src/lib/backend/probe-cache';

// The fake environments below register kernels for a "wasm" that never initialises: the real probe has its own
// file (backend-probe.test.ts), in a process of its own.

/**
 * Recorded probe timings (ms per batch-1 step, ms per image in a batch-64 step). The laptop rows follow the known
 * tfjs behaviour for small CNNs: a hardware WebGPU pays a dispatch + read-back per kernel, so it loses at batch 1
 * and wins at batch 64.
 */
const laptop: ProbeTiming[] = [
  { backend: 'webgpu', software: false, interactiveMs: 6.8, batchMsPerImage: 0.031 },
  { backend: 'webgl', software: false, interactiveMs: 9.4, batchMsPerImage: 0.052 },
  { backend: 'wasm', software: false, interactiveMs: 1.9, batchMsPerImage: 0.41 },
];

describe('chooseBackends on recorded probe timings', () => {
  it('puts single images on wasm and batches on the GPU when that is what was measured', () => {
    const c = chooseBackends(laptop);
    expect(c.interactive.backend).toBe('wasm');
    expect(c.batch.backend).toBe('webgpu');
    expect(c.interactive.why).toMatch(/wasm 1\.9 ms per step at batch 1 vs webgpu 6\.8, webgl 9\.4/);
    expect(c.batch.why).toContain('webgpu 0.03 ms per image');
  });

  it('uses the GPU for both where it wins both', () => {
    const desktop: ProbeTiming[] = [
      { backend: 'webgpu', software: false, interactiveMs: 1.2, batchMsPerImage: 0.01 },
      { backend: 'wasm', software: false, interactiveMs: 2.5, batchMsPerImage: 0.4 },
    ];
    expect(chooseBackends(desktop)).toMatchObject({ interactive: { backend: 'webgpu' }, batch: { backend: 'webgpu' } });
  });

  it('passes over a software adapter even when it timed faster, and says so', () => {
    const t: ProbeTiming[] = [
      { backend: 'webgpu', software: true, interactiveMs: 1.0, batchMsPerImage: 0.01 },
      { backend: 'wasm', software: false, interactiveMs: 3.0, batchMsPerImage: 0.4 },
    ];
    const c = chooseBackends(t);
    expect(c.interactive.backend).toBe('wasm');
    expect(c.batch.backend).toBe('wasm');
    expect(c.batch.why).toContain('passed over webgpu (software adapter)');
    // With nothing but software adapters measured, the fastest of them still serves.
    expect(chooseBackends([t[0]]).interactive.backend).toBe('webgpu');
  });

  it('keeps the default order within the noise margin', () => {
    const close = (wasmMs: number): ProbeTiming[] => [
      { backend: 'webgpu', software: false, interactiveMs: 2.0, batchMsPerImage: 0.02 },
      { backend: 'wasm', software: false, interactiveMs: wasmMs, batchMsPerImage: 0.4 },
    ];
    expect(chooseBackends(close(2.0 / MARGIN + 0.01)).interactive.backend).toBe('webgpu');
    expect(chooseBackends(close(2.0 / MARGIN - 0.05)).interactive.backend).toBe('wasm');
  });

  it('ignores failed probes and refuses to decide from nothing', () => {
    const t: ProbeTiming[] = [
      { backend: 'webgpu', software: false, interactiveMs: null, batchMsPerImage: null, error: 'device lost' },
      { backend: 'wasm', software: false, interactiveMs: 3, batchMsPerImage: 0.4 },
    ];
    expect(chooseBackends(t).batch.backend).toBe('wasm');
    expect(() => chooseBackends([t[0]])).toThrow(/No backend could be measured.*device lost/);
  });
});

const hardware: AdapterInfo = { vendor: 'intel', architecture: 'gen-12lp', description: '', software: false };

function probingEnv(timings: ProbeTiming[]) {
  let current: BackendName | null = null;
  const probed: BackendName[] = [];
  const cache = memoryProbeCache();
  const env: BackendEnvironment = {
    available: () => true,
    setBackend: async (n) => {
      current = n;
      return true;
    },
    webgpuAdapter: async () => hardware,
    webglRenderer: async () => 'ANGLE (Intel, Iris Xe)',
    describe: (n) => n,
    probe: async () => {
      probed.push(current!);
      const t = timings.find((x) => x.backend === current)!;
      return { interactiveMs: t.interactiveMs!, batchMsPerImage: t.batchMsPerImage! };
    },
    probeCache: async () => ({ cache, key: 'test-device' }),
  };
  return { env, probed };
}

describe('selectBackend with a probe', () => {
  it('initialises the measured backend for each role and remembers the probe', async () => {
    const { env, probed } = probingEnv(laptop);
    const interactive = await selectBackend('auto', env, 'interactive');
    expect(interactive.backend).toBe('wasm');
    expect(interactive.roles).toMatchObject({ interactive: { backend: 'wasm' }, batch: { backend: 'webgpu' } });
    expect(interactive.reason).toMatch(/^interactive work: measured wasm/);
    expect(probed).toEqual(['webgpu', 'webgl', 'wasm']);

    const batch = await selectBackend('auto', env, 'batch');
    expect(batch.backend).toBe('webgpu');
    expect(batch.reason).toMatch(/^batch work: measured webgpu.*remembered/);
    expect(probed).toHaveLength(3); // the second start read the cache
  });

  it('does not probe a forced backend', async () => {
    const { env, probed } = probingEnv(laptop);
    const info = await selectBackend('webgl', env);
    expect(info.backend).toBe('webgl');
    expect(info.roles).toBeUndefined();
    expect(probed).toEqual([]);
  });
});

/**
 * wasm thread counts per lane, on recorded timings. The 2-core rows are the bench's Chromium wasm figures (run 4 of
 * docs/PERFORMANCE.md: single-image FGSM 1.95 ms at 1 thread, 5.28 ms at 2; PGD-20 at batch 256, 1505 and 2523 ms
 * per call, i.e. per image 5.9 and 9.9 ms — under a load of 11 on 2 cores); the 8-core rows are a quiet laptop
 * where the pool pays off for batches.
 */
describe('chooseWasmThreads on recorded timings', () => {
  const twoCoresLoaded: ThreadTiming[] = [
    { threads: 1, interactiveMs: 1.95, batchMsPerImage: 5.88 },
    { threads: 2, interactiveMs: 5.28, batchMsPerImage: 9.86 },
  ];
  const laptop8: ThreadTiming[] = [
    { threads: 1, interactiveMs: 1.4, batchMsPerImage: 0.52 },
    { threads: 8, interactiveMs: 2.9, batchMsPerImage: 0.11 },
  ];

  it('before any measurement: one thread for single images, every core for batches, saying it is the prior', () => {
    const i = chooseWasmThreads([], 'interactive', 8);
    const b = chooseWasmThreads([], 'batch', 8);
    expect(i).toMatchObject({ threads: 1 });
    expect(b).toMatchObject({ threads: 8 });
    expect(i.why).toMatch(/not yet measured/);
    // One count measured is nothing to compare with.
    expect(chooseWasmThreads([laptop8[1]], 'interactive', 8).threads).toBe(1);
    expect(chooseWasmThreads([laptop8[1]], 'batch', 8).threads).toBe(8);
  });

  it('a laptop: single images on 1 thread, batches on all 8, from the timings', () => {
    const i = chooseWasmThreads(laptop8, 'interactive', 8);
    const b = chooseWasmThreads(laptop8, 'batch', 8);
    expect(i.threads).toBe(1);
    expect(b.threads).toBe(8);
    expect(i.why).toBe('measured 1.4 ms per step at batch 1 at 1 thread vs 2.9 at 8');
    expect(b.why).toBe('measured 0.11 ms per image in a batch step at 8 threads vs 0.52 at 1');
  });

  it('a loaded 2-core machine where one thread wins batches too gets one thread for both', () => {
    expect(chooseWasmThreads(twoCoresLoaded, 'interactive', 2).threads).toBe(1);
    expect(chooseWasmThreads(twoCoresLoaded, 'batch', 2).threads).toBe(1);
  });

  it('where threads win single images too, the measurement overrides the prior — beyond the noise margin only', () => {
    const fastPool = (ms: number): ThreadTiming[] => [
      { threads: 1, interactiveMs: 2.0, batchMsPerImage: 0.5 },
      { threads: 4, interactiveMs: ms, batchMsPerImage: 0.15 },
    ];
    expect(chooseWasmThreads(fastPool(1.0), 'interactive', 4).threads).toBe(4);
    expect(chooseWasmThreads(fastPool(2.0 / MARGIN + 0.01), 'interactive', 4).threads).toBe(1);
  });

  it('ignores counts above the plan (a cache from a larger pool) and has nothing to choose on one core', () => {
    expect(chooseWasmThreads(laptop8, 'batch', 4).threads).toBe(4);
    expect(chooseWasmThreads(laptop8, 'interactive', 1)).toMatchObject({ threads: 1 });
  });
});
