import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { collectConsoleErrors, shotPath } from './helpers';

/** Whether the served zoo lists the adversarially trained MNIST model (it trains long and may land late). */
async function hasRobustModel(page: Page): Promise<boolean> {
  const res = await page.request.get('/models/index.json');
  if (!res.ok()) return false;
  const index = (await res.json()) as { models: { id: string }[] };
  return index.models.some((m) => m.id === 'mnist-cnn-robust');
}

async function openLab(page: Page, hash = '') {
  await page.goto(`/${hash}`);
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
}

/** Waits until the shown result is for ε and no run is in flight. */
async function resultAt(page: Page, epsilon: number | RegExp) {
  const lab = page.getByTestId('attack-lab');
  await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', typeof epsilon === 'number' ? String(epsilon) : epsilon, { timeout: 60_000 });
  await expect(lab).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
}

async function setEpsilon(page: Page, value: number) {
  const input = page.getByTestId('epsilon-unit');
  await input.fill(String(value));
  await input.press('Enter');
}

test('PGD at ε = 0.3 fools mnist-cnn with ‖δ‖∞ ≤ 0.3; the robust model resists; export downloads a PNG', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await openLab(page);
  // The Attack Lab is the first tab and opens by default.
  await expect(page.getByRole('tab').first()).toHaveText('Attack Lab');
  await page.getByTestId('model-mnist-cnn').check();
  await page.getByTestId('gallery-image').first().click();
  await page.getByTestId('attack-select').selectOption('pgd');
  await setEpsilon(page, 0.3);
  await resultAt(page, 0.3);

  const label = await page.getByTestId('bars-original').getAttribute('data-top');
  await expect(page.getByTestId('verdict')).toHaveAttribute('data-kind', 'fooled');
  const adversarialTop = await page.getByTestId('bars-adversarial').getAttribute('data-top');
  expect(adversarialTop).not.toBe(label);
  const linf = Number(await page.getByTestId('delta-linf').getAttribute('data-value'));
  expect(linf).toBeGreaterThan(0);
  expect(linf).toBeLessThanOrEqual(0.3 + 1e-6);
  await expect(page.getByTestId('delta-legend')).toContainText('blue −, red +');
  await expect(page.getByTestId('epsilon-value')).toHaveText('0.3 (77/255)');
  // The iterations: a chart per step and a player that steps.
  await expect(page.getByTestId('chart-loss')).toBeVisible();
  await page.getByTestId('player-prev').click();
  await expect(page.getByTestId('player-step')).toContainText('step');
  await page.screenshot({ path: shotPath('attack-lab.png'), fullPage: true });

  const download = page.waitForEvent('download');
  await page.getByTestId('export-adversarial').click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^pgd-mnist-cnn-eps0\.3-adversarial\.png$/);
  const png = readFileSync(await file.path());
  expect(Array.from(png.subarray(1, 4), (c) => String.fromCharCode(c)).join('')).toBe('PNG');
  const json = page.waitForEvent('download');
  await page.getByTestId('export-json').click();
  const run = JSON.parse(readFileSync(await (await json).path(), 'utf8'));
  expect(run.attack.id).toBe('pgd');
  expect(run.attack.epsilon).toBe(0.3);
  expect(run.adversarial.norms.linf).toBeLessThanOrEqual(0.3 + 1e-6);

  if (await hasRobustModel(page)) {
    // The same image and attack against the adversarially trained model.
    await page.getByTestId('model-mnist-cnn-robust').check();
    await expect(page.getByTestId('verdict')).toHaveAttribute('data-kind', 'resisted', { timeout: 60_000 });
    await resultAt(page, 0.3);
    expect(await page.getByTestId('bars-adversarial').getAttribute('data-top')).toBe(label);
    await page.screenshot({ path: shotPath('attack-lab-robust.png'), fullPage: true });
  }
  expect(errors).toEqual([]);
});

