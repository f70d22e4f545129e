/// <reference lib="webworker" />
/**
 * The dedicated worker that owns every tensor. Backends are loaded lazily: only the one being tried is fetched.
 */
import * as Comlink from 'comlink';
import { api, setBackendLoader } from './api';
import type { BackendPreference } from '../lib/backend/select';
import { prepareWasm } from './wasm-setup';
import { warmUp } from './warm-up';

setBackendLoader(async (preference: BackendPreference, search: string, role) => {
  // Every fallback may be needed, so all are registered; each package is its own chunk, fetched once.
  const wasmThreads = await prepareWasm(search, { role });
  const wantsGpu = preference === 'auto' || preference === 'webgpu';
  if (wantsGpu && 'gpu' in navigator) await import('@tensorflow/tfjs-backend-webgpu');
  return { wasmThreads };
});

// Every message stops a warm-up in progress before its next piece (warm-up.ts); registered before Comlink's own
// listener, so the warm-up is told before the request's handler starts.
self.addEventListener('message', () => warmUp.activity());
warmUp.enable();
Comlink.expose(api, self);
