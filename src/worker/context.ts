/**
 * Where the app's static files are, seen from the worker. A worker's own URL is its script's (assets/… in a
 * build, /src/worker/… in dev), so relative paths are resolved against the page's base URL, which the UI passes
 * to init().
 */
let base: string | null = null;

export function setBaseUrl(url: string): void {
  base = new URL('.', url).href;
}

/** Absolute URL of an app file such as "models/index.json" or "data/mnist-test.bin". */
export function assetUrl(path: string): string {
  if (!base) throw new Error('The engine does not know the page URL yet: call init(search, baseUrl) first.');
  return new URL(path.replace(/^\/+/, ''), base).href;
}
