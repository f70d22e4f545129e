/**
 * The boundary between the page and the engine, checked on the production build: no chunk the main thread loads
 * (the entry and everything it imports, statically or lazily: every panel) contains tfjs. tfjs belongs in the
 * engine worker, which is bundled separately and fetched by URL. A UI module that imports a module that imports
 * tfjs (even only for a constant) pulls the whole library onto the main thread and fails here.
 *
 * The build runs once, in memory (nothing is written), in about 15 s, as a production build (what ships; under
 * Vitest NODE_ENV is 'test', which would compile Svelte's development runtime and checks into every chunk).
 *
 * It also holds each panel's main-thread JavaScript below what it was before issue 12 ("one way to build a panel"):
 * a panel's JavaScript is the app shell (the entry and its static imports) plus the panel's own chunks, as a person
 * who opens the app on that panel loads it.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { build, type Rollup } from 'vite';

type Chunk = Rollup.OutputChunk;

/**
 * Minified bytes (before gzip) of the shell and of each panel's own chunks at commit 50eac52, the last commit before
 * issue 12's work, measured by this file's build and walk (production mode) in a checkout of that commit: KiB.
 * (The issue's first figures — shell 73.4, Attack Lab 123.5, … — came from a development-mode build; see above.)
 * Panels added since (Defenses, Lessons, Your models) have no earlier figure.
 */
const BEFORE_ISSUE_12 = {
  shell: 57.7,
  panels: { AttackLab: 114.6, Boundaries: 950.5, EngineCheck: 32.6, FinetunePanel: 78.5, Tradeoff: 112.8 },
} as const;

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
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production'; // Vite and the Svelte plugin decide production from NODE_ENV
    const result = await build({
      root: process.cwd(),
      configFile: path.resolve('vite.config.ts'),
      mode: 'production',
      logLevel: 'silent',
      build: { write: false, outDir: 'dist-bundle-test' },
    }).finally(() => (process.env.NODE_ENV = nodeEnv));
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

  it("keeps each panel's main-thread JavaScript (shell + the panel's own chunks) below its size before issue 12", () => {
    const kib = (files: Iterable<string>) => [...files].reduce((s, f) => s + (chunks.get(f)?.code.length ?? 0), 0) / 1024;
    const entry = [...chunks.values()].find((c) => c.isEntry)!;
    const shell = reachable(entry.fileName, false);
    // The panels are the modules the panel list (src/ui/panels/index.ts) imports lazily, each a chunk of its own.
    const listDir = path.resolve('src/ui/panels');
    const panelFiles = [...readFileSync(path.join(listDir, 'index.ts'), 'utf8').matchAll(/import\('([^']+)'\)/g)].map((m) => path.resolve(listDir, m[1]));
    const panels = [...chunks.values()].filter((c) => c.isDynamicEntry && panelFiles.includes(path.resolve(c.facadeModuleId ?? '')));
    expect(panels.length).toBe(panelFiles.length);
    const lines = [`app shell: ${kib(shell).toFixed(1)} KiB (before issue 12: ${BEFORE_ISSUE_12.shell})`];
    const over: string[] = [];
    for (const panel of panels) {
      const own = [...reachable(panel.fileName, false)].filter((f) => !shell.has(f));
      expect(kib(own)).toBeGreaterThan(0);
      const total = kib(shell) + kib(own);
      const before = (BEFORE_ISSUE_12.panels as Record<string, number>)[panel.name];
      const was = before === undefined ? 'new' : `before: ${(BEFORE_ISSUE_12.shell + before).toFixed(1)}`;
      lines.push(`${panel.name}: ${total.toFixed(1)} KiB = shell + ${kib(own).toFixed(1)} (${was})`);
      if (before !== undefined && total >= BEFORE_ISSUE_12.shell + before) over.push(lines.at(-1)!);
    }
    // What loads later, on demand (lesson files, the glossary's texts, the lesson bar): not part of opening a panel.
    const later = [...chunks.values()].filter((c) => c.isDynamicEntry && !panels.includes(c));
    for (const c of later) lines.push(`on demand: ${c.name} ${kib([c.fileName]).toFixed(1)} KiB`);
    console.log(`Main-thread JavaScript (minified, before gzip):\n  ${lines.join('\n  ')}`);
    // Every panel that existed before must have been found, or the check would pass by missing it.
    for (const name of Object.keys(BEFORE_ISSUE_12.panels)) expect(panels.map((p) => p.name)).toContain(name);
    expect(over).toEqual([]);
  });
});
