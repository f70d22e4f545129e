import { defineConfig, type Plugin } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { offline } from './scripts/vite/offline-plugin.ts';
import { contentSecurityPolicy } from './src/lib/security/csp.ts';
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

/**
 * The Content-Security-Policy (src/lib/security/csp.ts) as a <meta> tag first in the built page's <head>, so a
 * static host that sends no headers still enforces it. The dev and preview servers also send it as a header.
 */
function cspMetaTag(): Plugin {
  return {
    name: 'csp-meta-tag',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy('build') }, injectTo: 'head-prepend' },
    ],
  };
}

/** The CSP header of the dev and preview servers (kept apart from any other headers these servers send). */
const CSP_HEADERS = {
  dev: { 'Content-Security-Policy': contentSecurityPolicy('dev') },
  preview: { 'Content-Security-Policy': contentSecurityPolicy('build') },
};

// One config serves the dev server, the production build and Vitest.
export default defineConfig({
  plugins: [svelte(), modelZoo(), cspMetaTag(), offline()],
  base: './', // relative asset URLs: the built app works from any folder, offline, on a USB stick
  // tfjs-backend-wasm lives in the worker bundle, which has its own plugin list.
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  // No modulepreload polyfill: every browser that runs the app (ES2022, module workers) preloads natively or, if not,
  // simply fetches the chunks when they are imported; the polyfill would only add weight to every page load.
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    modulePreload: { polyfill: false },
  },
  // The CSP, and cross-origin isolation (COOP/COEP) so that the wasm backend runs one thread per core.
  server: { host: '127.0.0.1', headers: { ...CSP_HEADERS.dev, ...CROSS_ORIGIN_ISOLATION_HEADERS } },
  preview: { host: '127.0.0.1', headers: { ...CSP_HEADERS.preview, ...CROSS_ORIGIN_ISOLATION_HEADERS } },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
