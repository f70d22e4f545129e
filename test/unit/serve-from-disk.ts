/**
 * The worker fetches app files by URL; in Node tests they come from disk instead (by default the repository:
 * models/ as it is, everything else from public/). Shared by the worker-API tests, which all set up the same way.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { beforeAll, afterAll } from 'vitest';
import { initNodeBackend } from '../../src/lib/backend/node';
import { setBaseUrl } from '../../src/worker/context';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BASE = 'http://app.test/';

/** Where the repository keeps the file the built app serves at `rel`. */
const repositoryFile = (rel: string) => (rel.startsWith('models/') ? path.join(ROOT, rel) : path.join(ROOT, 'public', rel));

/** Replaces globalThis.fetch for URLs under BASE (files from `fileFor`) until the returned function restores it. */
export function serveFromDisk(fileFor: (rel: string) => string = repositoryFile): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(BASE)) return new Response('not found', { status: 404 });
    try {
      return new Response(readFileSync(fileFor(decodeURIComponent(url.slice(BASE.length).split('?')[0]))));
    } catch {
      return new Response('not found', { status: 404 });
    }
  }) as typeof fetch;
  return () => {
    globalThis.fetch = original;
  };
}

/**
 * The worker-API test setup, for the tests of the surrounding describe (or file): the wasm backend, the worker's
 * base URL, and app files served from disk (`fileFor`, default the repository), restored after them.
 */
export function useServedApp(fileFor?: (rel: string) => string): void {
  let restore = () => {};
  beforeAll(async () => {
    await initNodeBackend('wasm');
    setBaseUrl(BASE);
    restore = serveFromDisk(fileFor);
  });
  afterAll(() => restore());
}

/**
 * As useServedApp, but over a real HTTP server on 127.0.0.1 (the worker fetches as in the browser, with real
 * responses and status codes); the base URL is that server's index.html.
 */
export function useAppOverHttp(fileFor: (rel: string) => string = repositoryFile): void {
  let server: http.Server;
  beforeAll(async () => {
    await initNodeBackend('wasm');
    server = http.createServer((req, res) => {
      const file = fileFor(decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\//, ''));
      if (!existsSync(file) || !statSync(file).isFile()) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    setBaseUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

/** The model ids models/index.json lists (none before the zoo is trained): tests that need a model skip without it. */
export function zooIds(): string[] {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'models/index.json'), 'utf8')) as { models: { id: string }[] }).models.map((m) => m.id);
  } catch {
    return [];
  }
}
