import { test, expect, type Page } from '@playwright/test';
import { loadavg } from 'node:os';
import { collectConsoleErrors } from './helpers';

/**
 * Every long job stops within 200 ms of its Cancel click on wasm (issue #13): an attack, an ε-curve run, a
 * robustness report and a fine-tuning run. Each is measured inside the page, from the click to the DOM showing the
 * job idle again, so the test driver's own latency is not counted. The worker must see the cancel message between
 * two batches or steps (src/lib/util/checkpoint.ts) and the UI must settle at once.
 *
 * Each job is cancelled twice, once early and once later in its run, and both must be in time: a slow phase
 * (a held-out evaluation, an attack of the suite) would show up in one of them. The limit is a wall-clock one: on a
 * machine loaded far past its cores (load average 25–35 on two cores here while other suites ran) single batches
 * took up to 0.8 s, so each log line carries the load average to tell a slow machine from a slow job.
 */
const LIMIT_MS = 200;

/**
 * Clicks the button `button` (a CSS selector) and resolves with the milliseconds until `idle` (a CSS selector)
 * matches an element in the page.
 */
async function timeCancel(page: Page, button: string, idle: string): Promise<number> {
  return page.evaluate(
    ([button, idle]) =>
      new Promise<number>((resolve, reject) => {
        const target = document.querySelector<HTMLButtonElement>(button);
        if (!target) return reject(new Error(`no ${button} to click`));
        if (document.querySelector(idle)) return reject(new Error(`${idle} matched before the click`));
        console.log(`cancelling during: ${document.querySelector('[data-testid="progress"]')?.textContent ?? '(no progress bar)'}`);
        const t0 = performance.now();
        const observer = new MutationObserver(() => {
          if (document.querySelector(idle)) {
            observer.disconnect();
            resolve(performance.now() - t0);
          }
        });
        observer.observe(document.body, { attributes: true, childList: true, subtree: true, characterData: true });
        target.click();
      }),
    [button, idle] as const,
  );
}

// What each job was doing when it was cancelled goes to the log with its time.
test.beforeEach(({ page }) => {
  page.on('console', (m) => {
    if (m.text().startsWith('cancelling during')) console.log(m.text());
  });
});

/** The log line of a job's cancel times, with the machine's 1-minute load average. */
const logTimes = (job: string, times: number[]) =>
  console.log(`${job}: cancel click → idle ${times.map((t) => t.toFixed(0)).join(', ')} ms (load average ${loadavg()[0].toFixed(1)})`);

const progressDone = async (page: Page): Promise<number> => {
  const text = (await page.getByTestId('progress').first().textContent().catch(() => '')) ?? '';
  const m = /(\d+) \/ (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
};

test('an attack stops within 200 ms of Cancel on wasm', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  // At ε = 0.02 mnist-cnn is not fooled, so all 10 × 1000 PGD steps run: long enough to be cancelled even on an idle
  // machine, where the lean single-image path does 1000 steps in about a second.
  await page.goto('/?backend=wasm#panel=attack-lab&model=mnist-cnn&attack=pgd&steps=1000&restarts=10&eps=0.02');
  const lab = page.getByTestId('attack-lab');
  await expect(lab).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  const times: number[] = [];
  for (const [image, waitMs] of [[0, 300], [3, 2500]] as const) {
    await page.getByTestId('gallery-image').nth(image).click();
    if ((await lab.getAttribute('data-running')) !== 'true') await page.getByTestId('attack-run').click();
    await expect(lab).toHaveAttribute('data-running', 'true');
    await expect(page.getByTestId('cancel')).toBeVisible({ timeout: 30_000 });
    await page.waitForTimeout(waitMs);
    times.push(await timeCancel(page, '[data-testid="attack-lab"] [data-testid="cancel"]', '[data-testid="attack-lab"][data-running="false"]'));
    await expect(page.getByTestId('lab-error')).toHaveCount(0);
  }
  logTimes('attack', times);
  for (const t of times) expect(t).toBeLessThan(LIMIT_MS);
  expect(errors).toEqual([]);
});

