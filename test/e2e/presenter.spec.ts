import { test, expect } from '@playwright/test';
import { collectConsoleErrors } from './helpers';

/**
 * Presenter mode, wired into the panels: the toggle enlarges the type, hides the controls marked advanced, and the
 * keyboard drives the Attack Lab (+/− move ε by one slider step, r runs) and the trade-off panel (r runs the curves).
 */
test('presenter toggle: larger type, advanced controls hidden, + and − move ε in the Attack Lab', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto('/?backend=wasm#panel=attack-lab&attack=pgd&eps=0.1');
  const lab = page.getByTestId('attack-lab');
  await expect(lab).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('result-summary')).toBeVisible({ timeout: 60_000 });
  const rootFont = () => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
  const before = await rootFont();
  await expect(page.getByTestId('attack-step-size')).toBeVisible();
  await expect(page.getByTestId('attack-restarts')).toBeVisible();

  await page.getByTestId('presenter-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-presenter', '');
  expect(await rootFont()).toBeGreaterThan(before * 1.2);
  await expect(page.getByTestId('attack-step-size')).toBeHidden();
  await expect(page.getByTestId('attack-restarts')).toBeHidden();
  await expect(page.getByTestId('attack-random-start')).toBeHidden();
  // The everyday controls stay.
  await expect(page.getByTestId('attack-steps')).toBeVisible();
  await expect(page.getByTestId('epsilon-slider')).toBeVisible();

  // One key press is one slider step: one grey level (1/255) in L∞, read from the /255 box.
  const level = async () => Number(await page.getByTestId('epsilon-255').inputValue());
  const start = await level();
  await page.locator('body').press('+');
  await expect.poll(level).toBe(start + 1);
  await page.locator('body').press('+');
  await expect.poll(level).toBe(start + 2);
  await page.locator('body').press('-');
  await expect.poll(level).toBe(start + 1);
  await expect(page).toHaveURL(/eps=0\.10[0-9]*/);
  // The live attack follows ε: the result is for the new ε.
  await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', String((start + 1) / 255), { timeout: 30_000 });

  // Typing in a field is not a shortcut.
  await page.getByTestId('attack-steps').fill('12');
  await page.getByTestId('attack-steps').press('+');
  expect(await level()).toBe(start + 1);

  // Presenter mode off again: everything comes back.
  await page.getByTestId('presenter-toggle').click();
  await expect(page.getByTestId('attack-step-size')).toBeVisible();
  expect(await rootFont()).toBe(before);
  expect(errors).toEqual([]);
});

test('r runs the trade-off curves', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto('/?backend=wasm#panel=tradeoff&present=1&tmodels=mnist-cnn&tattacks=fgsm&temax=0.2&testep=0.1&tn=20');
  await expect(page.getByTestId('curves-run')).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('curve-restarts')).toBeHidden();
  await page.locator('body').press('r');
  await expect(page.getByTestId('curve-chart')).toBeVisible({ timeout: 60_000 });
  expect(errors).toEqual([]);
});
