import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { shotPath } from './helpers';
import { addModel, saveGraphModel, saveLayersModel } from './own-fixtures';

/**
 * The "Your models" panel with content in it (a kept model, the settings form with the loader's notes, the images
 * section) at a small laptop size and a desktop size, in both themes: nothing runs off the page, the axe check
 * passes in that state too, and screenshots are written for a person to look at.
 */

async function noHorizontalOverflow(page: Page): Promise<void> {
  const over = await page.evaluate(() => {
    const panel = document.querySelector('#panel')!;
    const out: string[] = [];
    for (const el of panel.querySelectorAll<HTMLElement>('*')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > document.documentElement.clientWidth + 1) out.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
    }
    return out;
  });
  expect(over, over.join('\n')).toEqual([]);
}

test('Your models: laid out at 1024×768 and 1400×900, light and dark, and accessible with a form open', async ({ page }) => {
  test.setTimeout(240_000);
  const layers = await saveLayersModel();
  const graph = saveGraphModel();
  await page.goto('/#panel=yours');
  await addModel(page, layers, 'A model with a rather long name to see how it wraps');
  await page.getByTestId('model-files').setInputFiles(graph);
  await expect(page.getByTestId('model-notes')).toContainText(/Softmax/);

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [w, h] of [[1024, 768], [1400, 900]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await noHorizontalOverflow(page);
      await page.screenshot({ path: shotPath(`yours-${w}x${h}-${scheme}.png`), fullPage: true });
    }
    const results = await new AxeBuilder({ page }).include('#panel').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(bad, bad.join('\n')).toEqual([]);
  }
});

test('the theme toggle switches to dark, is remembered across a reload, and goes back to the system setting', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/#panel=yours');
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await bg();
  await page.getByTestId('theme-toggle').getByText('Dark').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const dark = await bg();
  expect(dark).not.toBe(light);
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await bg()).toBe(dark);
  await page.getByTestId('theme-toggle').getByText('System').click();
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', /./);
  expect(await bg()).toBe(light);
});

test('with reduced motion asked for, transitions and animations do not play', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto('/#panel=attack-lab&model=mnist-cnn&attack=fgsm&eps=0.1');
  await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', '0.1', { timeout: 60_000 });
  const durations = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('#panel *')].map((el) => getComputedStyle(el)).flatMap((s) => [s.transitionDuration, s.animationDuration]).flatMap((d) => d.split(',').map((v) => parseFloat(v) * (v.trim().endsWith('ms') ? 1 : 1000))),
  );
  expect(Math.max(...durations)).toBeLessThanOrEqual(0.01);
});