test('transfer: the image that fools mnist-cnn does not fool mnist-cnn-robust (needs it)', async ({ page }) => {
  test.skip(!(await hasRobustModel(page)), 'models/index.json does not list mnist-cnn-robust yet (it trains long); the step above covers it once it does');
  await openLab(page, '#panel=attack-lab&model=mnist-cnn&attack=pgd&eps=0.3&img=0');
  await resultAt(page, 0.3);
  await expect(page.getByTestId('verdict')).toHaveAttribute('data-kind', 'fooled');
  // Transfer: the adversarial image crafted on the standard model, shown to the robust one.
  const robust = page.locator('[data-testid="transfer-model"][data-model="mnist-cnn-robust"]');
  await expect(robust).toHaveAttribute('data-fooled', 'false');
  await expect(page.getByTestId('transfer-source')).toHaveAttribute('data-fooled', 'true');
  await robust.scrollIntoViewIfNeeded();
  await page.screenshot({ path: shotPath('attack-lab-transfer.png'), fullPage: true });
});

test('moving the ε slider updates the result without a click, and a newer run wins', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await openLab(page, '#panel=attack-lab&model=mnist-cnn&attack=fgsm&eps=0.05&img=3');
  await resultAt(page, 0.05);
  const slider = page.getByTestId('epsilon-slider');
  await slider.focus();
  for (let i = 0; i < 10; i++) await slider.press('ArrowRight');
  // 0.05 snaps to 13/255 on the slider's grid; ten steps right is 23/255 ≈ 0.0902.
  await resultAt(page, /^0\.0901/);
  await expect(page).toHaveURL(/eps=0\.09/);

  // A long PGD run, then a change: the old run is cancelled and its result never shows.
  await page.getByTestId('attack-select').selectOption('pgd');
  await page.getByTestId('attack-steps').fill('1000');
  await page.getByTestId('attack-steps').press('Tab');
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-running', 'true');
  await setEpsilon(page, 0.02);
  await setEpsilon(page, 0.25);
  await resultAt(page, 0.25);
  await page.waitForTimeout(500);
  await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', '0.25');
  expect(errors).toEqual([]);
});

test('the worker cancels a run when a newer one starts under the same job id', async ({ page }) => {
  await openLab(page, '#panel=attack-lab&model=mnist-cnn&attack=fgsm&eps=0.1');
  const outcome = await page.evaluate(async () => {
    type Api = {
      getTestImages(d: string, r: object): Promise<{ pixels: Uint8Array; labels: Uint8Array }>;
      runAttack(id: string, r: object): Promise<{ results: { epsilon: number }[] }>;
    };
    const engine = (globalThis as unknown as { __engine: Api }).__engine;
    const img = await engine.getTestImages('mnist', { offset: 5, count: 1 });
    const request = (eps: number, steps: number) => ({
      modelId: 'mnist-cnn', attackId: 'pgd', image: Float32Array.from(img.pixels, (v) => v / 255), label: img.labels[0],
      options: { epsilons: [eps], steps, stepSize: 1e-5 },
    });
    // 1 000 steps, the most a lab run may take (LIMITS.steps): long enough to be superseded.
    const old = engine.runAttack('e2e-job', request(0.001, 1000)).then(() => 'finished', (e: Error) => e.message);
    await new Promise((r) => setTimeout(r, 200));
    const newer = await engine.runAttack('e2e-job', request(0.002, 3));
    return { old: await old, newer: newer.results[0].epsilon };
  });
  expect(outcome).toEqual({ old: 'cancelled', newer: 0.002 });
});

