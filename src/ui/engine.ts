/**
 * The UI's handle on the engine worker. Only the API's type is imported: no tfjs reaches the main thread.
 */
import * as Comlink from 'comlink';
import type { EngineApi } from '../worker/api';

export type Engine = Comlink.Remote<EngineApi>;

let engine: Engine | null = null;

export function getEngine(): Engine {
  if (!engine) {
    // Vite finds the worker only when `new URL(…, import.meta.url)` stands literally inside `new Worker(…)`.
    const worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module' });
    engine = Comlink.wrap<EngineApi>(worker);
  }
  return engine;
}
