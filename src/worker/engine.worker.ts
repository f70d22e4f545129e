/// <reference lib="webworker" />
/**
 * The dedicated worker that owns every tensor. Backends are loaded lazily: only the one being tried is fetched.
 */
import * as Comlink from 'comlink';
import { api, setBackendLoader } from './api';
import type { BackendPreference } from '../lib/backend/select';
import { prepareWasm } from './wasm-setup';

setBackendLoader(async (preference: BackendPreference, search: string, role) => {
  // Every fallback may be needed, so all are registered; each package is its own chunk, fetched once.
  const wasmThreads = await prepareWasm(search, { role });
  const wantsGpu = preference === 'auto' || preference === 'webgpu';
  if (wantsGpu && 'gpu' in navigator) await import('@tensorflow/tfjs-backend-webgpu');
  return { wasmThreads };
});

Comlink.expose(api, self);
