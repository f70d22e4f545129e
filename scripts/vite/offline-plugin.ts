/**
 * The `offline` Vite plugin: after a production build, writes `sw.js` into the build folder — the service worker of
 * src/sw/service-worker.ts, compiled, with the list of every file of the build and a version hash of their bytes.
 *
 * It runs in `closeBundle`, after every plugin has written its files (the model zoo is copied in another plugin's
 * writeBundle), and lists the folder itself, so whatever ends up in the build is cached — nothing is kept by hand.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { transformWithOxc, type Plugin } from 'vite';
import { contentSecurityPolicy } from '../../src/lib/security/csp.ts';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from '../isolation-headers.ts';

/** What every response served by the worker carries: what a static host cannot send (see the worker's header). */
export const SERVICE_WORKER_HEADERS: Readonly<Record<string, string>> = {
  ...CROSS_ORIGIN_ISOLATION_HEADERS,
  'Content-Security-Policy': contentSecurityPolicy('build'),
};

export const SERVICE_WORKER_FILE = 'sw.js';

/** Files never cached: the worker itself (the browser keeps it) and source maps (not needed to run). */
function precached(relative: string): boolean {
  return relative !== SERVICE_WORKER_FILE && !relative.endsWith('.map');
}

/** Every file below `dir`, as sorted forward-slash paths relative to it. */
export function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(full).isDirectory()) out.push(...listFiles(full, rel));
    else out.push(rel);
  }
  return out;
}

/** The manifest of a built folder: its files and a version that changes when any byte of any of them changes. */
export function buildManifest(outDir: string): { version: string; files: string[] } {
  const files = listFiles(outDir).filter(precached);
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(f);
    hash.update('\0');
    hash.update(readFileSync(path.join(outDir, f)));
  }
  return { version: hash.digest('hex').slice(0, 16), files };
}

export function offline(): Plugin {
  let outDir = 'dist';
  let isBuild = false;
  return {
    name: 'offline-service-worker',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
      isBuild = config.command === 'build' && !config.build.ssr;
    },
    async closeBundle() {
      if (!isBuild || !existsSync(path.join(outDir, 'index.html'))) return;
      const manifest = buildManifest(outDir);
      const source = readFileSync(path.resolve('src/sw/service-worker.ts'), 'utf8');
      const { code } = await transformWithOxc(source, 'service-worker.ts', { lang: 'ts' });
      // The source is a module for the type checker only (`export {}`); a classic worker script runs in every browser
      // that has service workers, so the empty export goes and nothing else may import or export.
      const script = code.replace(/^export\s*\{\s*\};?\s*$/m, '');
      if (/^\s*(import|export)\b/m.test(script)) throw new Error('offline plugin: the service worker must not import or export');
      let js = script;
      for (const [name, value] of [['__PRECACHE_MANIFEST__', manifest], ['__RESPONSE_HEADERS__', SERVICE_WORKER_HEADERS]] as const) {
        if (!js.includes(name)) throw new Error(`offline plugin: ${name} not found in src/sw/service-worker.ts`);
        js = js.replace(name, JSON.stringify(value));
      }
      writeFileSync(path.join(outDir, SERVICE_WORKER_FILE), js);
    },
  };
}
