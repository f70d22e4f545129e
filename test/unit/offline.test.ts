import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../../scripts/vite/offline-plugin';
import { offlineUnavailableReason } from '../../src/ui/offline.svelte';

function fakeBuild(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'offline-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

describe('offline precache manifest', () => {
  const files = { 'index.html': '<html>', 'assets/a.js': 'a', 'assets/a.js.map': '{}', 'models/m/model.json': '{}', 'sw.js': 'old' };

  it('lists every file of the build but the service worker and source maps, sorted, relative', () => {
    expect(buildManifest(fakeBuild(files)).files).toEqual(['assets/a.js', 'index.html', 'models/m/model.json']);
  });

  it('has a version that changes with any byte of any cached file, and only then', () => {
    const a = buildManifest(fakeBuild(files)).version;
    expect(buildManifest(fakeBuild(files)).version).toBe(a);
    expect(buildManifest(fakeBuild({ ...files, 'models/m/model.json': '{ }' })).version).not.toBe(a);
    expect(buildManifest(fakeBuild({ ...files, 'sw.js': 'new' })).version).toBe(a);
    // A renamed file with the same bytes is a different build.
    const { 'assets/a.js': body, ...rest } = files;
    expect(buildManifest(fakeBuild({ ...rest, 'assets/b.js': body })).version).not.toBe(a);
  });
});

describe('where offline use is possible', () => {
  const ok = { hasServiceWorker: true, isSecureContext: true, protocol: 'http:', production: true };
  it('is possible on a secure production page', () => expect(offlineUnavailableReason(ok)).toBeNull());
  it('names the reason otherwise', () => {
    expect(offlineUnavailableReason({ ...ok, production: false })).toMatch(/development server/);
    expect(offlineUnavailableReason({ ...ok, protocol: 'file:', isSecureContext: false })).toMatch(/file/);
    expect(offlineUnavailableReason({ ...ok, isSecureContext: false })).toMatch(/https or a localhost/);
    expect(offlineUnavailableReason({ ...ok, hasServiceWorker: false })).toMatch(/no service workers/);
  });
});
