import { test, expect, type Page } from '@playwright/test';
import { collectConsoleErrors, shotPath } from './helpers';

/**
 * Layout that holds on a projector (1024×768) and a laptop (1400×900): checked from element boxes, not by eye.
 * For every panel (and the Attack Lab's upload view): the page does not scroll sideways, no visible text element
 * is wider than its box or reaches past the viewport's right edge, and no two visible text boxes overlap
 * (an element inside another is allowed), nothing runs past the edge of its card; chart text is 12 px or larger. Screenshots at 1024×768 go to docs/screenshots/ with SCREENSHOTS=1.
 */

interface Scene {
  name: string;
  hash: string;
  /** Waits until the panel shows what a teacher would see (a result, a chart), so the check measures a full view. */
  ready: (page: Page) => Promise<void>;
}

const SCENES: Scene[] = [
  {
    name: 'attack-lab',
    hash: '#panel=attack-lab',
    ready: async (page) => {
      await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
      await expect(page.getByTestId('result-summary')).toBeVisible({ timeout: 60_000 });
      await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-running', 'false');
    },
  },
  {
    name: 'attack-lab-upload',
    hash: '#panel=attack-lab&src=upload',
    ready: async (page) => {
      await expect(page.getByTestId('upload-input')).toBeAttached({ timeout: 60_000 });
      // A picture chosen: the name line and the result show up next to the input.
      const png = await page.evaluate(async () => {
        const c = new OffscreenCanvas(64, 64);
        const g = c.getContext('2d')!;
        g.fillStyle = 'white';
        g.fillRect(0, 0, 64, 64);
        g.fillStyle = 'black';
        g.fillRect(28, 8, 10, 48);
        const blob = await c.convertToBlob({ type: 'image/png' });
        const bytes = new Uint8Array(await blob.arrayBuffer());
        return Array.from(bytes);
      });
      await page.getByTestId('upload-input').setInputFiles({
        name: 'a-rather-long-file-name-of-a-photographed-digit.png',
        mimeType: 'image/png',
        buffer: Buffer.from(png),
      });
      await expect(page.getByTestId('result-summary')).toBeVisible({ timeout: 60_000 });
      await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-running', 'false');
    },
  },
  {
    name: 'boundaries-toy',
    hash: '#panel=boundaries&b-view=toy',
    ready: async (page) => {
      await expect(page.getByTestId('toy-plot')).toBeVisible({ timeout: 60_000 });
    },
  },
  {
    name: 'boundaries-slice',
    hash: '#panel=boundaries&b-view=slice',
    ready: async (page) => {
      await expect(page.getByTestId('slice-maps')).toBeVisible({ timeout: 90_000 });
    },
  },
  {
    name: 'tradeoff',
    // Two models, two attacks, a small batch: the curves, the scatter and the radius sections all show.
    hash: '#panel=tradeoff&tmodels=mnist-cnn,mnist-cnn-robust&tattacks=fgsm,pgd&temax=0.3&testep=0.1&tn=20&tsteps=5&trestarts=1',
    ready: async (page) => {
      await page.getByTestId('curves-run').click();
      await expect(page.getByTestId('curve-chart')).toBeVisible({ timeout: 90_000 });
      await expect(page.getByTestId('tradeoff-scatter')).toBeVisible({ timeout: 90_000 });
    },
  },
  {
    name: 'defenses',
    hash: '#panel=defenses',
    ready: async (page) => {
      await expect(page.getByTestId('defense-run')).toBeVisible({ timeout: 60_000 });
    },
  },
  {
    name: 'finetune',
    hash: '#panel=finetune',
    ready: async (page) => {
      await expect(page.getByTestId('ft-status')).toBeVisible({ timeout: 60_000 });
    },
  },
  {
    name: 'lessons',
    hash: '#panel=lessons',
    ready: async (page) => {
      await expect(page.getByTestId('lessons')).toBeVisible({ timeout: 60_000 });
    },
  },
  {
    name: 'engine',
    hash: '#panel=engine',
    ready: async (page) => {
      await page.getByTestId('engine-check-run').click();
      await expect(page.getByTestId('engine-check-verdict')).toHaveAttribute('data-pass', 'true', { timeout: 60_000 });
    },
  },
];

const SIZES = [
  { width: 1024, height: 768 },
  { width: 1400, height: 900 },
];

interface LayoutReport {
  scrollWidth: number;
  viewport: number;
  overflowing: string[];
  overlapping: string[];
  smallChartText: string[];
}

