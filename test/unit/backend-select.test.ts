import { describe, it, expect } from 'vitest';
import {
  parseBackendParam,
  selectBackend,
  isSoftwareAdapter,
  type BackendEnvironment,
  type BackendName,
  type AdapterInfo,
} from '../../src/lib/backend/select';

function fakeEnv(opts: { available: BackendName[]; working: BackendName[]; adapter?: AdapterInfo | null; renderer?: string }) {
  const attempts: BackendName[] = [];
  const env: BackendEnvironment = {
    available: (n) => opts.available.includes(n),
    setBackend: async (n) => {
      attempts.push(n);
      return opts.working.includes(n);
    },
    webgpuAdapter: async () => opts.adapter ?? null,
    webglRenderer: async () => opts.renderer ?? null,
    describe: (n) => `device of ${n}`,
  };
  return { env, attempts };
}

const hardware: AdapterInfo = { vendor: 'nvidia', architecture: 'ampere', description: '', software: false };
const swiftshader: AdapterInfo = { vendor: 'google', architecture: 'swiftshader', description: '', software: true };

describe('parseBackendParam', () => {
  it('reads known values, case-insensitively', () => {
    expect(parseBackendParam('?backend=webgpu')).toEqual({ preference: 'webgpu', warning: null });
    expect(parseBackendParam('?backend=WASM')).toEqual({ preference: 'wasm', warning: null });
    expect(parseBackendParam('?x=1&backend=cpu')).toEqual({ preference: 'cpu', warning: null });
  });
  it('treats absence as auto, silently', () => {
    expect(parseBackendParam('')).toEqual({ preference: 'auto', warning: null });
    expect(parseBackendParam('?backend=auto')).toEqual({ preference: 'auto', warning: null });
  });
  it('falls back to auto with a message naming the bad value', () => {
    const r = parseBackendParam('?backend=nonsense');
    expect(r.preference).toBe('auto');
    expect(r.warning).toContain('nonsense');
    expect(r.warning).toContain('webgpu, webgl, wasm, cpu');
  });
  it('truncates an absurdly long value in the message', () => {
    const r = parseBackendParam(`?backend=${'x'.repeat(500)}`);
    expect(r.warning!.length).toBeLessThan(200);
  });
});

describe('selectBackend', () => {
  it('tries WebGPU → WebGL → WASM → CPU in order under auto', async () => {
    const { env, attempts } = fakeEnv({ available: ['webgpu', 'webgl', 'wasm', 'cpu'], working: ['cpu'], adapter: hardware });
    const info = await selectBackend('auto', env);
    expect(attempts).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(info.backend).toBe('cpu');
    expect(info.reason).toContain('fell back');
  });
  it('takes hardware WebGPU first when it works', async () => {
    const { env } = fakeEnv({ available: ['webgpu', 'webgl', 'wasm', 'cpu'], working: ['webgpu', 'wasm'], adapter: hardware });
    const info = await selectBackend('auto', env);
    expect(info.backend).toBe('webgpu');
    expect(info.adapter).toContain('nvidia');
  });
  it('trusts the boolean, not the backend name: a failed init moves on', async () => {
    const { env, attempts } = fakeEnv({ available: ['webgpu', 'webgl', 'wasm', 'cpu'], working: ['wasm'], adapter: hardware });
    const info = await selectBackend('auto', env);
    expect(attempts).toEqual(['webgpu', 'webgl', 'wasm']);
    expect(info.backend).toBe('wasm');
  });
  it('prefers WASM over a software WebGPU adapter under auto, and says why', async () => {
    const { env, attempts } = fakeEnv({ available: ['webgpu', 'webgl', 'wasm', 'cpu'], working: ['webgpu', 'webgl', 'wasm', 'cpu'], adapter: swiftshader });
    const info = await selectBackend('auto', env);
    expect(attempts[0]).toBe('wasm');
    expect(info.backend).toBe('wasm');
    expect(info.reason).toMatch(/software/i);
  });
  it('passes over a software WebGL renderer under auto when there is no GPU, and says why', async () => {
    const swiftGl = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
    const { env, attempts } = fakeEnv({ available: ['webgl', 'wasm', 'cpu'], working: ['webgl', 'wasm', 'cpu'], renderer: swiftGl });
    const info = await selectBackend('auto', env);
    expect(attempts).toEqual(['wasm']);
    expect(info.backend).toBe('wasm');
    expect(info.reason).toMatch(/WebGL renderer is software \(SwiftShader\)/);
    expect(info.tried).toContainEqual({ backend: 'webgl', outcome: 'software renderer (SwiftShader): slower than WASM' });
  });
  it('keeps a hardware WebGL renderer first when WebGPU is missing', async () => {
    const { env } = fakeEnv({ available: ['webgl', 'wasm', 'cpu'], working: ['webgl', 'wasm', 'cpu'], renderer: 'ANGLE (NVIDIA, GeForce RTX 3060)' });
    expect((await selectBackend('auto', env)).backend).toBe('webgl');
  });
  it('still uses a software WebGL renderer when forced', async () => {
    const { env } = fakeEnv({ available: ['webgl', 'wasm', 'cpu'], working: ['webgl', 'wasm', 'cpu'], renderer: 'SwiftShader' });
    expect((await selectBackend('webgl', env)).backend).toBe('webgl');
  });
  it('still uses a software WebGPU adapter when forced', async () => {
    const { env } = fakeEnv({ available: ['webgpu', 'webgl', 'wasm', 'cpu'], working: ['webgpu', 'wasm'], adapter: swiftshader });
    const info = await selectBackend('webgpu', env);
    expect(info.backend).toBe('webgpu');
    expect(info.adapter).toContain('software');
    expect(info.reason).toContain('forced');
  });
  it('falls back when a forced backend is unavailable', async () => {
    const { env } = fakeEnv({ available: ['wasm', 'cpu'], working: ['wasm', 'cpu'] });
    const info = await selectBackend('webgpu', env);
    expect(info.backend).toBe('wasm');
    expect(info.tried[0]).toEqual({ backend: 'webgpu', outcome: 'not available in this browser' });
  });
  it('throws a clear error when nothing initialises', async () => {
    const { env } = fakeEnv({ available: ['cpu'], working: [] });
    await expect(selectBackend('auto', env)).rejects.toThrow(/No tfjs backend/);
  });
  it('recognises software adapters', () => {
    expect(isSoftwareAdapter({ architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3' })).toBe(false);
  });
});
