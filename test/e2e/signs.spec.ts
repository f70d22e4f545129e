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

async function look(page: Page, name: string) {
  for (const [w, h] of [[1024, 768], [1400, 900]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(200);
    await page.screenshot({ path: shotPath(`${name}-${w}.png`), fullPage: true });
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
  expect(after).toBeGreaterThan(1.5 * before);
  expect(await page.getByTestId('image-original').locator('canvas').evaluate((c) => getComputedStyle(c).imageRendering)).toBe('pixelated');
  await page.getByTestId('zoom-1').click();
  await look(page, 'signs-linf');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: shotPath('signs-linf.png'), fullPage: false });
  expect(errors).toEqual([]);
});
