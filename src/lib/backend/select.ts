/**
 * Choosing a tfjs backend: WebGPU → WebGL → WASM → CPU.
 *
 * Two facts shape this file:
 * - `await tf.setBackend(name)` returns false when initialisation fails, while `tf.getBackend()` may still
 *   report that name, so only the boolean is trusted.
 * - A software WebGPU adapter (SwiftShader) is correct but ~40× slower than WASM on a CPU. Under "auto" it is
 *   noticed and WASM preferred, with the reason said; a user can still force it with `?backend=webgpu`.
 */
import * as tf from '@tensorflow/tfjs';
import { registerConvFilterGradKernel } from './conv-filter-grad';
import { registerFastBackwardKernels } from './wasm-fast-kernels';

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendPreference = BackendName | 'auto';

export interface BackendRequest {
  preference: BackendPreference;
  /** A message for the user when the requested value was not understood. */
  warning: string | null;
}

/** Reads `?backend=` from a URL query string. Unknown values fall back to auto with a visible message. */
export function parseBackendParam(search: string): BackendRequest {
  const raw = new URLSearchParams(search).get('backend');
  if (raw === null || raw === '' || raw === 'auto') return { preference: 'auto', warning: null };
  const value = raw.trim().toLowerCase();
  if ((BACKENDS as readonly string[]).includes(value)) return { preference: value as BackendName, warning: null };
  const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
  return {
    preference: 'auto',
    warning: `Unknown backend "${shown}" in the URL; choosing automatically. Use one of: ${BACKENDS.join(', ')}.`,
  };
}

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** True for a CPU-emulated adapter such as SwiftShader. */
  software: boolean;
}

export interface BackendInfo {
  backend: BackendName;
  adapter: string;
  reason: string;
  /** Backends tried before this one, with why they were passed over. */
  tried: { backend: BackendName; outcome: string }[];
  /** wasm only: the threads XNNPACK actually runs with, and why that many (see threads.ts). */
  threads?: { count: number; note: string };
}

/** What selection needs from the environment; injected so that the order can be tested without a browser. */
export interface BackendEnvironment {
  /** Is this backend's package registered (and its API present, e.g. navigator.gpu)? */
  available(name: BackendName): boolean;
  /** `tf.setBackend`; resolves to its boolean. */
  setBackend(name: BackendName): Promise<boolean>;
  /** The WebGPU adapter, when there is one. */
  webgpuAdapter(): Promise<AdapterInfo | null>;
  /** The WebGL renderer string (e.g. "ANGLE (… SwiftShader …)"), when WebGL is there; optional. */
  webglRenderer?(): Promise<string | null>;
  /** A short description of the device behind a backend other than webgpu. */
  describe(name: BackendName): string;
}

