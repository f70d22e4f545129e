import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { collectConsoleErrors } from './helpers';

/** Plain language: every panel opens with an intro line, and the terms on screen explain themselves from the glossary. */
const PANELS = ['attack-lab', 'boundaries', 'tradeoff', 'finetune', 'lessons', 'engine'];

test('every panel has an intro line marked data-part="intro"', async ({ page }) => {
  for (const panel of PANELS) {
    await page.goto(`/?backend=wasm#panel=${panel}`);
    await expect(page.locator('#panel [data-part="intro"]').first(), panel).toBeVisible({ timeout: 60_000 });
  }
});

test('Attack Lab terms: ε, the norm, δ, ‖δ‖ values and the attack name explain themselves on focus', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  // The explanation the glossary file holds (read here independently of the app) is the one shown.
  const glossary = readFileSync('src/ui/glossary/terms.ts', 'utf8');
  const plainOf = (id: string) => new RegExp(`(?:'${id}'|\\b${id}): \\{\\s*term: '[^']*',\\s*plain: '([^']{20})`).exec(glossary)![1];
  await page.goto('/?backend=wasm#panel=attack-lab&attack=pgd');
  await expect(page.getByTestId('result-summary')).toBeVisible({ timeout: 60_000 });
  for (const id of ['epsilon', 'linf', 'delta', 'delta-norms', 'pgd']) {
    const term = page.locator(`#panel [data-term="${id}"]`).first();
    await expect(term, id).toBeVisible();
    const tip = term.locator('[role="tooltip"]');
    await expect(tip).toBeHidden();
    await term.focus();
    await expect(tip, id).toBeVisible();
    await expect(tip).toContainText(plainOf(id));
    await page.keyboard.press('Escape');
    await expect(tip).toBeHidden();
  }
  // Hover works as well as focus.
  await page.locator('#panel [data-term="epsilon"]').first().blur();
  await page.locator('#panel [data-term="epsilon"]').first().hover();
  await expect(page.locator('#panel [data-term="epsilon"] [role="tooltip"]').first()).toBeVisible();
  expect(errors).toEqual([]);
});

test('the engine check says pass or fail against the CPU backend, with the tolerance named', async ({ page }) => {
  await page.goto('/?backend=wasm#panel=engine');
  await page.getByTestId('engine-check-run').click();
  const verdict = page.getByTestId('engine-check-verdict');
  await expect(verdict).toHaveAttribute('data-pass', 'true', { timeout: 60_000 });
  await expect(verdict).toContainText('Pass');
  await expect(verdict).toContainText('CPU backend');
  await expect(verdict).toContainText('tolerance');
  const diff = Number(await page.getByTestId('engine-check-diff').textContent());
  const tol = Number(await page.getByTestId('engine-check-tolerance').textContent());
  expect(diff).toBeLessThanOrEqual(tol);
  expect(tol).toBeGreaterThan(0);
});
