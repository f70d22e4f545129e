import { test, expect, type Page } from '@playwright/test';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { collectConsoleErrors } from './helpers';

/** The lessons as files (the test reads them itself, independently of the app's parser): ids and each step's scene. */
function lessonFiles(): { id: string; scenes: string[] }[] {
  const dir = 'src/lessons';
  return readdirSync(dir)
    .filter((f) => /^\d+-.*\.md$/.test(f))
    .sort()
    .map((f) => ({
      id: f.replace(/^\d+-/, '').replace(/\.md$/, ''),
      scenes: [...readFileSync(path.join(dir, f), 'utf8').matchAll(/^scene:\s*(\S+)\s*$/gm)].map((m) => m[1]),
    }));
}

/** The scene is on screen: its panel's tab is selected and every key of the scene is in the address as written. */
async function expectScene(page: Page, scene: string) {
  const params = new URLSearchParams(scene.slice(1));
  await expect(page.getByTestId(`tab-${params.get('panel')}`)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('url-warning')).toHaveCount(0);
  const hash = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
  for (const [k, v] of params) expect(hash.get(k), `${k} in ${scene}`).toBe(v);
}

test('every lesson is clicked through from its first to its last step, each step showing its scene', async ({ page }) => {
  test.setTimeout(600_000);
  const errors = collectConsoleErrors(page);
  const lessons = lessonFiles();
  expect(lessons.length).toBeGreaterThanOrEqual(4);
  await page.goto('/?backend=wasm#panel=lessons');
  for (const lesson of lessons) {
    await page.getByTestId('tab-lessons').click();
    await page.getByTestId(`lesson-start-${lesson.id}`).click();
    const bar = page.getByTestId('lesson-bar');
    for (let i = 0; i < lesson.scenes.length; i++) {
      await expect(bar).toHaveAttribute('data-step', String(i + 1));
      await expectScene(page, lesson.scenes[i]);
      if (i < lesson.scenes.length - 1) await page.getByTestId('lesson-next').click();
    }
    await expect(page.getByTestId('lesson-next')).toBeDisabled();
    await page.getByTestId('lesson-close').click();
    await expect(bar).toHaveCount(0);
  }
  expect(errors).toEqual([]);
});

test('a step opens by link, the keyboard moves through it, and “copy link” puts the scene on the clipboard', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const errors = collectConsoleErrors(page);
  const [first] = lessonFiles();
  await page.goto(`/?backend=wasm#lesson=${first.id}&step=2`);
  await expect(page.getByTestId('lesson-bar')).toHaveAttribute('data-step', '2');
  await expectScene(page, first.scenes[1]);
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await page.locator('body').press('PageDown');
  await expect(page.getByTestId('lesson-bar')).toHaveAttribute('data-step', '3');
  await expectScene(page, first.scenes[2]);
  await page.locator('body').press('p');
  await expect(page.getByTestId('lesson-bar')).toHaveAttribute('data-step', '2');

  await page.getByTestId('copy-link').click();
  await expect(page.getByTestId('copy-link')).toHaveText(/copied/);
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toBe(await page.evaluate(() => location.href));
  // The copied link, opened in a new tab, shows the same step and scene.
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByTestId('lesson-bar')).toHaveAttribute('data-step', '2');
  await expectScene(other, first.scenes[1]);

  await page.getByTestId('lesson-copy-scene').click();
  const step = await page.evaluate(() => navigator.clipboard.readText());
  expect(step).toMatch(/^## .+\nscene: #panel=/);
  expect(step).not.toMatch(/lesson=|step=/);
  expect(errors).toEqual([]);
});