export function isSoftwareAdapter(info: { vendor?: string; architecture?: string; description?: string }): boolean {
  const text = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.description ?? ''}`.toLowerCase();
  return /swiftshader|llvmpipe|software|microsoft basic render/.test(text);
}

/** Selects and initialises a backend following the fallback order; forced choices still fall back if they fail. */
export async function selectBackend(preference: BackendPreference, env: BackendEnvironment): Promise<BackendInfo> {
  const tried: BackendInfo['tried'] = [];
  let order: BackendName[] = [...BACKENDS];
  let reason = preference === 'auto' ? 'automatic choice' : `forced by ?backend=${preference}`;
  let adapterText: string | null = null;
  let softwareSkipped = false;

  if (preference !== 'auto') {
    order = [preference, ...BACKENDS.filter((b) => b !== preference)];
  } else {
    // A software device (SwiftShader, llvmpipe) behind WebGPU or WebGL is correct but far slower than WASM on a
    // CPU: under auto such backends are passed over, saying why; ?backend= still forces them.
    const slow: string[] = [];
    let hardwareGpu = false;
    if (env.available('webgpu')) {
      const adapter = await env.webgpuAdapter().catch(() => null);
      if (adapter?.software) {
        const what = adapter.architecture || adapter.description || adapter.vendor;
        tried.push({ backend: 'webgpu', outcome: `software adapter (${what}): slower than WASM` });
        slow.push(`WebGPU adapter is software (${what})`);
      } else if (adapter) {
        hardwareGpu = true;
      }
    }
    if (!hardwareGpu && env.available('webgl') && env.webglRenderer) {
      const renderer = await env.webglRenderer().catch(() => null);
      if (renderer && isSoftwareAdapter({ description: renderer })) {
        const what = /swiftshader|llvmpipe/i.exec(renderer)?.[0] ?? 'software';
        tried.push({ backend: 'webgl', outcome: `software renderer (${what}): slower than WASM` });
        slow.push(`WebGL renderer is software (${what})`);
      }
    }
    if (slow.length > 0) {
      order = ['wasm', 'cpu', 'webgl', 'webgpu'];
      reason = `${slow.join('; ')}; WASM is faster here`;
      softwareSkipped = true;
    }
  }

  for (const name of order) {
    if (tried.some((t) => t.backend === name)) continue;
    if (!env.available(name)) {
      tried.push({ backend: name, outcome: 'not available in this browser' });
      continue;
    }
    let ok = false;
    try {
      ok = await env.setBackend(name);
    } catch (err) {
      tried.push({ backend: name, outcome: `failed: ${(err as Error).message}` });
      continue;
    }
    if (!ok) {
      tried.push({ backend: name, outcome: 'failed to initialise' });
      continue;
    }
    if (name === 'webgpu') {
      const adapter = await env.webgpuAdapter().catch(() => null);
      adapterText = adapter ? [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ') || 'WebGPU adapter' : 'WebGPU adapter';
      if (adapter?.software) adapterText += ' (software)';
    } else {
      adapterText = env.describe(name);
    }
    if (name !== order[0] || tried.length > 0) {
      const passed = tried.map((t) => `${t.backend}: ${t.outcome}`).join('; ');
      if (!softwareSkipped) reason = `${reason}; fell back (${passed})`;
    }
    if (name === 'wasm' || name === 'cpu') registerConvFilterGradKernel(name);
    // wasm's input-gradient convolution and transposed matMul are plain loops, ~10× slower than needed.
    if (name === 'wasm') registerFastBackwardKernels(name);
    return { backend: name, adapter: adapterText, reason, tried };
  }
  throw new Error(`No tfjs backend could be initialised (${tried.map((t) => `${t.backend}: ${t.outcome}`).join('; ')})`);
}

/** The real environment: tfjs' registry plus navigator.gpu where present. */
export function tfjsEnvironment(): BackendEnvironment {
  const nav = (globalThis as unknown as { navigator?: { gpu?: GPULike } }).navigator;
  return {
    available(name) {
      if (tf.findBackendFactory(name) == null) return false;
      if (name === 'webgpu') return nav?.gpu != null;
      if (name === 'webgl') return typeof OffscreenCanvas !== 'undefined' || typeof document !== 'undefined';
      return true;
    },
    async setBackend(name) {
      const ok = await tf.setBackend(name);
      if (ok) await tf.ready();
      return ok;
    },
    async webgpuAdapter() {
      if (!nav?.gpu) return null;
      const adapter = await nav.gpu.requestAdapter();
      if (!adapter) return null;
      const info = adapter.info ?? { vendor: '', architecture: '', description: '' };
      const base = { vendor: info.vendor ?? '', architecture: info.architecture ?? '', description: info.description ?? '' };
      return { ...base, software: isSoftwareAdapter(base) || adapter.isFallbackAdapter === true };
    },
    async webglRenderer() {
      if (typeof OffscreenCanvas === 'undefined') return null;
      const gl = (new OffscreenCanvas(1, 1).getContext('webgl2') ?? new OffscreenCanvas(1, 1).getContext('webgl')) as WebGLRenderingContext | null;
      if (!gl) return null;
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
      gl.getExtension('WEBGL_lose_context')?.loseContext();
      return renderer;
    },
    describe(name) {
      if (name === 'wasm') return 'WebAssembly (CPU, SIMD)';
      if (name === 'cpu') return 'JavaScript (CPU)';
      if (name === 'webgl') return 'WebGL';
      return name;
    },
  };
}

interface GPULike {
  requestAdapter(): Promise<{
    info?: { vendor?: string; architecture?: string; description?: string };
    isFallbackAdapter?: boolean;
  } | null>;
}
