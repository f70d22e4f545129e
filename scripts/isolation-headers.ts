/**
 * The two headers that make a page cross-origin isolated, which is what lets tfjs-backend-wasm run its threaded
 * SIMD build (SharedArrayBuffer). `require-corp` rather than `credentialless`: every file the app loads is its
 * own (same origin), and require-corp is the one Safari understands too. Used by Vite's dev and preview servers
 * (vite.config.ts) and the benchmark's static server. Static hosts that cannot send headers need a service
 * worker that adds them (the offline/workshop issue's job).
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
