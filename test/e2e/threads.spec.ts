import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { collectConsoleErrors } from './helpers';

/**
 * Threaded wasm: `vite preview` sends COOP/COEP, so the page is cross-origin isolated and the wasm backend runs one
 * thread per core. The same attack with `?threads=1` must give the same numbers: threads change only how XNNPACK
 * splits the work.
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
  const threaded = await attackOnce(page, '?backend=wasm');
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  test.skip(cores < 2, 'one core: nothing to thread');
  expect(threaded.threads).toBeGreaterThan(1);
  await expect(page.getByTestId('backend-threads')).toContainText(`${threaded.threads} threads`);
  await page.getByTestId('backend-badge').click();
  await expect(page.getByTestId('backend-thread-note')).toContainText('one per core');

  const single = await attackOnce(page, '?backend=wasm&threads=1');
  expect(single.threads).toBe(1);
  await expect(page.getByTestId('backend-threads')).toContainText('1 thread');

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
