import { test, expect, type Page } from '@playwright/test';
import { collectConsoleErrors } from './helpers';

/** The engine's supervisor (src/ui/supervisor.ts) seen from the page: a killed worker comes back, state stays. */

type Hooks = { __killForTest(lane: 'interactive' | 'background'): boolean };

async function openLab(page: Page, hash: string, search = '') {
  await page.goto(`/${search}${hash}`);
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
}

/** Starts the (slow) attack the URL describes, if the lab did not start it itself, and waits until it runs. */
async function startRun(page: Page) {
  const lab = page.getByTestId('attack-lab');
  if ((await lab.getAttribute('data-running')) !== 'true') {
    const run = page.getByTestId('attack-run');
    await expect(run).toBeEnabled({ timeout: 60_000 });
    if ((await lab.getAttribute('data-running')) !== 'true') await run.click();
  }
  await expect(lab).toHaveAttribute('data-running', 'true');
}

// PGD stops at the first step that fools the model; at ε = 0.02 mnist-cnn is not fooled, so all 1000 steps run.
const SLOW_PGD = '#panel=attack-lab&model=mnist-cnn&attack=pgd&steps=1000&eps=0.02';

test('killing the interactive worker mid-run: the app says so, keeps the lab’s state, and the next attack works', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await openLab(page, SLOW_PGD);
  await page.getByTestId('gallery-image').nth(2).click();
  await startRun(page);
  // Let the worker get into the attack loop before it dies.
  await expect(page.getByTestId('progress')).toBeVisible({ timeout: 30_000 });

  const lab = page.getByTestId('attack-lab');
  const before = {
    model: await page.getByTestId('model-select').getAttribute('data-value'),
    attack: await page.getByTestId('attack-select').inputValue(),
    epsilon: await page.getByTestId('epsilon-unit').inputValue(),
    image: await page.locator('[data-testid="gallery-image"][aria-pressed="true"]').getAttribute('data-index'),
  };
  expect(before).toEqual({ model: 'mnist-cnn', attack: 'pgd', epsilon: '0.02', image: '2' });
  await expect(page.getByTestId('engine-notice')).toHaveCount(0);

  const killed = await page.evaluate(() => (globalThis as unknown as { __engine: Hooks }).__engine.__killForTest('interactive'));
  expect(killed).toBe(true);

  // The notice in one line; the run ends with the plain message, not a hang.
  await expect(page.getByTestId('engine-notice')).toContainText('restarted', { timeout: 10_000 });
  await expect(page.getByTestId('engine-notice')).toHaveAttribute('data-restarts', '1');
  await expect(lab).toHaveAttribute('data-running', 'false', { timeout: 10_000 });
  await expect(page.getByTestId('lab-error')).toHaveText('The compute engine stopped and was restarted; run it again.');

  const after = {
    model: await page.getByTestId('model-select').getAttribute('data-value'),
    attack: await page.getByTestId('attack-select').inputValue(),
    epsilon: await page.getByTestId('epsilon-unit').inputValue(),
    image: await page.locator('[data-testid="gallery-image"][aria-pressed="true"]').getAttribute('data-index'),
  };
  expect(after).toEqual(before);

  // The next attack runs on the restarted worker (the model reloads there on demand) and gives a verdict.
  await page.getByTestId('attack-select').selectOption('fgsm');
  if ((await lab.getAttribute('data-running')) !== 'true') await page.getByTestId('attack-run').click().catch(() => undefined);
  await expect(page.getByTestId('verdict')).not.toHaveAttribute('data-kind', 'none', { timeout: 60_000 });
  await expect(lab).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  await expect(page.getByTestId('lab-error')).toHaveCount(0);
  await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', '0.02');
  // The engine answers again: memory() goes through the restarted worker.
  const memory = await page.evaluate(() => (globalThis as unknown as { __engine: { memory(): Promise<{ numTensors: number }> } }).__engine.memory());
  expect(memory.numTensors).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});

test('leaving the page during a run asks first', async ({ page }) => {
  await openLab(page, SLOW_PGD);
  // beforeunload is asked only after a user gesture on the page.
  await page.getByTestId('gallery-image').nth(1).click();
  await startRun(page);
  let asked = 0;
  page.on('dialog', (d) => {
    asked += d.type() === 'beforeunload' ? 1 : 0;
    void d.dismiss();
  });
  await page.close({ runBeforeUnload: true }).catch(() => undefined);
  await expect.poll(() => asked, { timeout: 5_000 }).toBe(1);
});

test('leaving the page with no run in progress does not ask', async ({ page }) => {
  await openLab(page, '#panel=attack-lab&model=mnist-cnn&attack=fgsm&eps=0.1');
  await page.getByTestId('gallery-image').nth(1).click();
  await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', '0.1', { timeout: 60_000 });
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  let asked = 0;
  page.on('dialog', (d) => {
    asked += 1;
    void d.dismiss();
  });
  await page.close({ runBeforeUnload: true });
  await new Promise((r) => setTimeout(r, 1000));
  expect(asked).toBe(0);
});

test('cancel on wasm returns quickly (measured click → idle)', async ({ page }) => {
  await openLab(page, SLOW_PGD, '?backend=wasm');
  await page.getByTestId('gallery-image').nth(0).click();
  await startRun(page);
  const cancel = page.getByTestId('cancel');
  await expect(cancel).toBeVisible({ timeout: 30_000 });
  const ms = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const lab = document.querySelector('[data-testid="attack-lab"]')!;
        const button = document.querySelector<HTMLButtonElement>('[data-testid="cancel"]')!;
        const t0 = performance.now();
        const observer = new MutationObserver(() => {
          if (lab.getAttribute('data-running') === 'false') {
            observer.disconnect();
            resolve(performance.now() - t0);
          }
        });
        observer.observe(lab, { attributes: true, attributeFilter: ['data-running'] });
        button.click();
      }),
  );
  console.log(`cancel click → idle on wasm: ${ms.toFixed(0)} ms`);
  expect(ms).toBeLessThan(1000);
  await expect(page.getByTestId('lab-error')).toHaveCount(0);
});
