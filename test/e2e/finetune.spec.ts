import { test, expect, type Page } from '@playwright/test';
import { collectConsoleErrors, shotPath } from './helpers';

/** The panel's numbers live in data-value attributes (fractions), so the test reads them exactly. */
async function fraction(page: Page, testid: string, attr = 'data-value'): Promise<number> {
  const v = await page.getByTestId(testid).getAttribute(attr);
  return Number(v);
}

async function stepsDone(page: Page): Promise<number> {
  const text = (await page.getByTestId('progress').textContent()) ?? '';
  const m = /(\d+) \/ (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

// A short run: 150 FGSM-RS steps at ε = 0.1 (the other settings are the panel's defaults), held-out check every 25.
const RUN = '/?backend=wasm#panel=finetune&ftModel=mnist-cnn&ftMethod=fgsm-rs&ftEps=0.1&ftSteps=150&ftEvery=25';

test('fine-tuning mnist-cnn with FGSM-RS raises held-out robust accuracy by ≥ 30 points; pause, resume, list, keep, delete', async ({ page }) => {
  test.setTimeout(420_000);
  const errors = collectConsoleErrors(page);
  await page.goto(RUN);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(page.getByTestId('ft-model')).toHaveValue('mnist-cnn');
  await page.getByTestId('ft-start').click();

  // The base model is measured first: clean accuracy high, PGD accuracy at ε = 0.1 low.
  await expect(page.getByTestId('ft-robust')).not.toHaveAttribute('data-before', '', { timeout: 120_000 });
  const before = await fraction(page, 'ft-robust', 'data-before');
  await expect(page.getByTestId('ft-clean')).toContainText('%');

  // Pause after some training: the snapshot joins the model list and no step runs while paused.
  await expect.poll(() => stepsDone(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(30);
  await page.getByTestId('ft-pause').click();
  await expect(page.getByTestId('ft-snapshot')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('ft-status')).toHaveAttribute('data-phase', 'paused');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shotPath('finetune-paused.png') });
  const pausedAt = await stepsDone(page);
  await page.waitForTimeout(1500);
  expect(await stepsDone(page)).toBe(pausedAt);
  await expect(page.getByTestId('ft-saved-row')).toHaveCount(1);
  // While paused, the snapshot can be attacked in the Attack Lab; coming back, the run is still there to resume.
  const snapshotId = (await page.getByTestId('ft-saved-row').getAttribute('data-model-id')) ?? '';
  await page.getByTestId('tab-attack-lab').click();
  await expect(page.getByTestId('model-select').locator(`[value="${snapshotId}"]`)).toHaveCount(1, { timeout: 60_000 });
  await page.getByTestId('tab-finetune').click();
  await expect(page.getByTestId('ft-status')).toHaveAttribute('data-phase', 'paused');
  expect(await stepsDone(page)).toBe(pausedAt);
  await page.getByTestId('ft-resume').click();
  await expect.poll(() => stepsDone(page), { timeout: 60_000 }).toBeGreaterThan(pausedAt);

  // The run finishes; the kept model's robust accuracy (best held-out PGD accuracy) is ≥ 30 points above the base.
  await expect(page.getByTestId('ft-result')).toBeVisible({ timeout: 300_000 });
  const after = await fraction(page, 'ft-final-robust');
  console.log(`held-out PGD-10 accuracy at ε = 0.1: ${(100 * before).toFixed(1)} % → ${(100 * after).toFixed(1)} %`);
  expect(after - before).toBeGreaterThanOrEqual(0.3);
  await expect(page.getByTestId('ft-curve')).toBeVisible({ timeout: 180_000 });
  const row = page.getByTestId('ft-saved-row').first();
  const modelId = (await row.getAttribute('data-model-id')) ?? '';
  expect(modelId).toMatch(/^mnist-cnn-ft-/);
  // The paused snapshot was replaced by the finished model (same id).
  await expect(page.getByTestId('ft-saved-row')).toHaveCount(1);
  await page.screenshot({ path: shotPath('finetune.png'), fullPage: true });

  // Download: three files in the zoo's format; the card carries the recipe and the measured figures.
  const downloads: { name: string; text: string }[] = [];
  page.on('download', async (d) => {
    const stream = await d.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    downloads.push({ name: d.suggestedFilename(), text: Buffer.concat(chunks).toString('latin1') });
  });
  await page.getByTestId('ft-download').click();
  await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(3);
  expect(downloads.map((d) => d.name).sort()).toEqual(['card.json', 'model.json', 'weights.bin']);
  const modelJson = JSON.parse(downloads.find((d) => d.name === 'model.json')!.text);
  expect(modelJson.format).toBe('layers-model');
  expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
  const card = JSON.parse(downloads.find((d) => d.name === 'card.json')!.text);
  expect(card.id).toBe(modelId);
  expect(card.recipe).toMatchObject({ method: 'fgsm-rs', epsilon: 0.1, steps: 150 });
  expect(card.figures.after.robust).toBeCloseTo(after, 6);
  expect(card.curve.epsilons[0]).toBe(0);

  // The new model is offered by the Attack Lab and by the trade-off chart.
  await page.getByTestId('tab-attack-lab').click();
  await expect(page.getByTestId('model-select').locator(`[value="${modelId}"]`)).toHaveCount(1, { timeout: 60_000 });
  await page.getByTestId('tab-tradeoff').click();
  await expect(page.getByTestId(`model-${modelId}`)).toBeVisible({ timeout: 60_000 });

  // A reload keeps it (IndexedDB); delete removes it from the list and from every model list.
  await page.goto(RUN);
  await page.reload();
  await expect(page.getByTestId('ft-saved-row')).toHaveCount(1, { timeout: 60_000 });
  await expect(page.getByTestId('ft-model').locator(`option[value="${modelId}"]`)).toHaveCount(1);
  await page.getByTestId('ft-delete').click();
  await page.getByTestId('ft-delete-confirm').click();
  await expect(page.getByTestId('ft-saved-row')).toHaveCount(0);
  await expect(page.getByTestId('ft-model').locator(`option[value="${modelId}"]`)).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('cancel stops a run, keeps nothing and leaves no tensors behind', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = collectConsoleErrors(page);
  await page.goto(RUN);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  const memory = () => page.evaluate(() => (globalThis as unknown as { __engine: { memory(): Promise<{ numTensors: number }> } }).__engine.memory());
  const startAndCancel = async () => {
    await page.getByTestId('ft-start').click();
    await expect.poll(() => stepsDone(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(5);
    await page.getByTestId('ft-cancel').click();
    await expect(page.getByTestId('ft-notice')).toContainText('cancelled');
    await expect(page.getByTestId('ft-status')).toHaveAttribute('data-phase', 'idle');
    await expect(page.getByTestId('ft-start')).toBeEnabled();
    await expect(page.getByTestId('ft-saved-row')).toHaveCount(0);
  };
  // The first run loads the base model and the data; a second run must leave exactly as many tensors behind.
  await startAndCancel();
  const before = (await memory()).numTensors;
  await startAndCancel();
  expect((await memory()).numTensors).toBe(before);
  expect(errors).toEqual([]);
});

test('FGSM-RS at ε = 0.3 warns of catastrophic overfitting and says what it means', async ({ page }) => {
  test.setTimeout(360_000);
  const errors = collectConsoleErrors(page);
  // Measured in Node with the same seeds: PGD-10 accuracy stays near 0 while FGSM accuracy climbs past 40 % by step 125.
  await page.goto('/?backend=wasm#panel=finetune&ftModel=mnist-cnn&ftMethod=fgsm-rs&ftEps=0.3&ftSteps=200&ftEvery=25');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await page.getByTestId('ft-start').click();
  const warning = page.getByTestId('ft-warning-catastrophic');
  await expect(warning).toBeVisible({ timeout: 300_000 });
  await expect(warning).toContainText('FGSM');
  await expect(warning).toContainText('not to be robust');
  const robust = await fraction(page, 'ft-robust');
  const fgsm = await fraction(page, 'ft-fgsm');
  expect(fgsm - robust).toBeGreaterThanOrEqual(0.4);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shotPath('finetune-warning.png') });
  await page.getByTestId('ft-cancel').click();
  await expect(page.getByTestId('ft-status')).toHaveAttribute('data-phase', 'idle');
  expect(errors).toEqual([]);
});
