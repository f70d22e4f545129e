/**
 * Builds the benchmark page (src/bench/index.html and its worker) into dist-bench/, apart from the app: the app's
 * own build never sees it. The static server (static-server.ts) puts models/ and data/ next to it.
 */
import { defineConfig } from 'vite';
import path from 'node:path';
import { tfjsWasmThreads } from '../vite-tfjs-wasm-threads';

const root = path.resolve(import.meta.dirname, '../../src/bench');

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  build: {
    target: 'es2022',
    outDir: path.resolve(import.meta.dirname, '../../dist-bench'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 8192,
    rollupOptions: { input: path.join(root, 'index.html') },
  },
});
