import { test, expect, type Page } from '@playwright/test';
import { collectConsoleErrors } from './helpers';

/**
 * Work belongs to the app, not to the tab, and interactive work never waits behind background work:
 * ε-curves run in the engine's background worker while an Attack Lab attack is answered by the interactive one,
 * and leaving a panel neither cancels nor forgets its job.
 */

const curveCount = async (page: Page) => Number(await page.getByTestId('curve-count').getAttribute('data-count'));

/** Attacks the shown gallery image at ε and resolves with the milliseconds until the result is on screen. */
async function timedAttack(page: Page, epsilon: number): Promise<number> {
  const lab = page.getByTestId('attack-lab');
  const started = Date.now();
  const input = page.getByTestId('epsilon-unit');
  await input.fill(String(epsilon));
  await input.press('Enter');
  await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', String(epsilon), { timeout: 120_000 });
  await expect(lab).toHaveAttribute('data-running', 'false', { timeout: 120_000 });
  return Date.now() - started;
}

test('an attack is answered while ε-curves run in the background; the curves go on and complete after a tab switch', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = collectConsoleErrors(page);
  // The usual time of the attack, with nothing else running.
  await page.goto('/#panel=attack-lab&model=mnist-cnn&attack=pgd&steps=20&eps=0.1');
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', '0.1', { timeout: 60_000 });
  const alone = await timedAttack(page, 0.15);

  // A curve run long enough to be still going when the attack is done: 500 images × PGD-20 × 6 budgets.
  await page.getByTestId('tab-tradeoff').click();
  await page.evaluate(() => (location.hash = '#panel=tradeoff&tmodels=mnist-cnn&tattacks=pgd&temax=0.3&testep=0.05&tn=500&tsteps=20&trestarts=1'));
  await page.reload();
  await expect(page.getByTestId('curves-run')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('curves-run').click();
  await expect(page.getByTestId('progress')).toBeVisible();
  await expect(page.getByTestId('background-job')).toHaveAttribute('data-panel', 'tradeoff');
  await expect.poll(() => curveCount(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);

  await page.getByTestId('tab-attack-lab').click();
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', /\d/, { timeout: 60_000 });
  const during = await timedAttack(page, 0.2);
  // The curves were still running when the attack's result arrived: it did not wait for them.
  await expect(page.getByTestId('background-job')).toHaveCount(1);
  console.log(`PGD-20 attack: ${alone} ms alone, ${during} ms while ε-curves run in the background`);
  expect(during).toBeLessThan(Math.max(4 * alone, alone + 5_000));

  // Back on the trade-off tab: the same run, further along, then complete.
  await page.getByTestId('background-job').click();
  await expect(page.getByTestId('tab-tradeoff')).toHaveAttribute('aria-selected', 'true');
  await expect.poll(() => curveCount(page), { timeout: 240_000, intervals: [1000] }).toBe(7);
  await expect(page.getByTestId('curve-count')).toContainText('7 / 7 points ·');
  await expect(page.getByTestId('curves-cancelled')).toHaveCount(0);
  await expect(page.getByTestId('background-jobs')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a trained toy model is still trained after a tab switch, with its history and class map', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = collectConsoleErrors(page);
  await page.goto('/#panel=boundaries&b-data=spiral&b-classes=2&b-noise=0.03&b-n=300&b-seed=1&b-layers=3&b-width=32&b-act=relu&b-eps=0.1&b-attack=pgd');
  await expect(page.getByTestId('toy-robust-accuracy')).toHaveAttribute('data-value', /\d/, { timeout: 120_000 });
  for (let chunk = 1; chunk <= 4; chunk++) {
    await page.getByTestId('toy-step').click();
    await expect(page.getByTestId('toy-step-count')).toHaveAttribute('data-value', String(25 * chunk), { timeout: 60_000 });
    await expect(page.getByTestId('toy-step')).toBeEnabled();
  }
  const map = await page.getByTestId('toy-heatmap').evaluate((c) => (c as HTMLCanvasElement).toDataURL());
  const clean = await page.getByTestId('toy-clean-accuracy').getAttribute('data-value');

  await page.getByTestId('tab-attack-lab').click();
  await expect(page.getByTestId('attack-lab')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('tab-boundaries').click();
  await expect(page.getByTestId('toy-section')).toBeVisible();
  // The same model: step 100, the same accuracy, the same class map, the loss chart still drawn.
  await expect(page.getByTestId('toy-step-count')).toHaveAttribute('data-value', '100');
  await expect(page.getByTestId('toy-clean-accuracy')).toHaveAttribute('data-value', clean ?? '');
  await expect(page.getByTestId('toy-loss-chart')).toBeVisible();
  await expect.poll(() => page.getByTestId('toy-heatmap').evaluate((c) => (c as HTMLCanvasElement).toDataURL())).toBe(map);
  // And training goes on from there.
  await page.getByTestId('toy-step').click();
  await expect(page.getByTestId('toy-step-count')).toHaveAttribute('data-value', '125', { timeout: 60_000 });
  expect(errors).toEqual([]);
});
