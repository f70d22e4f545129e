/// <reference lib="webworker" />
/**
 * The dedicated worker that owns every tensor. Backends are loaded lazily: only the one being tried is fetched.
 */
import * as Comlink from 'comlink';
import { api, setBackendLoader } from './api';
import type { BackendPreference } from '../lib/backend/select';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

setBackendLoader(async (preference: BackendPreference) => {
  // Every fallback may be needed, so all are registered; each package is its own chunk, fetched once.
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlainUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  });
  const wantsGpu = preference === 'auto' || preference === 'webgpu';
  if (wantsGpu && 'gpu' in navigator) await import('@tensorflow/tfjs-backend-webgpu');
});

Comlink.expose(api, self);
