import { defineConfig, type Plugin } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from './scripts/isolation-headers.ts';
import { tfjsWasmThreads } from './scripts/vite-tfjs-wasm-threads.ts';

/**
 * The model zoo lives in models/ at the top level (it is the training script's output, not a web asset), yet the
 * app loads it as ./models/…: serve it in dev and copy it into the build.
 */
function modelZoo(): Plugin {
  const root = path.resolve('models');
  let outDir = 'dist';
  return {
    name: 'model-zoo',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use('/models', (req, res, next) => {
        const file = path.join(root, decodeURIComponent((req.url ?? '/').split('?')[0]));
        if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) return next();
        res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        res.end(readFileSync(file));
      });
    },
    writeBundle() {
      if (existsSync(root)) cpSync(root, path.join(outDir, 'models'), { recursive: true });
    },
  };
}

// One config serves the dev server, the production build and Vitest.
export default defineConfig({
  plugins: [svelte(), modelZoo()],
  base: './', // relative asset URLs: the built app works from any folder, offline, on a USB stick
  // tfjs-backend-wasm lives in the worker bundle, which has its own plugin list.
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  // Cross-origin isolation (COOP/COEP) lets the wasm backend run one thread per core.
  server: { host: '127.0.0.1', headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } },
  preview: { host: '127.0.0.1', headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
