import { describe, expect, it } from 'vitest';
import { chooseBackends, MARGIN, type ProbeTiming } from '../../src/lib/backend/choice';
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
