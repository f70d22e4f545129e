/**
 * The boundary between the page and the engine, checked on the production build: no chunk the main thread loads
 * (the entry and everything it imports, statically or lazily: every panel) contains tfjs. tfjs belongs in the
 * engine worker, which is bundled separately and fetched by URL. A UI module that imports a module that imports
 * tfjs (even only for a constant) pulls the whole library onto the main thread and fails here.
 *
 * The build runs once, in memory (nothing is written), in about 15 s. It also prints each panel's main-thread
 * JavaScript (its own chunks, not counting what the entry already loaded).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import path from 'node:path';
import { build, type Rollup } from 'vite';

type Chunk = Rollup.OutputChunk;

/** A module id from tfjs, or text only tfjs carries (a kernel name), so the check holds even without module ids. */
const isTfjsModule = (id: string) => /[\\/]@tensorflow[\\/]/.test(id);
const TFJS_TEXT = 'Conv2DBackpropFilter';

let chunks: Map<string, Chunk>;
let assets: Rollup.OutputAsset[];

/** Every chunk reachable from `start` through static (and, with lazy, dynamic) imports. */
function reachable(start: string, lazy: boolean): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const c = chunks.get(name);
    if (!c) continue;
    todo.push(...c.imports, ...(lazy ? c.dynamicImports : []));
  }
  return seen;
}

describe('the production build', () => {
  beforeAll(async () => {
    const result = await build({
      root: process.cwd(),
      configFile: path.resolve('vite.config.ts'),
      logLevel: 'silent',
      build: { write: false, outDir: 'dist-bundle-test' },
    });
    const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
    const all = outputs.flatMap((o) => o.output);
    chunks = new Map(all.filter((o): o is Chunk => o.type === 'chunk').map((c) => [c.fileName, c]));
    assets = all.filter((o): o is Rollup.OutputAsset => o.type === 'asset');
  }, 180_000);

  it('loads no tfjs on the main thread (entry and every panel), while the engine worker holds it', () => {
    const entry = [...chunks.values()].find((c) => c.isEntry);
    expect(entry, 'the build has an entry chunk').toBeDefined();
    const mainThread = reachable(entry!.fileName, true);
    // The panels are lazy chunks of the entry: the walk must have found them, or the check proves nothing.
    expect([...mainThread].filter((f) => chunks.get(f)?.isDynamicEntry).length).toBeGreaterThanOrEqual(5);
    const offenders = [...mainThread].flatMap((f) => {
      const c = chunks.get(f)!;
      const tf = c.moduleIds.filter(isTfjsModule);
      return tf.length > 0 || c.code.includes(TFJS_TEXT) ? [`${f}: ${tf.slice(0, 3).join(', ') || TFJS_TEXT}`] : [];
    });
    expect(offenders).toEqual([]);
    // The same test on the worker bundle finds tfjs: the detector works.
    const worker = assets.find((a) => /engine\.worker.*\.js$/.test(a.fileName));
    expect(worker, 'the engine worker is bundled as its own file').toBeDefined();
    expect(String(worker!.source)).toContain(TFJS_TEXT);
  });

  it('reports the main-thread JavaScript of each panel', () => {
    const entry = [...chunks.values()].find((c) => c.isEntry)!;
    const shell = reachable(entry.fileName, false);
    const size = (files: Iterable<string>) => [...files].reduce((s, f) => s + (chunks.get(f)?.code.length ?? 0), 0);
    const lines = [`entry (app shell): ${(size(shell) / 1024).toFixed(1)} KiB`];
    for (const panel of [...chunks.values()].filter((c) => c.isDynamicEntry)) {
      const own = [...reachable(panel.fileName, false)].filter((f) => !shell.has(f));
      lines.push(`${panel.name}: ${(size(own) / 1024).toFixed(1)} KiB`);
      expect(size(own)).toBeGreaterThan(0);
    }
    console.log(`Main-thread JavaScript (minified, before gzip):\n  ${lines.join('\n  ')}`);
  });
});