test('an ε-curve run stops within 200 ms of Cancel on wasm, and draws nothing after', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = collectConsoleErrors(page);
  await page.goto('/?backend=wasm#panel=tradeoff&tmodels=mnist-cnn&tattacks=pgd,apgd-ce&temax=0.3&testep=0.02&tn=200&tsteps=40&trestarts=1');
  await expect(page.getByTestId('curves-run')).toBeEnabled({ timeout: 60_000 });
  const count = async () => Number(await page.getByTestId('curve-count').getAttribute('data-count'));
  const times: number[] = [];
  for (const points of [0, 3]) {
    await page.getByTestId('curves-run').click();
    await expect(page.getByTestId('progress')).toBeVisible();
    if (points > 0) await expect.poll(count, { timeout: 90_000 }).toBeGreaterThan(points);
    else await page.waitForTimeout(1500);
    times.push(await timeCancel(page, '[data-testid="progress"] [data-testid="cancel"]', '[data-testid="curves-cancelled"]'));
    const drawn = await count();
    await page.waitForTimeout(1000);
    expect(await count()).toBe(drawn);
    await expect(page.getByTestId('progress')).toHaveCount(0);
  }
  logTimes('ε-curves', times);
  for (const t of times) expect(t).toBeLessThan(LIMIT_MS);
  expect(errors).toEqual([]);
});

test('a robustness report stops within 200 ms of Cancel on wasm', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = collectConsoleErrors(page);
  await page.goto('/?backend=wasm#panel=tradeoff&tmodels=mnist-cnn&rmodel=mnist-cnn&reps=0.1&rn=200&rsteps=40&rrestarts=2&rapgd=40&rqueries=1000&rnoise=50&rcw=50');
  await expect(page.getByTestId('report-run')).toBeEnabled({ timeout: 60_000 });
  const times: number[] = [];
  for (const waitMs of [1000, 6000]) {
    await page.getByTestId('report-run').click();
    await expect(page.getByTestId('progress')).toBeVisible();
    await page.waitForTimeout(waitMs);
    times.push(await timeCancel(page, '[data-testid="progress"] [data-testid="cancel"]', '[data-testid="report-cancelled"]'));
    await expect(page.getByTestId('report-table')).toHaveCount(0);
  }
  logTimes('report', times);
  for (const t of times) expect(t).toBeLessThan(LIMIT_MS);
  expect(errors).toEqual([]);
});

test('a fine-tuning run stops within 200 ms of Cancel on wasm, during training and during a held-out check', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = collectConsoleErrors(page);
  await page.goto('/?backend=wasm#panel=finetune&ftModel=mnist-cnn&ftMethod=pgd&ftK=5&ftEps=0.1&ftSteps=400&ftEvery=20');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  const times: number[] = [];
  // Early: during the held-out check of the base model (PGD on the held-out batch). Later: while training.
  for (const steps of [0, 5]) {
    await page.getByTestId('ft-start').click();
    await expect(page.getByTestId('ft-status')).toHaveAttribute('data-phase', 'running');
    if (steps > 0) await expect.poll(() => progressDone(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(steps);
    else await expect(page.getByTestId('progress')).toContainText('held-out', { timeout: 60_000 });
    await page.waitForTimeout(300);
    times.push(await timeCancel(page, '[data-testid="ft-cancel"]', '[data-testid="ft-status"][data-phase="idle"]'));
    await expect(page.getByTestId('ft-notice')).toContainText('cancelled');
  }
  logTimes('fine-tuning', times);
  for (const t of times) expect(t).toBeLessThan(LIMIT_MS);
  expect(errors).toEqual([]);
});

test("a fresh model's first held-out check stops within 200 ms of Cancel on wasm", async ({ page }) => {
  test.setTimeout(240_000);
  const errors = collectConsoleErrors(page);
  const times: number[] = [];
  // A new page each time: fresh engine workers, and a freshly cloned model whose kernels have never run — the first
  // pass through them was one uninterruptible piece of 0.8 s under load. Cancelled at once and a little later, both
  // inside the base model's first check of the held-out batch.
  for (const waitMs of [0, 150, 400]) {
    await page.goto('about:blank');
    await page.goto('/?backend=wasm#panel=finetune&ftModel=mnist-cnn&ftMethod=pgd&ftK=5&ftEps=0.1&ftSteps=400&ftEvery=20&ftN=200&ftPgd=10');
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
    await page.getByTestId('ft-start').click();
    await expect(page.getByTestId('progress')).toContainText('held-out', { timeout: 60_000 });
    if (waitMs > 0) await page.waitForTimeout(waitMs);
    times.push(await timeCancel(page, '[data-testid="ft-cancel"]', '[data-testid="ft-status"][data-phase="idle"]'));
    await expect(page.getByTestId('ft-notice')).toContainText('cancelled');
  }
  logTimes('fine-tuning, first held-out check', times);
  for (const t of times) expect(t).toBeLessThan(LIMIT_MS);
  expect(errors).toEqual([]);
});
