import { test, expect, type Page } from '@playwright/test';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { collectConsoleErrors } from './helpers';

// This spec alone lets the service worker run (playwright.config.ts blocks it elsewhere).
test.use({ serviceWorkers: 'allow' });

/** Opens a panel by its tab, as a person would after the reload (no navigation, so nothing comes from the network). */
async function openTab(page: Page, id: string) {
  await page.getByTestId(`tab-${id}`).click();
}

test('after one online visit, the app reloads with the network cut and every panel runs its main action', async ({ page, context }) => {
  test.setTimeout(420_000);
  const errors = collectConsoleErrors(page);
  await page.goto('/?backend=wasm');
  // The whole build is stored before the status says so (addAll is all or nothing).
  await expect(page.getByTestId('offline-status')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const cache = await caches.open(names[0]);
    return (await cache.keys()).map((r) => new URL(r.url).pathname);
  });
  // Lazily loaded panels, the engine worker, wasm, models and data are all in the cache.
  expect(cached.some((p) => p.endsWith('/models/index.json'))).toBe(true);
  expect(cached.some((p) => p.endsWith('/data/mnist-train.bin'))).toBe(true);
  expect(cached.some((p) => p.endsWith('.wasm'))).toBe(true);
  expect(cached.filter((p) => p.endsWith('.js')).length).toBeGreaterThan(5);

  await context.setOffline(true);
  // A deep link into a panel (only the hash differs, so goto alone would not reload), then a real reload with no network.
  await page.goto('/?backend=wasm#panel=attack-lab&model=mnist-cnn&attack=fgsm');
  await page.reload();
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  // Attack Lab: attack a test image.
  await page.getByTestId('model-mnist-cnn').check();
  await page.getByTestId('gallery-image').first().click();
  await expect(page.getByTestId('verdict')).toHaveAttribute('data-kind', /fooled|resisted/, { timeout: 60_000 });

  // Decision boundaries: a shipped toy model's map, and an image-space slice (another model, fetched offline).
  await openTab(page, 'boundaries');
  await expect(page.getByTestId('toy-robust-accuracy')).toHaveAttribute('data-value', /\d/, { timeout: 120_000 });

  // ε trade-off: a short curve run.
  await openTab(page, 'tradeoff');
  await expect(page.getByTestId('curves-run')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('curves-run').click();
  await expect(page.getByTestId('curve-point').first()).toBeVisible({ timeout: 120_000 });

  // Fine-tuning: the training images load from the cache and a run starts.
  await openTab(page, 'finetune');
  await page.getByTestId('ft-start').click();
  await expect(page.getByTestId('ft-status')).toHaveAttribute('data-phase', /running|paused|done/, { timeout: 60_000 });
  await page.getByTestId('ft-cancel').click();

  // Engine check.
  await openTab(page, 'engine');
  await page.getByTestId('engine-check-run').click();
  await expect(page.getByTestId('engine-check-gradient')).toHaveAttribute('data-values', /\d/, { timeout: 60_000 });

  await context.setOffline(false);
  expect(errors.filter((e) => !/net::ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
});

test('a new build deployed while the app is open is offered as "update ready" and taken on a click', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('offline-status')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  // Deploy a "new build": the same files under a new version (what the plugin writes when any byte changes).
  const file = path.join(process.env.E2E_OUT_DIR ?? 'dist', 'sw.js');
  const original = readFileSync(file, 'utf8');
  try {
    writeFileSync(file, original.replace(/"version":"([0-9a-f]+)"/, '"version":"$1e2e"'));
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    await expect(page.getByTestId('offline-update')).toBeVisible({ timeout: 120_000 });
    await Promise.all([page.waitForEvent('load'), page.getByTestId('offline-update').click()]);
    await expect(page.getByTestId('offline-status')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
    const version = await page.evaluate(async () => {
      const channel = new MessageChannel();
      const answer = new Promise<{ version: string }>((resolve) => (channel.port1.onmessage = (e) => resolve(e.data)));
      navigator.serviceWorker.controller?.postMessage({ type: 'VERSION' }, [channel.port2]);
      return (await answer).version;
    });
    expect(version).toMatch(/e2e$/);
  } finally {
    writeFileSync(file, original);
  }
  expect(errors).toEqual([]);
});

test('on a static server that sends no headers, the service worker makes the app cross-origin isolated (threads) and applies the CSP', async ({ browser }) => {
  test.setTimeout(240_000);
  // A plain static file server, as on GitHub Pages or `python3 -m http.server`: no COOP/COEP, no CSP header.
  const root = path.resolve(process.env.E2E_OUT_DIR ?? 'dist');
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png' };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const file = path.join(root, url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const context = await browser.newContext({ serviceWorkers: 'allow' });
  const page = await context.newPage();
  const errors = collectConsoleErrors(page);
  try {
    await page.goto(`http://127.0.0.1:${port}/?backend=wasm`);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    await expect(page.getByTestId('offline-status')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
    await page.reload();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
    // The engine (with its wasm threads) runs under the worker-delivered headers: an attack completes.
    await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    await page.getByTestId('gallery-image').first().click();
    await expect(page.getByTestId('verdict')).toHaveAttribute('data-kind', /fooled|resisted/, { timeout: 60_000 });
    expect(errors).toEqual([]);
  } finally {
    await context.close();
    server.close();
  }
});
