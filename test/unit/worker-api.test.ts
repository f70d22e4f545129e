import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as Comlink from 'comlink';
import { MessageChannel } from 'node:worker_threads';
import { api, type EngineApi } from '../../src/worker/api';

describe('engine API over a MessageChannel', () => {
  const channel = new MessageChannel();
  let remote: Comlink.Remote<EngineApi>;

  beforeAll(() => {
    Comlink.expose(api, channel.port1 as unknown as Comlink.Endpoint);
    remote = Comlink.wrap<EngineApi>(channel.port2 as unknown as Comlink.Endpoint);
  });
  afterAll(() => {
    remote[Comlink.releaseProxy]();
    channel.port1.close();
    channel.port2.close();
  });

  it('refuses work before init with a clear message', async () => {
    await expect(remote.engineCheck(3)).rejects.toThrow(/init\(\)/);
  });

  it('initialises the requested backend and reports a bad request', async () => {
    const bad = await remote.init('?backend=nonsense');
    expect(bad.warning).toContain('nonsense');
    const info = await remote.init('?backend=wasm');
    expect(info.backend).toBe('wasm');
    expect(info.warning).toBeNull();
    expect(info.tfVersion).toBe('4.22.0');
    // Node's wasm has SIMD: the attack loop's passes run in the project's SIMD module; on cpu, in JavaScript.
    expect(info.elementWise).toBe('wasm-simd');
    expect((await remote.init('?backend=cpu')).elementWise).toBe('javascript');
  });

  it('computes the engine check gradient, and the same on cpu', async () => {
    await remote.init('?backend=wasm');
    const wasm = await remote.engineCheck(3);
    expect(wasm.gradient).toBeInstanceOf(Float32Array);
    expect(wasm.gradient.length).toBe(784);
    expect(wasm.logits.length).toBe(10);
    await remote.init('?backend=cpu');
    const cpu = await remote.engineCheck(3);
    for (let i = 0; i < 784; i++) expect(Math.abs(cpu.gradient[i] - wasm.gradient[i])).toBeLessThan(1e-5);
    // The gradient is not trivially zero.
    expect(Math.max(...Array.from(wasm.gradient, Math.abs))).toBeGreaterThan(1e-4);
    // The verdict compares with the CPU backend's gradient; the wasm one passes, and the worker is back on wasm.
    expect(wasm.verdict.reference).toBe('cpu');
    expect(wasm.verdict.pass).toBe(true);
    expect(wasm.verdict.maxAbsDiff).toBeLessThanOrEqual(wasm.verdict.tolerance);
    await remote.init('?backend=wasm');
    await remote.engineCheck(3);
    expect((await remote.backendInfo())?.backend).toBe('wasm');
  });

  it('rejects an invalid label by name and leaks no tensors', async () => {
    await remote.init('?backend=wasm');
    await expect(remote.engineCheck(12)).rejects.toThrow(/^Class must be a whole number from 0 to 9; got 12\.$/);
    const before = (await remote.memory()).numTensors;
    for (let i = 0; i < 5; i++) await remote.engineCheck(i);
    expect((await remote.memory()).numTensors).toBe(before);
  });
});
