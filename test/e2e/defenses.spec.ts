import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { collectConsoleErrors, shotPath } from './helpers';

/**
 * The Defenses panel end to end on the shipped zoo: JPEG's naive vs BPDA curves on the same images (the naive one
 * far above), the gap named in words, and randomized smoothing's certified-vs-empirical chart (certified never
 * above empirical). Small budgets (10 images, PGD-10; 3 images, N = 200) keep it to about a minute on wasm.
 */
function zooIds(): string[] {
  const file = process.env.E2E_OUT_DIR ? `${process.env.E2E_OUT_DIR}/models/index.json` : 'models/index.json';
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { models: { id: string }[] }).models.map((m) => m.id);
  } catch {
    return [];
  }
}
const ZOO = zooIds();

async function pointsOf(page: Page, chart: number) {
  return page
    .getByTestId('curve-chart')
    .nth(chart)
    .locator('[data-testid="curve-point"]')
    .evaluateAll((els) => els.map((el) => ({ attack: el.getAttribute('data-attack') ?? '', epsilon: Number(el.getAttribute('data-epsilon')), accuracy: Number(el.getAttribute('data-accuracy')) })));
}

const SIZES = [
  [1024, 768],
  [1400, 900],
] as const;

/** Elements whose content is clipped or that spill past the window's right edge (text cut off, a form wider than its card). */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.getAttribute('class') ?? ''} “${(el.textContent ?? '').trim().slice(0, 40)}”`;
    for (const el of document.body.querySelectorAll<HTMLElement>('*')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > window.innerWidth + 1) out.push(`${name(el)} ends at ${Math.round(r.right)}`);
      const style = getComputedStyle(el);
      // Visually hidden text (1 px boxes for screen readers) is clipped on purpose.
      if (el.clientWidth > 1 && ['hidden', 'clip'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1 && !['SELECT', 'INPUT'].includes(el.tagName)) out.push(`${name(el)} clips ${el.scrollWidth - el.clientWidth} px`);
    }
    return out;
  });
}

/** Resizes the window and waits for the charts to follow their containers (ResizeObserver). */
async function resize(page: Page, width: number, height: number): Promise<void> {
  await page.setViewportSize({ width, height });
  await page.waitForTimeout(400);
}

test.describe('Defenses panel', () => {
  test.skip(!ZOO.includes('mnist-cnn'), 'mnist-cnn is not in models/index.json yet');

  test('JPEG: naive vs BPDA side by side with the gap in words; smoothing: certified vs empirical', async ({ page }) => {
    test.setTimeout(240_000);
    const errors = collectConsoleErrors(page);
    await page.goto('/#panel=defenses');
    await expect(page.getByTestId('defense-select')).toHaveValue('jpeg');
    await expect(page.getByTestId('defense-explainer').first()).toContainText('gradient masking');
    await page.getByTestId('defense-n').fill('10');
    await page.getByTestId('defense-run').click();
    // The run belongs to the app, not the tab: leave while it runs, come back to it finished and shown.
    await expect(page.getByTestId('progress')).toBeVisible();
    await page.getByTestId('tab-attack-lab').click();
    await expect(page.getByTestId('defense-run')).toHaveCount(0);
    await expect(page.getByTestId('background-job')).toHaveAttribute('data-panel', 'defenses');
    // It finishes while the panel is not mounted…
    await expect(page.getByTestId('background-jobs')).toHaveCount(0, { timeout: 180_000 });
    await page.getByTestId('tab-defenses').click();
    await expect(page.getByTestId('defense-n')).toHaveValue('10');
    // …and is shown on return, not restarted.
    await expect(page.getByTestId('defense-gap')).toContainText('points more robust accuracy', { timeout: 5_000 });
    await expect(page.getByTestId('progress')).toHaveCount(0);
    const pts = await pointsOf(page, 0);
    const at = (attack: string) => pts.find((p) => p.attack === attack && Math.abs(p.epsilon - 0.3) < 1e-9)!.accuracy;
    expect(at('naive') - at('adaptive')).toBeGreaterThanOrEqual(0.5);
    expect(pts.filter((p) => p.attack === 'undefended')).toHaveLength(5);

    const model = ZOO.includes('mnist-cnn-noise-0.25') ? 'mnist-cnn-noise-0.25' : 'mnist-cnn';
    await page.getByTestId('smoothing-model').selectOption(model);
    await page.getByTestId('smoothing-n').fill('3');
    await page.getByTestId('smoothing-draws').fill('200');
    await page.getByTestId('smoothing-run').click();
    await expect(page.getByTestId('smoothing-summary')).toContainText('abstained', { timeout: 180_000 });
    const s = await pointsOf(page, 1);
    for (const c of s.filter((p) => p.attack === 'certified')) {
      const e = s.find((p) => p.attack === 'empirical' && p.epsilon === c.epsilon)!;
      expect(c.accuracy).toBeLessThanOrEqual(e.accuracy);
    }
    await page.screenshot({ path: shotPath('defenses.png'), fullPage: true });
    for (const [w, h] of SIZES) {
      await resize(page, w, h);
      await page.screenshot({ path: shotPath(`defenses-${w}.png`), fullPage: true });
      expect(await overflowing(page)).toEqual([]);
    }
    expect(errors).toEqual([]);
  });

  test('ε trade-off and report with a defense: JPEG naive curves stay high, BPDA ones fall; the report flags the naive one', async ({ page }) => {
    test.setTimeout(240_000);
    const errors = collectConsoleErrors(page);
    const curves = 'tmodels=mnist-cnn&tattacks=pgd&temax=0.3&testep=0.15&tn=10&tsteps=10';
    const report = 'rmodel=mnist-cnn&rsur=mnist-cnn&reps=0.3&rn=10&rsteps=5&rapgd=5&rqueries=100&rnoise=5&rcw=5';
    await page.goto(`/#panel=tradeoff&${curves}&tdef=jpeg&tdgrad=naive&${report}&rdef=jpeg&rdgrad=naive`);
    await expect(page.getByTestId('curve-defense')).toHaveValue('jpeg');
    await expect(page.getByTestId('report-defense-gradient')).toHaveValue('naive');
    const at03 = async () => (await pointsOf(page, 0)).find((p) => Math.abs(p.epsilon - 0.3) < 1e-9)?.accuracy;
    await page.getByTestId('curves-run').click();
    await expect(page.getByTestId('curve-count')).toContainText('3 / 3 points ·', { timeout: 120_000 });
    await expect(page.getByTestId('curve-defended')).toContainText('JPEG compression, quality 75, naive gradient');
    const naive = (await at03())!;
    await page.getByTestId('curve-defense-gradient').selectOption('bpda');
    expect(page.url()).toContain('tdgrad=bpda');
    await page.getByTestId('curves-run').click();
    await expect(page.getByTestId('curve-defended')).toContainText('BPDA', { timeout: 120_000 });
    await expect(page.getByTestId('curve-count')).toContainText('3 / 3 points ·', { timeout: 120_000 });
    const bpda = (await at03())!;
    expect(naive - bpda).toBeGreaterThanOrEqual(0.5);

    await page.getByTestId('report-run').click();
    await expect(page.getByTestId('report-defended')).toContainText('JPEG compression', { timeout: 180_000 });
    await expect(page.locator('[data-testid="sanity-flag"][data-flag="black-box-beats-white-box"]')).toBeVisible();
    for (const [w, h] of SIZES) {
      await resize(page, w, h);
      await page.screenshot({ path: shotPath(`tradeoff-defense-${w}.png`), fullPage: true });
      expect(await overflowing(page)).toEqual([]);
    }
    expect(errors).toEqual([]);
  });

  test('Attack Lab: a JPEG-defended model resists the naive PGD and falls to BPDA', async ({ page }) => {
    test.setTimeout(180_000);
    const errors = collectConsoleErrors(page);
    await page.goto('/#panel=attack-lab&model=mnist-cnn&attack=pgd&eps=0.3&steps=20&def=jpeg&dgrad=naive');
    await expect(page.getByTestId('lab-defense')).toHaveValue('jpeg');
    await page.getByTestId('gallery-image').first().click();
    await page.getByTestId('attack-run').click();
    await expect(page.getByTestId('verdict')).toHaveAttribute('data-kind', 'resisted', { timeout: 120_000 });
    await page.getByTestId('lab-defense-gradient').selectOption('bpda');
    await expect(page.getByTestId('verdict')).toHaveAttribute('data-kind', 'fooled', { timeout: 120_000 });
    expect(page.url()).toContain('dgrad=bpda');
    await page.screenshot({ path: shotPath('attack-lab-defense.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  test('toy plane: the selected point’s certified L2 disc (σ and draws shown) next to its ε-ball', async ({ page }) => {
    test.skip(!ZOO.includes('toy-blobs-mlp'), 'toy-blobs-mlp is not in models/index.json yet');
    const errors = collectConsoleErrors(page);
    await page.goto('/#panel=boundaries&b-view=toy&b-cert=1&b-csigma=0.2&b-cdraws=1000');
    await expect(page.getByTestId('toy-robust-accuracy')).toHaveAttribute('data-value', /\d/, { timeout: 120_000 });
    await page.getByTestId('toy-source').selectOption('toy-blobs-mlp');
    await expect(page.getByTestId('toy-robust-accuracy')).toHaveAttribute('data-model', 'toy-blobs-mlp', { timeout: 60_000 });
    await expect(page.getByTestId('toy-certify')).toBeChecked();
    const caption = page.getByTestId('toy-cert-caption');
    await expect(caption).toContainText('σ = 0.2 with n0 = 100 + N = 1000 draws', { timeout: 30_000 });
    await expect(caption).toContainText('certified within L2 radius');
    const radius = Number(await page.getByTestId('toy-cert-disc').getAttribute('data-radius'));
    // With N = 1000 and α = 0.001 no radius beyond σ·Φ⁻¹(α^(1/N)) ≈ 2.46 σ can be certified.
    expect(radius).toBeGreaterThan(0);
    expect(radius).toBeLessThan(2.47 * 0.2);
    // More noise, wider disc (far from the boundary the radius grows with σ up to that ceiling).
    // σ is a number field: a value is used once it is committed (Tab or Enter), as in every other number field.
    await page.getByTestId('toy-cert-sigma').fill('0.05');
    await page.getByTestId('toy-cert-sigma').press('Tab');
    await expect(caption).toContainText('σ = 0.05 with', { timeout: 30_000 });
    expect(page.url()).toContain('b-csigma=0.05');
    await page.getByTestId('toy-cert-sigma').fill('0.2');
    await page.getByTestId('toy-cert-sigma').press('Tab');
    await expect(caption).toContainText('σ = 0.2 with', { timeout: 30_000 });
    for (const [w, h] of SIZES) {
      await resize(page, w, h);
      await page.screenshot({ path: shotPath(`toy-certified-disc-${w}.png`), fullPage: true });
      expect(await overflowing(page)).toEqual([]);
    }
    // Switched off from the keyboard (a mouse click on it did not toggle it here after the resize; see the note).
    await page.getByTestId('toy-certify').focus();
    await page.keyboard.press('Space');
    await expect(page.getByTestId('toy-certify')).not.toBeChecked();
    await expect(page.getByTestId('toy-cert-disc')).toHaveCount(0);
    expect(errors).toEqual([]);
  });
});
