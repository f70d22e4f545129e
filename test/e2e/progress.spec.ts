import { test, expect } from '@playwright/test';
import { collectConsoleErrors } from './helpers';

/**
 * Progress where the eye is: a slow attack (PGD, 1 000 steps) shows its progress, ETA and Cancel inside the
 * Attack Lab's result card — not down the settings column — within 300 ms of pressing Run, and Cancel there works.
 */
test('a slow attack shows progress and Cancel in the result area within 300 ms', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto('/?backend=wasm#panel=attack-lab&model=mnist-cnn-robust&attack=pgd&eps=0.1&steps=1000&restarts=1&img=0');
  const lab = page.getByTestId('attack-lab');
  await expect(lab).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  const resultCard = page.locator('section[aria-labelledby="lab-result"]');
  // The robust model resists ε = 0.1, so PGD runs all its steps (no early stop).
  // The lab runs its live attack on opening: that slow run already reports in the result card; cancel it there.
  await expect(lab).toHaveAttribute('data-running', 'true', { timeout: 30_000 });
  await expect(resultCard.getByTestId('result-progress')).toBeVisible();
  await resultCard.getByTestId('cancel').click();
  await expect(lab).toHaveAttribute('data-running', 'false');
  await expect(page.getByTestId('lab-notice')).toContainText('cancelled');
  await expect(resultCard.getByTestId('result-progress')).toHaveCount(0);

  // Time from the click to the progress in the result card, measured in the page itself.
  const ms = await page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const card = document.querySelector('section[aria-labelledby="lab-result"]')!;
        const run = document.querySelector<HTMLButtonElement>('[data-testid="attack-run"]')!;
        let t0 = 0;
        const seen = () => {
          const bar = card.querySelector('[data-testid="result-progress"]');
          return bar !== null && bar.querySelector('[data-testid="cancel"]') !== null && bar.getBoundingClientRect().height > 0;
        };
        const obs = new MutationObserver(() => {
          if (seen()) {
            obs.disconnect();
            resolve(performance.now() - t0);
          }
        });
        obs.observe(card, { childList: true, subtree: true });
        setTimeout(() => reject(new Error('no progress in the result card after 5 s')), 5000);
        t0 = performance.now();
        run.click();
      }),
  );
  expect(ms).toBeLessThan(300);
  // The bar counts steps and gives an ETA once a few steps have run.
  await expect(resultCard.getByTestId('progress')).toContainText('/ 1000', { timeout: 30_000 });
  await expect(resultCard.getByTestId('progress')).toContainText(/left/, { timeout: 30_000 });
  await resultCard.getByTestId('cancel').click();
  await expect(lab).toHaveAttribute('data-running', 'false');
  expect(errors).toEqual([]);
});
