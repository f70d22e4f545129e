import { test, expect, type Page } from '@playwright/test';
import { shotPath } from './screens';

function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

async function numberAttr(page: Page, testid: string): Promise<number> {
  const raw = await page.getByTestId(testid).getAttribute('data-value');
  return raw === null || raw === '' ? NaN : Number(raw);
}

/** A fingerprint of the heatmap's pixels. */
async function heatmapPixels(page: Page): Promise<string> {
  return page.getByTestId('toy-heatmap').evaluate((c) => (c as HTMLCanvasElement).toDataURL());
}

async function waitForStep(page: Page, atLeast: number, timeout: number): Promise<void> {
  await expect.poll(() => numberAttr(page, 'toy-step-count'), { timeout, intervals: [250] }).toBeGreaterThanOrEqual(atLeast);
}

async function pause(page: Page): Promise<void> {
  const play = page.getByTestId('toy-play');
  if ((await play.getAttribute('aria-pressed')) === 'true') await play.click();
  await expect(play).toHaveAttribute('aria-pressed', 'false', { timeout: 30_000 });
  await expect(play).toBeEnabled();
}

test('toy playground: training changes the map; adversarial training raises robust accuracy by ≥ 20 points', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = collectConsoleErrors(page);
  // The demo's settings (also the defaults): two spirals, 3 × 32 ReLU, L∞ ε = 0.1, PGD-10.
  await page.goto('/#panel=boundaries&b-data=spiral&b-classes=2&b-noise=0.03&b-n=300&b-seed=1&b-layers=3&b-width=32&b-act=relu&b-eps=0.1&b-attack=pgd');
  await expect(page.getByTestId('toy-robust-accuracy')).toHaveAttribute('data-value', /\d/, { timeout: 120_000 });
  const untrained = await heatmapPixels(page);

  await page.getByTestId('toy-play').click();
  await waitForStep(page, 500, 150_000);
  await pause(page);
  const trained = await heatmapPixels(page);
  expect(trained).not.toEqual(untrained);
  expect(await numberAttr(page, 'toy-clean-accuracy')).toBeGreaterThan(0.9);
  const standardRobust = await numberAttr(page, 'toy-robust-accuracy');

  // Keyboard: the selected point moves with the arrow keys, and its adversarial counterpart follows.
  const handle = page.getByTestId('toy-selected-point');
  const before = await handle.getAttribute('aria-label');
  await handle.focus();
  await page.keyboard.press('ArrowRight');
  await expect(handle).not.toHaveAttribute('aria-label', before ?? '');

  await page.getByTestId('toy-method').selectOption('pgd');
  await page.getByTestId('toy-play').click();
  let best = 0;
  await expect
    .poll(
      async () => {
        best = Math.max(best, await numberAttr(page, 'toy-robust-accuracy'));
        return best - standardRobust;
      },
      { timeout: 150_000, intervals: [500] },
    )
    .toBeGreaterThanOrEqual(0.2);
  await pause(page);
  await expect(page.getByTestId('toy-before-after')).toBeVisible();
  await page.screenshot({ path: shotPath('boundaries-toy.png') });
  expect(errors).toEqual([]);
});
