/**
 * Backend initialisation for Node (training, evaluation and benchmark scripts, Vitest).
 * tfjs-backend-wasm loads its .wasm from disk in Node with no setWasmPaths; threads are off in Node.
 * Node has no navigator.gpu or WebGL, so only wasm and cpu can be chosen here.
 */
import '@tensorflow/tfjs-backend-wasm';
import { selectBackend, tfjsEnvironment, type BackendInfo } from './select';

export function initNodeBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<BackendInfo> {
  return selectBackend(name, tfjsEnvironment());
}
