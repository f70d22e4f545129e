import { test, expect, type Page } from '@playwright/test';
import { collectConsoleErrors, shotPath } from './helpers';

async function engineCheckGradient(page: Page): Promise<number[]> {
  await page.getByTestId('engine-check-run').click();
  const out = page.getByTestId('engine-check-gradient');
  await expect(out).toBeVisible({ timeout: 120_000 });
  return JSON.parse((await out.getAttribute('data-values')) ?? '[]') as number[];
}

test('the page loads with no console errors and the badge names the backend', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto('/#panel=engine');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', /^(webgpu|webgl|wasm|cpu)$/);
  // Auto on this machine: the WebGPU adapter (if any) is SwiftShader, so WASM is preferred.
  await badge.click();
  await expect(page.getByTestId('backend-reason')).not.toBeEmpty();
  // The details close like any popover (Escape), uncovering the panel below.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('backend-reason')).toHaveCount(0);
  await engineCheckGradient(page);
  await page.screenshot({ path: shotPath('engine-check.png') });
  expect(errors).toEqual([]);
});

test('an unknown ?backend= shows a message and falls back', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto('/?backend=nonsense');
  await expect(page.getByTestId('backend-warning')).toContainText('nonsense');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /^(webgpu|webgl|wasm|cpu)$/);
  expect(errors).toEqual([]);
});

test('every forced backend computes the same gradient (to 1e-4)', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  const gradients: Record<string, number[]> = {};
  for (const backend of ['wasm', 'cpu', 'webgl', 'webgpu']) {
    await page.goto(`/?backend=${backend}#panel=engine`);
    // The badge shows the backend that really runs: a forced one that failed would show its fallback.
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', backend, { timeout: 60_000 });
    gradients[backend] = await engineCheckGradient(page);
    expect(gradients[backend]).toHaveLength(784);
  }
  const ref = gradients.wasm;
  expect(Math.max(...ref.map(Math.abs))).toBeGreaterThan(1e-4);
  for (const backend of ['cpu', 'webgl', 'webgpu']) {
    const diff = Math.max(...gradients[backend].map((v, i) => Math.abs(v - ref[i])));
    expect(diff, `${backend} vs wasm`).toBeLessThan(1e-4);
  }
  expect(errors).toEqual([]);
});
