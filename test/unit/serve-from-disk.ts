/**
 * The worker fetches app files by URL; in Node tests they come from the repository instead (models/ as it is,
 * everything else from public/). Replaces globalThis.fetch until the returned function restores it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BASE = 'http://app.test/';

export function serveFromDisk(): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(BASE)) return new Response('not found', { status: 404 });
    const rel = url.slice(BASE.length);
    const file = rel.startsWith('models/') ? path.join(ROOT, rel) : path.join(ROOT, 'public', rel);
    try {
      return new Response(readFileSync(file));
    } catch {
      return new Response('not found', { status: 404 });
    }
  }) as typeof fetch;
  return () => {
    globalThis.fetch = original;
  };
}
