import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { PANEL_IDS } from './panel-ids';
import { shotPath } from './helpers';

/**
 * An automated accessibility check (axe-core, WCAG 2.x A and AA rules) on every panel, in the light and the dark
 * theme (the dark one through the system setting, which theme.css follows unless the toggle chose otherwise).
 * Serious and critical violations fail the test, each listed with the elements it found.
 */

async function openPanel(page: Page, id: string): Promise<void> {
  await page.goto(`/#panel=${id}`);
  await expect(page.getByTestId(`tab-${id}`)).toHaveAttribute('aria-selected', 'true', { timeout: 60_000 });
  // The panel's chunk is loaded on first use; then its lists arrive from the engine.
  await expect(page.locator('#panel > *').first()).toBeVisible({ timeout: 60_000 });
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1500);
}

for (const scheme of ['light', 'dark'] as const) {
  for (const id of PANEL_IDS) {
    test(`axe: no serious or critical violations on ${id} (${scheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await openPanel(page, id);
      const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      const report = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.slice(0, 6).map((n) => `   ${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1, 2).join(' ')}`).join('\n')}`);
      // For a person to look at: how each panel reads in each theme.
      await page.screenshot({ path: shotPath(`a11y-${id}-${scheme}.png`) });
      expect(report, report.join('\n')).toEqual([]);
    });
  }
}
