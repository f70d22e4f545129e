import { test, expect, type Page } from '@playwright/test';
import { collectConsoleErrors, shotPath } from './helpers';

/**
 * A fine-tuning run survives a reload (issue #13): the worker keeps the run's state in the browser after every
 * held-out check; after a reload the panel offers "Resume run from step N", and the run goes on from that step —
 * not from 0 — to the end. Pressing Enter in a field of the recipe never starts a run.
 */
const EVERY = 20;
const STEPS = 120;
const RUN = `/?backend=wasm#panel=finetune&ftModel=mnist-cnn&ftMethod=fgsm-rs&ftEps=0.1&ftSteps=${STEPS}&ftEvery=${EVERY}&ftStop=0`;

async function stepsDone(page: Page): Promise<number> {
  const text = (await page.getByTestId('ft-status').getByTestId('progress').textContent().catch(() => '')) ?? '';
  const m = /(\d+) \/ (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

test('Enter in a recipe field does not start a run', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto(RUN);
  await expect(page.getByTestId('ft-start')).toBeEnabled({ timeout: 60_000 });
  for (const field of ['ft-steps', 'ft-lr', 'ft-every']) {
    await page.getByTestId(field).focus();
    await page.keyboard.press('Enter');
  }
  await page.locator('form[aria-label="Fine-tuning recipe"] [data-testid="epsilon-unit"]').focus();
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1500);
  await expect(page.getByTestId('ft-status')).toHaveAttribute('data-phase', 'idle');
  await expect(page.getByTestId('progress')).toHaveCount(0);
  // The button still starts it (so the check above is not vacuous).
  await page.getByTestId('ft-start').click();
  await expect(page.getByTestId('ft-status')).toHaveAttribute('data-phase', 'running');
  await page.getByTestId('ft-cancel').click();
  await expect(page.getByTestId('ft-status')).toHaveAttribute('data-phase', 'idle');
  expect(errors).toEqual([]);
});

test('a fine-tuning run interrupted by a reload resumes from its checkpoint step and finishes', async ({ page }) => {
  test.setTimeout(420_000);
  const errors = collectConsoleErrors(page);
  await page.goto(RUN);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(page.getByTestId('ft-resumable')).toHaveCount(0);
  await page.getByTestId('ft-start').click();
  // Two held-out checks after training began (steps 20 and 40), so a checkpoint past the first exists.
  await expect.poll(() => stepsDone(page), { timeout: 180_000 }).toBeGreaterThanOrEqual(2 * EVERY + 5);
  const before = await page.getByTestId('ft-robust').getAttribute('data-before');
  expect(before).not.toBe('');

  // Leaving asks first (a run is going); accepted, the page reloads and the run in the worker is gone.
  let asked = 0;
  page.on('dialog', (d) => {
    asked += d.type() === 'beforeunload' ? 1 : 0;
    void d.accept();
  });
  const reachedBeforeReload = await stepsDone(page);
  await page.reload();
  expect(asked).toBe(1);

  const offer = page.getByTestId('ft-resumable');
  await expect(offer).toBeVisible({ timeout: 60_000 });
  const step = Number(await offer.getAttribute('data-step'));
  console.log(`reloaded at step ≥ ${reachedBeforeReload}; checkpoint at step ${step}`);
  // Checkpoints follow the held-out checks: a multiple of EVERY, at least the second, and not past the end.
  expect(step % EVERY).toBe(0);
  expect(step).toBeGreaterThanOrEqual(2 * EVERY);
  expect(step).toBeLessThan(STEPS);
  await expect(page.getByTestId('ft-resume-run')).toHaveText(`Resume run from step ${step}`);
  await expect(page.getByTestId('ft-status')).toHaveAttribute('data-phase', 'idle');
  for (const [w, h] of [[1024, 768], [1400, 900]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shotPath(`finetune-resume-offer-${w}.png`) });
  }

  // From the click on, record every step the progress bar shows: the first must be the checkpoint's, not 0.
  await page.evaluate(() => {
    const w = window as unknown as { seenSteps: number[]; seenPhases: string[] };
    w.seenSteps = [];
    w.seenPhases = [];
    new MutationObserver(() => {
      // The run's own bar (the ε-curve measured after the run has a bar of its own elsewhere).
      const bar = document.querySelector('[data-testid="ft-status"] [data-testid="progress"]');
      if (!bar) return;
      const m = /(\d+) \/ (\d+)/.exec(bar.textContent ?? '');
      if (m) w.seenSteps.push(Number(m[1]));
      w.seenPhases.push(bar.textContent ?? '');
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  await page.getByTestId('ft-resume-run').click();
  await expect(page.getByTestId('ft-status')).toHaveAttribute('data-phase', 'running');
  await expect(offer).toHaveCount(0);
  // The held-out history came back with the run: the base model's figure is the one measured before the reload.
  await expect(page.getByTestId('ft-robust')).toHaveAttribute('data-before', before!);
  await expect.poll(() => stepsDone(page), { timeout: 60_000 }).toBeGreaterThan(step);
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shotPath('finetune-resumed-1400.png') });

  await expect(page.getByTestId('ft-result')).toBeVisible({ timeout: 300_000 });
  const seen = await page.evaluate(() => (window as unknown as { seenSteps: number[]; seenPhases: string[] }).seenSteps);
  const phases = await page.evaluate(() => (window as unknown as { seenSteps: number[]; seenPhases: string[] }).seenPhases);
  console.log(`after resuming, progress went ${seen[0]} → ${seen[seen.length - 1]} (${seen.length} updates)`);
  expect(seen.length).toBeGreaterThan(0);
  expect(Math.min(...seen)).toBe(step);
  expect(Math.max(...seen)).toBe(STEPS);
  expect(phases.some((p) => p.includes('Measuring the base model'))).toBe(false);
  await expect(page.getByTestId('ft-result')).toContainText(`Trained for ${STEPS} steps`);
  await expect(page.getByTestId('ft-saved-row')).toHaveCount(1);

  // A finished run leaves nothing to resume: a second reload offers nothing.
  await page.reload();
  await expect(page.getByTestId('ft-saved-row')).toHaveCount(1, { timeout: 60_000 });
  await expect(page.getByTestId('ft-resumable')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('an interrupted run can be discarded instead', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = collectConsoleErrors(page);
  await page.goto(RUN);
  await expect(page.getByTestId('ft-start')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('ft-start').click();
  await expect.poll(() => stepsDone(page), { timeout: 180_000 }).toBeGreaterThanOrEqual(EVERY + 2);
  page.on('dialog', (d) => void d.accept());
  await page.reload();
  await expect(page.getByTestId('ft-resumable')).toBeVisible({ timeout: 60_000 });
  expect(Number(await page.getByTestId('ft-resumable').getAttribute('data-step')) % EVERY).toBe(0);
  await page.getByTestId('ft-discard-run').click();
  await expect(page.getByTestId('ft-resumable')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('ft-start')).toBeEnabled({ timeout: 60_000 });
  await page.waitForTimeout(1000);
  await expect(page.getByTestId('ft-resumable')).toHaveCount(0);
  await expect(page.getByTestId('ft-saved-row')).toHaveCount(0);
  expect(errors).toEqual([]);
});