test('draw a digit and get a prediction; a non-image upload keeps the state', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await openLab(page, '#panel=attack-lab&model=mnist-cnn&attack=fgsm&eps=0.1');
  await page.getByTestId('source-draw').click();
  await expect(page.getByTestId('no-input')).toBeVisible();
  const canvas = page.getByTestId('draw-canvas');
  // Mouse events go to viewport coordinates: the pad must be on screen, wherever the layout puts it.
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  // A "1": one vertical stroke down the middle.
  await page.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let t = 1; t <= 12; t++) await page.mouse.move(box.x + box.width * (0.52 - t * 0.004), box.y + box.height * (0.15 + t * 0.06));
  await page.mouse.up();
  await expect(page.getByTestId('bars-original')).toHaveAttribute('data-top', '1', { timeout: 30_000 });
  await resultAt(page, 0.1);
  await page.screenshot({ path: shotPath('attack-lab-draw.png'), fullPage: true });
  await page.getByTestId('draw-undo').click();
  await expect(page.getByTestId('no-input')).toBeVisible();

  await page.getByTestId('source-gallery').click();
  await resultAt(page, 0.1);
  await page.getByTestId('source-upload').click();
  // A photo-like picture: a dark "7" on light paper, 120×90, off centre.
  const dataUrl = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 120;
    c.height = 90;
    const g = c.getContext('2d')!;
    g.fillStyle = '#eee';
    g.fillRect(0, 0, 120, 90);
    g.strokeStyle = '#222';
    g.lineWidth = 7;
    g.beginPath();
    g.moveTo(20, 15);
    g.lineTo(62, 15);
    g.lineTo(35, 80);
    g.stroke();
    return c.toDataURL('image/png');
  });
  await page.getByTestId('upload-input').setInputFiles({ name: 'seven.png', mimeType: 'image/png', buffer: Buffer.from(dataUrl.split(',')[1], 'base64') });
  await expect(page.getByTestId('bars-original')).toHaveAttribute('data-top', '7', { timeout: 30_000 });
  await resultAt(page, 0.1);
  await page.getByTestId('upload-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
  await expect(page.getByTestId('upload-error')).toContainText('notes.txt');
  await page.getByTestId('upload-input').setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not really a png') });
  await expect(page.getByTestId('upload-error')).toContainText('could not be read as a picture');
  // The picture in use and its result stay.
  await expect(page.getByTestId('bars-original')).toHaveAttribute('data-top', '7');
  await expect(page.getByTestId('result-summary')).toBeVisible();
  expect(errors).toEqual([]);
});

test('a tampered address warns and falls back; every control is named and works from the keyboard', async ({ page }) => {
  await openLab(page, '#panel=attack-lab&model=nope&eps=abc&attack=fgsm');
  await expect(page.getByTestId('url-warning').first()).toBeVisible();
  await expect(page.getByTestId('url-warning').filter({ hasText: 'model=nope' })).toBeVisible();
  await expect(page.getByTestId('url-warning').filter({ hasText: 'eps=abc' })).toBeVisible();
  await expect(page.getByTestId('model-mnist-cnn')).toBeChecked();
  await resultAt(page, 0.1);

  // Every control in the panel has an accessible name (label, aria-label(ledby) or text).
  const controls = await page.getByTestId('attack-lab').evaluate((root) => {
    const all = Array.from(root.querySelectorAll<HTMLElement>('button, input, select, [role="tab"]'));
    const unnamed = all
      .filter((el) => {
        const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        const labels = (el as HTMLInputElement).labels;
        const text = el.tagName === 'BUTTON' ? el.textContent?.trim() : '';
        return !(labelled || (labels && labels.length > 0) || text);
      })
      .map((el) => el.outerHTML.slice(0, 120));
    return { count: all.length, unnamed };
  });
  expect(controls.count).toBeGreaterThan(30);
  expect(controls.unnamed).toEqual([]);

  // Keyboard only: a gallery image with Enter, the input tabs with the arrow keys.
  const third = page.getByTestId('gallery-image').nth(2);
  await third.focus();
  await page.keyboard.press('Enter');
  await expect(third).toHaveAttribute('aria-pressed', 'true');
  await expect(page).toHaveURL(/img=2/);
  await page.getByTestId('source-gallery').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('source-draw')).toBeFocused();
  await expect(page.getByTestId('source-draw')).toHaveAttribute('aria-selected', 'true');
});
