/**
 * A small static file server for the browser benchmarks on 127.0.0.1 (WebGPU needs a secure context, which
 * 127.0.0.1 is). Mounts map URL prefixes to folders; the first matching prefix wins. Correct MIME types matter:
 * the wasm backend compiles with instantiateStreaming, which needs application/wasm.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from '../isolation-headers';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface Mount {
  prefix: string;
  dir: string;
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export function startStaticServer(mounts: Mount[], port: number): Promise<StaticServer> {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    for (const m of mounts) {
      if (!pathname.startsWith(m.prefix)) continue;
      let file = path.join(m.dir, pathname.slice(m.prefix.length));
      if (!file.startsWith(path.resolve(m.dir))) break;
      if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
      if (!existsSync(file)) continue;
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': statSync(file).size,
        'Cache-Control': 'no-store',
        // Cross-origin isolated like the app under vite preview, so browser wasm rows can use threads.
        ...CROSS_ORIGIN_ISOLATION_HEADERS,
      });
      createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} is in use: set BENCH_PORT to a free port`) : err),
    );
    server.listen(port, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    );
  });
}
