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
import { chooseBackends, type BackendChoice, type BackendRole, type ProbeTiming, type ThreadChoice } from './choice';
import { probeCurrentBackend } from './probe';
import { indexedDbProbeCache, probeCacheKey, type ProbeCache } from './probe-cache';

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
  /**
   * wasm only: the threads XNNPACK actually runs with, and why that many (see threads.ts); where the count follows
   * the role, the count each lane's role gets (choice.ts chooseWasmThreads).
   */
  threads?: { count: number; note: string; byRole?: Record<BackendRole, ThreadChoice> };
  /** Under auto with two or more usable backends: which one the probe found best for each role, and why. */
  roles?: BackendChoice;
  /** The role this engine was initialised for. */
  role?: BackendRole;
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
  /** Times the probe (probe.ts) on the backend tfjs runs now; absent: no measured choice, the default order. */
  probe?(): Promise<{ interactiveMs: number; batchMsPerImage: number }>;
  /** Remembers probe timings per device and browser version; absent: probe at every start. */
  probeCache?(): Promise<{ cache: ProbeCache; key: string } | null>;
}

export function isSoftwareAdapter(info: { vendor?: string; architecture?: string; description?: string }): boolean {
  const text = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.description ?? ''}`.toLowerCase();
  return /swiftshader|llvmpipe|software|microsoft basic render/.test(text);
}

/** Backends a probe compares: the hardware-accelerated ones and wasm (cpu is only ever a fallback). */
const PROBED: BackendName[] = ['webgpu', 'webgl', 'wasm'];

function prepareKernels(name: BackendName): void {
  if (name === 'wasm' || name === 'cpu') registerConvFilterGradKernel(name);
  // wasm's input-gradient convolution and transposed matMul are plain loops, ~10× slower than needed.
  if (name === 'wasm') registerFastBackwardKernels(name);
}

/** Probe timings for the candidates, from the cache or measured now (each backend initialised in turn). */
async function measure(candidates: BackendName[], env: BackendEnvironment): Promise<{ timings: ProbeTiming[]; cached: boolean } | null> {
  if (!env.probe) return null;
  const store = env.probeCache ? await env.probeCache().catch(() => null) : null;
  const cached = store ? await store.cache.load(store.key) : null;
  if (cached && candidates.every((c) => cached.some((t) => t.backend === c))) {
    return { timings: cached.filter((t) => candidates.includes(t.backend)), cached: true };
  }
  const timings: ProbeTiming[] = [];
  for (const backend of candidates) {
    const entry: ProbeTiming = { backend, software: false, interactiveMs: null, batchMsPerImage: null };
    try {
      if (await env.setBackend(backend)) {
        prepareKernels(backend);
        Object.assign(entry, await env.probe());
      } else {
        entry.error = 'failed to initialise';
      }
    } catch (err) {
      entry.error = (err as Error).message;
    }
    timings.push(entry);
  }
  if (store && timings.some((t) => !t.error)) await store.cache.save(store.key, timings);
  return { timings, cached: false };
}

/**
 * Selects and initialises a backend following the fallback order; forced choices still fall back if they fail.
 * Under auto, where two or more usable backends exist (software adapters passed over), a short probe measures
 * them and the fastest for `role` comes first (see choice.ts).
 */
export async function selectBackend(preference: BackendPreference, env: BackendEnvironment, role: BackendRole = 'interactive'): Promise<BackendInfo> {
  const tried: BackendInfo['tried'] = [];
  let order: BackendName[] = [...BACKENDS];
  let reason = preference === 'auto' ? 'automatic choice' : `forced by ?backend=${preference}`;
  let adapterText: string | null = null;
  let softwareSkipped = false;
  let roles: BackendChoice | undefined;

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
    const candidates = PROBED.filter((b) => env.available(b) && !tried.some((t) => t.backend === b));
    if (candidates.length >= 2) {
      const measured = await measure(candidates, env).catch(() => null);
      if (measured) {
        try {
          roles = chooseBackends(measured.timings, BACKENDS);
          const first = roles[role].backend;
          order = [first, ...order.filter((b) => b !== first)];
          reason = `${role} work: ${roles[role].why}${measured.cached ? ' (probe remembered for this device and browser)' : ''}`;
          if (slow.length > 0) reason += `; ${slow.join('; ')}`;
        } catch {
          // Nothing measurable: keep the default order and reason.
        }
      }
    }
  }

  const passedOver = tried.length;
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
    // Only failures met in this loop are a fall-back; software adapters passed over are in the reason already.
    const failed = tried.slice(passedOver);
    if (failed.length > 0) {
      reason = `${reason}; fell back (${failed.map((t) => `${t.backend}: ${t.outcome}`).join('; ')})`;
    }
    prepareKernels(name);
    return { backend: name, adapter: adapterText, reason, tried, ...(roles ? { roles, role } : {}) };
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
    probe: () => probeCurrentBackend(),
    async probeCache() {
      const cache = indexedDbProbeCache();
      if (!cache) return null;
      let adapter: string | null = null;
      if (nav?.gpu) {
        const a = await nav.gpu.requestAdapter().catch(() => null);
        const i = a?.info;
        adapter = i ? [i.vendor, i.architecture, i.description].filter(Boolean).join(' ') : null;
      }
      const n = (globalThis as unknown as { navigator?: { userAgent?: string; hardwareConcurrency?: number } }).navigator;
      return { cache, key: probeCacheKey({ userAgent: n?.userAgent ?? 'unknown', cores: n?.hardwareConcurrency, adapter }) };
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
