import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { collectConsoleErrors } from './helpers';

/**
 * Threaded wasm: `vite preview` sends COOP/COEP, so the page is cross-origin isolated and the wasm backend can run
 * one thread per core: the background lane does (batches), the Attack Lab's lane runs one thread (single images are
 * faster without a pool; choice.ts chooseWasmThreads). The same attack on a pool and with `?threads=1` must give the
 * same numbers: threads change only how XNNPACK splits the work.
 */
interface RunJson {
  adversarial: { predicted: number; probabilities: number[]; norms: { linf: number; l2: number; l0: number } };
  clean: { probabilities: number[] };
}

async function attackOnce(page: Page, query: string): Promise<{ threads: number; run: RunJson }> {
  await page.goto(`/${query}#panel=attack-lab&model=mnist-cnn&attack=pgd&eps=0.1&img=3`);
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', '0.1', { timeout: 60_000 });
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  const threads = Number(await badge.getAttribute('data-threads'));
  const download = page.waitForEvent('download');
  await page.getByTestId('export-json').click();
  const run = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as RunJson;
  return { threads, run };
}

test('the preview is cross-origin isolated, wasm runs threaded, and PGD matches the single-threaded run', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  // Default: the Attack Lab's lane runs single images on one thread, the background lane batches on every core.
  const lane = await attackOnce(page, '?backend=wasm');
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  test.skip(cores < 2, 'one core: nothing to thread');
  const all = Math.min(cores, 8);
  const badge = page.getByTestId('backend-badge');
  expect(lane.threads).toBe(1);
  await expect(badge).toHaveAttribute('data-threads-batch', String(all));
  await expect(page.getByTestId('backend-threads')).toContainText(`1 thread for single images, ${all} for batches`);
  // Each lane's worker reports the threads its own wasm module runs (fixed when that module started).
  const laneThreads = await page.evaluate(async () => {
    type Hooks = { __laneInfoForTest(lane: string): Promise<{ threads?: { count: number } }> };
    const engine = (globalThis as unknown as { __engine: Hooks }).__engine;
    return { interactive: (await engine.__laneInfoForTest('interactive')).threads?.count, background: (await engine.__laneInfoForTest('background')).threads?.count };
  });
  expect(laneThreads).toEqual({ interactive: 1, background: all });
  // Both lanes' attack-loop passes run in the WebAssembly SIMD module, on the shared memory of the threaded build.
  const passes = await page.evaluate(async () => {
    type Hooks = { __laneInfoForTest(lane: string): Promise<{ elementWise?: string }> };
    const engine = (globalThis as unknown as { __engine: Hooks }).__engine;
    return [(await engine.__laneInfoForTest('interactive')).elementWise, (await engine.__laneInfoForTest('background')).elementWise];
  });
  expect(passes).toEqual(['wasm-simd', 'wasm-simd']);
  await badge.click();
  await expect(page.getByTestId('backend-threads-interactive')).toContainText('1 thread');
  await expect(page.getByTestId('backend-threads-batch')).toContainText(`${all} threads`);
  await expect(page.getByTestId('backend-step-passes')).toHaveAttribute('data-path', 'wasm-simd');

  // ?threads= sets every lane: the same attack on a thread pool and on one thread.
  const threaded = await attackOnce(page, `?backend=wasm&threads=${all}`);
  expect(threaded.threads).toBe(all);
  await expect(page.getByTestId('backend-threads')).toContainText(`${all} threads`);
  await page.getByTestId('backend-badge').click();
  await expect(page.getByTestId('backend-thread-note')).toContainText(`?threads=${all}`);

  const single = await attackOnce(page, '?backend=wasm&threads=1');
  expect(single.threads).toBe(1);
  await expect(page.getByTestId('backend-threads')).toContainText('1 thread');
  // One thread on both paths gives the numbers of the default run's Attack Lab lane.
  lane.run.adversarial.probabilities.forEach((p, k) => expect(Math.abs(p - single.run.adversarial.probabilities[k])).toBeLessThanOrEqual(1e-4));

  const a = threaded.run.adversarial;
  const b = single.run.adversarial;
  expect(a.predicted).toBe(b.predicted);
  expect(a.probabilities.length).toBe(10);
  a.probabilities.forEach((p, k) => expect(Math.abs(p - b.probabilities[k])).toBeLessThanOrEqual(1e-4));
  threaded.run.clean.probabilities.forEach((p, k) => expect(Math.abs(p - single.run.clean.probabilities[k])).toBeLessThanOrEqual(1e-4));
  expect(Math.abs(a.norms.linf - b.norms.linf)).toBeLessThanOrEqual(1e-4);
  expect(Math.abs(a.norms.l2 - b.norms.l2)).toBeLessThanOrEqual(1e-4);
  expect(errors).toEqual([]);
});
