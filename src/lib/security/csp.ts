/**
 * The app's Content-Security-Policy: one table, used for the <meta> tag of the built index.html and for the header
 * the dev and preview servers send (vite.config.ts), and read back by the security e2e test.
 *
 * Why each source is there (everything else is refused):
 * - Everything comes from the app's own origin ('self'): scripts, styles, the worker, the .wasm files, the models and
 *   the data subsets. No third-party origin anywhere, so nothing a person does can be sent elsewhere.
 * - script-src 'wasm-unsafe-eval': compiling tfjs' WebAssembly needs it; it does not allow eval() or new Function()
 *   (the ESM build of tfjs uses neither). No 'unsafe-inline': the built page has no inline script.
 * - style-src 'self' without 'unsafe-inline': Vite extracts every component's CSS into .css files, and Svelte 5 sets
 *   dynamic styles (style:prop, style={…}) through the CSSOM (element.style), which CSP does not govern; d3's
 *   .style() does the same. The e2e test fails on any CSP violation, so a change that needs inline styles shows up.
 *   Only Vite's dev server injects CSS as <style> elements, hence DEV_STYLE_SRC below.
 * - img-src data: blob:: the favicon is `data:,`; exported SVG charts are drawn into a PNG through a blob: image.
 * - worker-src blob:: tfjs-backend-wasm's threaded build (used when the page is cross-origin isolated) starts its
 *   helper threads from blob: URLs. The engine worker itself is a same-origin file.
 *   Those helper threads then call importScripts() on another blob: URL, which the engine worker's header policy
 *   blocks unless its script-src lists blob: (a <meta> policy never reaches a worker). Hence script-src blob:: a
 *   blob: URL can only be made by script already running in this origin, so it opens no door to injected markup
 *   (inline scripts, handlers and eval stay blocked — the security e2e test checks all three).
 * - object-src 'none', base-uri 'self', form-action 'none': no plugins, no <base> hijack, no form posts anywhere
 *   (the app's forms are handled in script).
 * frame-ancestors is left out: a <meta> policy may not carry it (the browser would log an error), and embedding the
 * playground in a workshop page is allowed.
 */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'", 'blob:'],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'none'"],
};

/** Vite's dev server injects each component's CSS as a <style> element (hot reload); the build never does. */
const DEV_STYLE_SRC = ["'self'", "'unsafe-inline'"];

export function contentSecurityPolicy(mode: 'build' | 'dev' = 'build'): string {
  const directives = mode === 'dev' ? { ...CSP_DIRECTIVES, 'style-src': DEV_STYLE_SRC } : CSP_DIRECTIVES;
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}
