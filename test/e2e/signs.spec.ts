import path from 'node:path';
import { test, expect, type Locator, type Page } from '@playwright/test';
import { collectConsoleErrors, shotPath } from './helpers';

/**
 * The colour signs in the Attack Lab: the gallery, an L∞ attack drawn in colour, and the sticker mode with its
 * world test. Colour is checked on the canvases themselves: some pixel must have channels that differ clearly.
 */

async function openSigns(page: Page, hash = '') {
  await page.goto(`/#model=signs-cnn${hash}`);
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
}

/** The share of a canvas's pixels whose channels differ by more than 40 of 255 (0 for any grey picture). */
async function colourShare(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d');
    if (!ctx || c.width === 0) return 0;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
    }
    return coloured / (d.length / 4);
  });
}

/** Full-page pictures at a small and a large laptop size, for a person to judge (never committed). */
async function look(page: Page, name: string) {
  for (const [w, h] of [[1024, 768], [1400, 900]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(200);
    await page.screenshot({ path: path.join('test-results/screens', `${name}-${w}.png`), fullPage: true });
  }
}

test('the signs gallery shows colour images at 32×32; drawing is not offered for a colour model', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await openSigns(page);
  await expect(page.getByTestId('model-select')).toHaveAttribute('data-value', 'signs-cnn');
  const thumbs = page.getByTestId('gallery-image');
  await expect(thumbs).toHaveCount(18);
  const first = thumbs.first().locator('canvas');
  await expect(first).toHaveJSProperty('width', 32);
  // Signs are red, blue, yellow: most thumbnails hold plenty of coloured pixels.
  const shares = await Promise.all([0, 1, 2, 3, 4, 5].map((k) => colourShare(thumbs.nth(k).locator('canvas'))));
  expect(shares.filter((s) => s > 0.05).length).toBeGreaterThanOrEqual(4);
  await expect(page.getByTestId('source-draw')).toHaveCount(0);
  // The MNIST model offers it again.
  await page.getByTestId('model-mnist-cnn').check();
  await expect(page.getByTestId('source-draw')).toBeVisible();
  await page.getByTestId('model-signs-cnn').check();
  await expect(page.getByTestId('source-draw')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('PGD in colour on signs-cnn at 8/255: original, δ and adversarial in colour, per-channel maps on request', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await openSigns(page, '&attack=pgd');
  // The colour default budget: 8/255 in L∞.
  await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', /^0\.0313/, { timeout: 60_000 });
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  const linf = Number(await page.getByTestId('delta-linf').getAttribute('data-value'));
  expect(linf).toBeGreaterThan(0);
  expect(linf).toBeLessThanOrEqual(8 / 255 + 1e-6);
  for (const id of ['image-original', 'image-delta', 'image-adversarial']) {
    const canvas = page.getByTestId(id).locator('canvas');
    await expect(canvas).toHaveJSProperty('width', 32);
    expect(await colourShare(canvas), id).toBeGreaterThan(0.05);
  }
  await expect(page.getByTestId('delta-legend-rgb')).toContainText('grey is no change');
  await expect(page.getByTestId('delta-legend')).toHaveCount(0);
  await page.getByTestId('delta-per-channel').check();
  await expect(page.getByTestId('delta-channels').locator('canvas')).toHaveCount(3);
  await expect(page.getByTestId('delta-legend')).toContainText('blue −, red +');
  // Zoom: the canvas is drawn larger, pixels stay crisp.
  const before = (await page.getByTestId('image-original').locator('canvas').boundingBox())!.width;
  await page.getByTestId('zoom-2').click();
  const after = (await page.getByTestId('image-original').locator('canvas').boundingBox())!.width;
  // 2× is really 2×: the pictures wrap onto more rows of the result area instead of shrinking to the column.
  expect(after).toBeCloseTo(2 * before, 0);
  // At both laptop sizes: still 2×, and the page never scrolls sideways (a column narrower than a picture scrolls
  // inside the triptych's own box).
  for (const [w, h] of [[1024, 768], [1400, 900]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(200);
    expect((await page.getByTestId('image-adversarial').locator('canvas').boundingBox())!.width, `at ${w} px`).toBeCloseTo(2 * before, 0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `at ${w} px`).toBe(true);
    await page.screenshot({ path: path.join('test-results/screens', `signs-zoom-2-${w}.png`), fullPage: true });
  }
  expect(await page.getByTestId('image-original').locator('canvas').evaluate((c) => getComputedStyle(c).imageRendering)).toBe('pixelated');
  await page.getByTestId('zoom-1').click();
  await look(page, 'signs-linf');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: shotPath('signs-linf.png'), fullPage: false });
  expect(errors).toEqual([]);
});

test('stickers on a stop sign: default placement, moved by keyboard and pointer, attack, then the world test', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = collectConsoleErrors(page);
  await openSigns(page, '&attack=pgd&img=0');
  await expect(page.getByTestId('bars-original')).toBeVisible();
  // Test image 0 is a stop sign; choosing the sticker attack aims it at "Speed limit 50".
  await page.getByTestId('attack-select').selectOption('sticker');
  const target = page.getByTestId('attack-target');
  await expect(target).toHaveValue('3');
  await expect(target.locator('option:checked')).toHaveText('Speed limit 50');
  const rects = page.getByTestId('sticker-rect');
  await expect(rects).toHaveCount(2);
  const size = page.getByTestId('sticker-size');
  expect(Number(await size.getAttribute('data-fraction'))).toBeLessThanOrEqual(0.1);
  expect(Number(await size.getAttribute('data-pixels'))).toBeGreaterThan(0);
  // ε (L0) follows the stickers: pixels × 3 values, shown in place of the ε control.
  await expect(page.getByTestId('epsilon-fixed')).toContainText(`${Number(await size.getAttribute('data-pixels')) * 3} values`);

  // Keyboard: right moves one pixel, Shift+Down grows one row.
  const first = rects.first();
  const x0 = Number(await first.getAttribute('data-x'));
  const h0 = Number(await first.getAttribute('data-h'));
  await first.focus();
  await page.keyboard.press('ArrowRight');
  await expect(first).toHaveAttribute('data-x', String(x0 + 1));
  await page.keyboard.press('Shift+ArrowDown');
  await expect(first).toHaveAttribute('data-h', String(h0 + 1));
  await page.keyboard.press('Shift+ArrowUp');
  // Pointer: drag it two image pixels left (256 px for 32 pixels: 8 px each).
  await page.getByTestId('sticker-editor').scrollIntoViewIfNeeded();
  const box = (await first.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 8, box.y + box.height / 2, { steps: 3 });
  await page.mouse.move(box.x + box.width / 2 - 16, box.y + box.height / 2, { steps: 3 });
  await page.mouse.up();
  await expect(first).toHaveAttribute('data-x', String(x0 - 1));

  // Placed by saliency: two stickers on the face, within the 10 % budget, somewhere else than the dragged one.
  const placed = async () => JSON.stringify(await rects.evaluateAll((els) => els.map((e) => ['x', 'y', 'w', 'h'].map((k) => e.getAttribute(`data-${k}`)))));
  const dragged = await placed();
  await page.getByTestId('sticker-salient').click();
  await expect.poll(placed, { timeout: 30_000 }).not.toBe(dragged);
  await expect(page.getByTestId('sticker-salient')).toBeEnabled();
  await expect(rects).toHaveCount(2);
  expect(Number(await size.getAttribute('data-fraction'))).toBeLessThanOrEqual(0.1);
  expect(Number(await size.getAttribute('data-pixels'))).toBeGreaterThan(10);

  await page.getByTestId('attack-run').click();
  await expect(page.getByTestId('result-summary')).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-running', 'false', { timeout: 180_000 });
  // The attack painted only inside the stickers: ‖δ‖₀ (values) ≤ pixels × 3.
  const pixels = Number(await size.getAttribute('data-pixels'));
  expect(Number(await page.getByTestId('delta-l0').getAttribute('data-value'))).toBeLessThanOrEqual(pixels * 3);

  await page.getByTestId('world-views').fill('60');
  await page.getByTestId('world-run').click();
  for (const id of ['world-stickers', 'world-linf']) {
    const row = page.getByTestId(id);
    await expect(row).toBeVisible({ timeout: 120_000 });
    const rate = Number(await row.getAttribute('data-rate'));
    expect(rate, id).toBeGreaterThanOrEqual(0);
    expect(rate, id).toBeLessThanOrEqual(1);
    await expect(row.locator('.view')).toHaveCount(60);
  }
  await page.getByTestId('sticker-panel').scrollIntoViewIfNeeded();
  await look(page, 'signs-stickers');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByTestId('sticker-panel').screenshot({ path: shotPath('signs-stickers.png') });
  expect(errors).toEqual([]);
});
