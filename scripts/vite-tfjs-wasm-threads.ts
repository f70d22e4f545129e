/**
 * Makes tfjs-backend-wasm's threaded build survive minification.
 *
 * tfjs starts its pthread workers from a Blob holding `wasmFactoryThreadedSimd.toString()`: the inner emscripten
 * factory, cut out of the closure it was written in. That closure declares `_scriptDir`, which the factory reads
 * guarded by `typeof _scriptDir !== "undefined"`. A minifier sees the declaration, renames the variable (to `e`)
 * and drops the now "useless" typeof guard, so every pthread worker dies with "e is not defined" and the engine
 * never starts. Browsers never set `_scriptDir` in a worker anyway (no document.currentScript, no __filename), so
 * removing the declaration changes nothing at run time and leaves a global reference that no minifier renames.
 */
import type { Plugin } from 'vite';

const FILE = /@tensorflow[\\/]tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/;
const DECLARATION = /var _scriptDir = [^\n]*\n\s*if \(typeof __filename !== 'undefined'\) _scriptDir = _scriptDir \|\| __filename;/;

export function tfjsWasmThreads(): Plugin {
  return {
    name: 'tfjs-wasm-threads',
    enforce: 'pre',
    transform(code, id) {
      if (!FILE.test(id.split('?')[0])) return null;
      if (!DECLARATION.test(code)) {
        this.error('tfjs-wasm-threads: the _scriptDir declaration was not found; the tfjs-backend-wasm version changed, check the threaded build by hand');
      }
      return { code: code.replace(DECLARATION, '/* _scriptDir left undeclared: see scripts/vite-tfjs-wasm-threads.ts */'), map: null };
    },
  };
}
