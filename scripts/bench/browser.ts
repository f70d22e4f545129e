/**
 * Drives headless Chromium with Playwright: the benchmark page once per backend (each in a fresh page, so one
 * backend's GPU buffers and caches never colour another's), and the first load of the built app. Launch
 * arguments are the end-to-end tests' (playwright.config.ts): WebGPU behind --enable-unsafe-webgpu, WebGL on
 * SwiftShader.
 */
import { chromium, type Browser } from '@playwright/test';
import type { BenchRow } from '../../src/lib/bench/stats';
import type { BenchMessage } from '../../src/bench/protocol';
import { CHROMIUM_ARGS } from '../chromium-args';

/** scripts/find-chromium.mjs, the e2e tests' finder (plain JS: imported by a computed specifier, typed here). */
async function findChromium(): Promise<string | null> {
  const specifier = '../find-chromium.mjs';
  const mod = (await import(specifier)) as { findChromium: () => Promise<string | null> };
  return mod.findChromium();
}


export async function launchChromium(): Promise<{ browser: Browser; version: string } | null> {
  const executablePath = await findChromium();
  if (!executablePath) return null;
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  return { browser, version: browser.version() };
}

export interface BrowserBackendResult {
  backend: string;
  adapter: string;
  software: boolean;
  rows: BenchRow[];
  error: string | null;
  /** wasm: the threads it ran with, and why. */
  threads?: number | null;
  threadNote?: string | null;
}

/** Runs the bench page for one backend; waits at most allowance + grace. */
export async function runBrowserBackend(
  browser: Browser,
  baseUrl: string,
  backend: string,
  allowanceMs: number,
  log: (line: string) => void,
  extra: { peer?: (task: string, batch: number) => Promise<number | null>; threads?: number; tasks?: string } = {},
): Promise<BrowserBackendResult> {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (extra.peer) await page.exposeFunction('__benchPeer', extra.peer);
  const query = [
    extra.peer ? '&peer=1' : '',
    extra.threads ? `&threads=${extra.threads}` : '',
    extra.tasks ? `&tasks=${encodeURIComponent(extra.tasks)}` : '',
  ].join('');
  page.on('console', (m) => log(`  [${backend}] ${m.text()}`));
  page.on('pageerror', (e) => log(`  [${backend}] page error: ${e.message}`));
  try {
    await page.goto(`${baseUrl}/bench/index.html?backend=${backend}&allowanceMs=${Math.round(allowanceMs)}${query}`);
    // A task already running when the allowance ends finishes first: give it the longest single task's time.
    const handle = await page.waitForFunction(() => (window as unknown as { __bench?: unknown }).__bench, null, {
      timeout: allowanceMs + 90_000,
      polling: 500,
    });
    const m = (await handle.jsonValue()) as BenchMessage;
    if (m.kind === 'done') return { backend, adapter: m.adapter, software: m.software, rows: m.rows, error: null, threads: m.threads, threadNote: m.threadNote };
    return { backend, adapter: '', software: false, rows: [], error: m.kind === 'error' ? m.error : 'unexpected message' };
  } catch (err) {
    return { backend, adapter: '', software: false, rows: [], error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  } finally {
    await context.close();
  }
}

export interface FirstLoad {
  /** Bytes of every response received until the app was interactive (bodies as served: no compression here). */
  transferBytes: number;
  /** The same resources gzip-compressed, as a real server would usually send them. */
  gzipBytes: number;
  requests: number;
  /** Navigation start → the backend badge names a backend (engine ready, first panel shown). */
  timeToInteractiveMs: number;
  /** DOMContentLoaded, for reference. */
  domContentLoadedMs: number;
  backend: string;
  resources: { url: string; bytes: number }[];
}

/**
 * Loads the built app in a fresh context (empty cache) and measures what it fetched until it was interactive.
 * Worker requests are counted too (the context sees them).
 */
export async function measureFirstLoad(browser: Browser, url: string, gzipSize: (url: string, bytes: Buffer) => number): Promise<FirstLoad> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const resources: { url: string; bytes: number; gzip: number }[] = [];
  let interactive = false;
  const pending: Promise<void>[] = [];
  context.on('requestfinished', (req) => {
    if (interactive) return;
    pending.push(
      (async () => {
        const response = await req.response();
        if (!response) return;
        const body = await response.body().catch(() => Buffer.alloc(0));
        resources.push({ url: req.url(), bytes: body.length, gzip: gzipSize(req.url(), body) });
      })(),
    );
  });
  try {
    const t0 = Date.now();
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForSelector('[data-testid="backend-badge"][data-backend]:not([data-backend=""])', { timeout: 60_000 });
    interactive = true;
    const wall = Date.now() - t0;
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      return { now: performance.now(), dcl: nav ? nav.domContentLoadedEventEnd : NaN };
    });
    const backend = (await page.getAttribute('[data-testid="backend-badge"]', 'data-backend')) ?? '';
    await Promise.all(pending);
    return {
      transferBytes: resources.reduce((s, r) => s + r.bytes, 0),
      gzipBytes: resources.reduce((s, r) => s + r.gzip, 0),
      requests: resources.length,
      timeToInteractiveMs: Math.min(wall, timing.now),
      domContentLoadedMs: timing.dcl,
      backend,
      resources: resources.map((r) => ({ url: r.url.replace(/^https?:\/\/[^/]+/, ''), bytes: r.bytes })).sort((a, b) => b.bytes - a.bytes),
    };
  } finally {
    await context.close();
  }
}
