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
