/**
 * The two headers that make a page cross-origin isolated, which is what lets tfjs-backend-wasm run its threaded
 * SIMD build (SharedArrayBuffer). `require-corp` rather than `credentialless`: every file the app loads is its
 * own (same origin), and require-corp is the one Safari understands too. Used by Vite's dev and preview servers
 * (vite.config.ts), the benchmark's static server, and the offline service worker, which adds them on static
 * hosts that cannot send headers (scripts/vite/offline-plugin.ts).
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
