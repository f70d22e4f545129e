/**
 * The offline service worker. A workshop's Wi-Fi drops: after one visit every file of the build — the app, every
 * lazily loaded panel, the engine worker, the wasm binaries, the model zoo and the data subsets — is served from
 * the cache, so the app reloads and every panel runs with no network.
 *
 * The list of files and the build's version are written into this file by the `offline` Vite plugin
 * (scripts/vite/offline-plugin.ts) after the build: a changed build is a changed worker, which the browser installs
 * beside the running one; the page then offers to reload into it (see src/ui/offline.svelte.ts).
 *
 * Headers a static host cannot send: every response served from here carries the headers the plugin injects —
 * cross-origin isolation (COOP/COEP, scripts/isolation-headers.ts), which threaded WebAssembly needs, and the
 * Content-Security-Policy (src/lib/security/csp.ts), which a <meta> tag cannot give the engine worker. So GitHub
 * Pages or `python3 -m http.server` on a USB stick get an isolated, locked-down app from the second load on.
 * Every file is the app's own (same origin), so `require-corp` blocks nothing.
 */
/// <reference lib="webworker" />

export {};
declare const self: ServiceWorkerGlobalScope;
declare const __PRECACHE_MANIFEST__: PrecacheManifest;
declare const __RESPONSE_HEADERS__: Record<string, string>;

/** What the plugin injects: the build's version and the files to keep, relative to this worker's folder. */
export interface PrecacheManifest {
  version: string;
  files: string[];
}

const manifest: PrecacheManifest = __PRECACHE_MANIFEST__;
const responseHeaders: Record<string, string> = __RESPONSE_HEADERS__;
const CACHE_PREFIX = 'adversarial-playground-';
const cacheName = `${CACHE_PREFIX}${manifest.version}`;
/** The app's shell: what a navigation (a reload, a deep link with any #hash or ?query) is answered with. */
const SHELL = 'index.html';

function scoped(file: string): string {
  return new URL(file, self.registration.scope).href;
}

self.addEventListener('install', (event) => {
  // All or nothing: a half-filled cache must not claim "ready offline". addAll fails if any file fails.
  // `cache: 'reload'` bypasses the HTTP cache, so a new version never precaches an old file.
  event.waitUntil(
    caches.open(cacheName).then((cache) => cache.addAll(manifest.files.map((f) => new Request(scoped(f), { cache: 'reload' })))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== cacheName) await caches.delete(name);
      }
      // The first visit's page is taken over at once, so it is offline-ready without a reload. An update only
      // activates when the page asks for it (SKIP_WAITING below), so a running job is never pulled from under a person.
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  const data = event.data as { type?: string } | null;
  if (data?.type === 'SKIP_WAITING') void self.skipWaiting();
  if (data?.type === 'VERSION') event.ports[0]?.postMessage({ version: manifest.version, files: manifest.files.length });
});

function withHeaders(response: Response): Response {
  // Opaque or redirected responses cannot be re-wrapped; they pass through as they are.
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(responseHeaders)) headers.set(k, v);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function respond(request: Request): Promise<Response> {
  const cache = await caches.open(cacheName);
  if (request.mode === 'navigate') {
    // A reload or a deep link: the shell, whatever the query or hash. Network first would hang on a dead Wi-Fi
    // that still claims a connection, so the cached shell wins; updates arrive through the worker's own update check.
    const shell = await cache.match(scoped(SHELL), { ignoreVary: true });
    if (shell) return withHeaders(shell);
  } else {
    // ignoreVary: servers send `Vary: Origin`, and a module script's request carries an Origin header that the
    // precaching request did not, so a strict match would miss every script once the network is gone.
    const hit = await cache.match(request, { ignoreVary: true });
    if (hit) return withHeaders(hit);
  }
  return withHeaders(await fetch(request));
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(respond(request));
});