/** Measures the page in the browser: the three rules above, each violation named by its element and text. */
async function measure(page: Page): Promise<LayoutReport> {
  return page.evaluate(() => {
    const viewport = document.documentElement.clientWidth;
    const describe = (el: Element) => {
      const id = el.getAttribute('data-testid') ?? el.id;
      const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
      return `<${el.tagName.toLowerCase()}${id ? ` #${id}` : ''}> “${text}”`;
    };
    const hasOwnText = (el: Element) =>
      Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
    const visible = (el: Element) => {
      if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    };
    // Parts a person cannot see right now: a closed pop-up tooltip is not text on screen.
    const hiddenByDesign = (el: Element) => el.closest('[role="tooltip"], .sr-only, .visually-hidden, option, script, style') !== null;
    const texts = Array.from(document.querySelectorAll('body *')).filter(
      (el) => hasOwnText(el) && !hiddenByDesign(el) && visible(el),
    );

    const overflowing: string[] = [];
    for (const el of texts) {
      const r = el.getBoundingClientRect();
      if (r.right > viewport + 0.5 || r.left < -0.5) overflowing.push(`${describe(el)} reaches past the viewport (${Math.round(r.left)}…${Math.round(r.right)} of ${viewport})`);
      const style = getComputedStyle(el);
      const box = el instanceof HTMLElement && style.display !== 'inline' && !(el instanceof HTMLInputElement);
      if (box && (el as HTMLElement).scrollWidth > (el as HTMLElement).clientWidth + 1)
        overflowing.push(`${describe(el)} is wider than its box (${(el as HTMLElement).scrollWidth} > ${(el as HTMLElement).clientWidth})`);
    }

    // Nothing runs past its card's edge (it would slide under the next card, as a too-wide form once did), unless a
    // box between them clips or scrolls it, or it is a pop-up (a tooltip, a dialog) meant to float over the page.
    for (const card of Array.from(document.querySelectorAll('.card')).filter(visible)) {
      const c = card.getBoundingClientRect();
      for (const el of Array.from(card.querySelectorAll('*'))) {
        if (!visible(el) || hiddenByDesign(el) || el.closest('[role="dialog"]') !== null) continue;
        let clipped = false;
        for (let p = el.parentElement; p && p !== card; p = p.parentElement) {
          if (getComputedStyle(p).overflowX !== 'visible') clipped = true;
        }
        if (clipped) continue;
        const r = el.getBoundingClientRect();
        if (r.right > c.right + 1 || r.left < c.left - 1) {
          overflowing.push(`${describe(el)} runs past its card (${Math.round(r.left)}…${Math.round(r.right)} in ${Math.round(c.left)}…${Math.round(c.right)})`);
        }
      }
    }

    // Text boxes: for HTML the boxes of the element's own text lines (a block's empty width is not text), for SVG
    // text the element's box.
    const boxes = texts.map((el) => {
      if (el instanceof SVGElement) return { el, rects: [el.getBoundingClientRect()] };
      const rects: DOMRect[] = [];
      for (const n of Array.from(el.childNodes)) {
        if (n.nodeType !== Node.TEXT_NODE || (n.textContent ?? '').trim() === '') continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        for (const r of Array.from(range.getClientRects())) if (r.width > 0 && r.height > 0) rects.push(r);
      }
      return { el, rects };
    });
    const overlapping: string[] = [];
    const cut = 1; // px: touching lines or a sub-pixel rounding is not an overlap
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
        const hit = a.rects.some((ra) =>
          b.rects.some(
            (rb) =>
              Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left) > cut &&
              Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top) > cut,
          ),
        );
        if (hit) overlapping.push(`${describe(a.el)} overlaps ${describe(b.el)}`);
      }
    }
    // Chart text is read from the back of a room: 12 px at least (tick labels, legends, titles).
    const smallChartText = texts
      .filter((el) => el instanceof SVGElement && parseFloat(getComputedStyle(el).fontSize) < 12)
      .map((el) => `${describe(el)} at ${getComputedStyle(el).fontSize}`);
    return { scrollWidth: document.documentElement.scrollWidth, viewport, overflowing, overlapping, smallChartText };
  });
}

for (const size of SIZES) {
  test.describe(`layout at ${size.width}×${size.height}`, () => {
    test.use({ viewport: size });
    for (const scene of SCENES) {
      test(`${scene.name}: no sideways scroll, no cut or overlapping text`, async ({ page }) => {
        const errors = collectConsoleErrors(page);
        await page.goto(`/?backend=wasm${scene.hash}`);
        await scene.ready(page);
        // Parts loaded on first show (Lazy.svelte) are in place; then charts follow their container through a
        // ResizeObserver: let them settle before measuring.
        await expect(page.locator('[data-loading-part]')).toHaveCount(0, { timeout: 30_000 });
        await page.waitForTimeout(500);
        const report = await measure(page);
        if (size.width === 1024) await page.screenshot({ path: shotPath(`layout-${scene.name}.png`), fullPage: true });
        expect(report.overflowing, 'text cut or past the right edge').toEqual([]);
        expect(report.overlapping, 'text boxes that overlap').toEqual([]);
        expect(report.smallChartText, 'chart text under 12 px').toEqual([]);
        expect(report.scrollWidth, 'page width').toBeLessThanOrEqual(report.viewport);
        expect(errors).toEqual([]);
      });
    }
  });
}

test('charts reflow when the window narrows', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`/?backend=wasm${SCENES.find((s) => s.name === 'tradeoff')!.hash}`);
  await page.getByTestId('curves-run').click();
  const chart = page.getByTestId('curve-chart');
  await expect(chart).toBeVisible({ timeout: 90_000 });
  const wide = (await chart.boundingBox())!.width;
  await page.setViewportSize({ width: 1024, height: 768 });
  await expect.poll(async () => (await chart.boundingBox())!.width).toBeLessThan(wide - 50);
  const report = await measure(page);
  const wider = await page.evaluate(() =>
    Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
      .filter((el) => !Array.from(el.children).some((c) => c.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5))
      .map((el) => `${el.tagName} ${el.className} ${el.getAttribute('data-testid') ?? ''} ${Math.round(el.getBoundingClientRect().right)}`),
  );
  expect(wider, 'elements past the right edge').toEqual([]);
  expect(report.scrollWidth).toBeLessThanOrEqual(report.viewport);
});
