import { expect, test, type Page } from '@playwright/test';
import { collectConsoleErrors } from './helpers';

/**
 * Tampered address values are reported and replaced the same way in every panel: one warning per bad key, in the
 * page's one warning list, the bad value gone from the address, never "using NaN" — on a fresh load and when the
 * hash changes in an open tab.
 */
const CASES: { panel: string; extra?: string; bad: Record<string, string> }[] = [
  { panel: 'attack-lab', bad: { eps: 'abc', steps: '1e9', model: 'nope' } },
  { panel: 'boundaries', bad: { 'b-eps': 'abc', 'b-n': 'NaN' } },
  { panel: 'boundaries', extra: 'b-view=slice', bad: { 'b-seps': '-1', 'b-left': 'nope' } },
  { panel: 'tradeoff', bad: { temax: 'abc', tn: '1e9' } },
  { panel: 'defenses', bad: { deps: 'Infinity', dn: '-3', dmodel: 'nope' } },
  { panel: 'finetune', bad: { ftEps: 'abc', ftSteps: '1e9', ftModel: 'nope' } },
];

const hashOf = (c: (typeof CASES)[number]) =>
  `panel=${c.panel}${c.extra ? `&${c.extra}` : ''}&${Object.entries(c.bad).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;

async function expectReportedAndReplaced(page: Page, bad: Record<string, string>) {
  const warnings = page.getByTestId('url-warning');
  for (const [k, v] of Object.entries(bad)) await expect(warnings.filter({ hasText: `“${k}=${v}”` })).toHaveCount(1);
  // Replaced in the address too (the panel writes the value it uses, or drops the key).
  await expect.poll(async () => {
    const params = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
    return Object.entries(bad).filter(([k, v]) => params.get(k) === v).map(([k]) => k);
  }).toEqual([]);
  for (const text of await warnings.allInnerTexts()) expect(text).not.toMatch(/using (NaN|undefined|null)\b/);
}

test('every panel reports each tampered value once, replaces it and leaves it out of the address', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  for (const c of CASES) {
    await page.goto('about:blank');
    await page.goto(`/#${hashOf(c)}`);
    await expect(page.locator('#panel')).toBeVisible();
    await expectReportedAndReplaced(page, c.bad);
  }
  expect(errors).toEqual([]);
});

test('a changed hash in an open tab is applied and its problems replace the old ones', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto('/#panel=defenses&deps=abc');
  await expectReportedAndReplaced(page, { deps: 'abc' });
  // The person edits the address of the open tab: another panel, other bad values.
  await page.evaluate(() => (location.hash = 'panel=tradeoff&testep=0&tsteps=2.5'));
  await expect(page.getByTestId('tab-tradeoff')).toHaveAttribute('aria-selected', 'true');
  await expectReportedAndReplaced(page, { testep: '0', tsteps: '2.5' });
  await expect(page.getByTestId('url-warning').filter({ hasText: 'deps=' })).toHaveCount(0);
  // A valid value in a changed hash is used by the open panel.
  await page.evaluate(() => (location.hash = 'panel=tradeoff&temax=0.2&testep=0.1'));
  await expect(page.getByTestId('url-warning')).toHaveCount(0);
  await expect(page.getByTestId('eps-max')).toHaveValue('0.2');
  expect(errors).toEqual([]);
});

test('the trade-off form refuses an ε step of 0 and a too fine grid in words, and keeps them out of the address', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto('/#panel=tradeoff&temax=0.3&testep=0.05');
  const run = page.getByTestId('curves-run');
  await expect(run).toBeEnabled();
  const problem = page.getByTestId('curves-form-problem');
  const hashKey = async (k: string) => new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get(k);
  const step = page.getByTestId('eps-step');
  const type = async (testid: string, v: string) => {
    await page.getByTestId(testid).fill(v);
    await page.getByTestId(testid).press('Tab');
  };
  // The field refuses 0 in words and goes back to the step in use, which still makes a grid.
  await type('eps-step', '0');
  await expect(page.getByTestId('eps-step-problem')).toHaveText(/^ε step must be a number above 0 and at most 1; got “0”\. Still using 0\.05\.$/);
  await expect(step).toHaveValue('0.05');
  await expect(run).toBeEnabled();
  expect(await hashKey('testep')).toBe('0.05');
  // A step the field takes but that makes too many points: the form says which step would do.
  await type('eps-step', '0.001');
  await expect(problem).toContainText('makes 301 points; at most 41');
  await expect(run).toBeDisabled();
  await type('eps-step', '0.1');
  await expect(problem).toHaveCount(0);
  await expect(run).toBeEnabled();
  await expect(page.getByTestId('eps-grid')).toContainText('4 points');
  expect(errors).toEqual([]);
});

test('trade-off number fields show the value in use and the limit in words, as the address and the worker have it', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  // A link with an N above the table's 2 000 is reported and replaced, like the field's refusal below.
  await page.goto('/#panel=tradeoff&temax=0.3&testep=0.05&tn=5000&rsteps=20');
  await expectReportedAndReplaced(page, { tn: '5000' });
  const n = page.getByTestId('curve-n');
  await expect(n).toHaveValue('200');
  await n.fill('10000');
  await n.press('Tab');
  await expect(page.getByTestId('curve-n-problem')).toHaveText(
    /^Test images \(N\) must be a whole number from 10 to 2 000; got “10000”\. The limit is there because the app ships the first 2 000 test images of each data set\. Still using 200\.$/,
  );
  await expect(n).toHaveValue('200');
  await expect(page.getByTestId('curves-run')).toBeEnabled();
  // The report's PGD steps: the same entry as its address key rsteps and the worker's check.
  const steps = page.getByTestId('report-steps');
  await expect(steps).toHaveValue('20', { timeout: 60_000 });
  await steps.fill('1e9');
  await steps.press('Tab');
  await expect(page.getByTestId('report-steps-problem')).toHaveText(/^PGD steps must be a whole number from 1 to 1 000; got “1e9”\. The limit is there because .* Still using 20\.$/);
  await expect(steps).toHaveValue('20');
  await steps.fill('30');
  await steps.press('Tab');
  await expect(page.getByTestId('report-steps-problem')).toHaveCount(0);
  await expect.poll(async () => new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get('rsteps')).toBe('30');
  expect(errors).toEqual([]);
});

test('Attack Lab number fields show the value in use: a refused value is named in words, never clamped or kept', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto('/#panel=attack-lab&model=mnist-cnn&attack=pgd&eps=0.1&steps=20');
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  const steps = page.getByTestId('attack-steps');
  await expect(steps).toHaveValue('20');
  await steps.fill('1e9');
  await steps.press('Tab');
  await expect(page.getByTestId('attack-steps-problem')).toHaveText(/^Steps must be a whole number from 1 to 1 000; got “1e9”\. The limit is there because .* Still using 20\.$/);
  await expect(steps).toHaveValue('20');
  const stepSize = page.getByTestId('attack-step-size');
  await stepSize.fill('0');
  await stepSize.press('Tab');
  await expect(page.getByTestId('attack-step-size-problem')).toContainText('Step size must be a number above 0');
  await expect(stepSize).toHaveValue('');
  // ε: the box and the address agree on the range (the slider's 0–0.5 for L∞).
  const eps = page.getByTestId('epsilon-unit');
  await eps.fill('0.7');
  await eps.press('Tab');
  await expect(page.getByTestId('epsilon-problem')).toContainText('ε (L∞) must be a number from 0 to 0.5; got “0.7”.');
  await expect(eps).toHaveValue('0.1');
  const params = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
  expect([params.get('steps'), params.get('eps'), params.get('alpha')]).toEqual(['20', '0.1', null]);
  // A valid value clears the message and is used.
  await steps.fill('30');
  await steps.press('Tab');
  await expect(page.getByTestId('attack-steps-problem')).toHaveCount(0);
  await expect.poll(async () => new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get('steps')).toBe('30');
  await page.screenshot({ path: 'test-results/screens/lab-field-problems.png' });
  // And the address agrees with the field: 0.7 in a link is reported too.
  await page.evaluate(() => (location.hash = 'panel=attack-lab&model=mnist-cnn&attack=pgd&eps=0.7'));
  await expect(page.getByTestId('url-warning').filter({ hasText: '“eps=0.7”' })).toHaveCount(1);
  expect(errors).toEqual([]);
});

test('no stale display: Undo and Clear in Draw take the old result and transfer view away; a blank upload is refused; FGSM counts one iteration', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto('/#panel=attack-lab&model=mnist-cnn&attack=fgsm&eps=0.1');
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('result-summary')).toBeVisible({ timeout: 60_000 });
  // FGSM is one step: the player and its note agree.
  await expect(page.getByTestId('player-step')).toHaveText(/step 1 of 1/);
  await expect(page.getByTestId('iteration-player')).toContainText('1 iteration.');

  await page.getByTestId('source-draw').click();
  const canvas = page.getByTestId('draw-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  const stroke = async (x: number) => {
    await page.mouse.move(box.x + box.width * x, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let t = 1; t <= 12; t++) await page.mouse.move(box.x + box.width * x, box.y + box.height * (0.15 + t * 0.06));
    await page.mouse.up();
  };
  await stroke(0.5);
  await expect(page.getByTestId('result-summary')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('transfer-source')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('draw-clear').click();
  await expect(page.getByTestId('no-input')).toBeVisible();
  await expect(page.getByTestId('result-summary')).toHaveCount(0);
  await expect(page.getByTestId('transfer-source')).toHaveCount(0);

  // A blank picture: refused in words, nothing attacked.
  const blank = await page.evaluate(async () => {
    const c = new OffscreenCanvas(40, 40);
    const g = c.getContext('2d')!;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, 40, 40);
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
    return Array.from(bytes);
  });
  await page.getByTestId('source-upload').click();
  await page.getByTestId('upload-input').setInputFiles({ name: 'white.png', mimeType: 'image/png', buffer: Buffer.from(blank) });
  await expect(page.getByTestId('upload-error')).toHaveText(/“white\.png” is blank \(one flat colour\).*Nothing was changed\./);
  await expect(page.getByTestId('result-summary')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('toy and defenses number fields show the value in use: 1e9 is refused in words with the limit, the address keeps the value used', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  const param = async (key: string) => new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get(key);

  // Boundaries (toy): the layer width. The field, the address and the worker share one table (numeric.ts TOY_FIELDS).
  await page.goto('/#panel=boundaries&b-width=16');
  await expect(page.getByTestId('toy-architecture')).toContainText('16', { timeout: 60_000 });
  const width = page.getByTestId('toy-width');
  await expect(width).toHaveValue('16');
  await width.fill('1e9');
  await width.press('Tab');
  await expect(page.getByTestId('toy-width-problem')).toHaveText('Layer width must be a whole number from 1 to 128; got “1e9”. Still using 16.');
  await expect(width).toHaveValue('16');
  expect(await param('b-width')).toBe('16');
  await width.fill('24');
  await width.press('Tab');
  await expect(page.getByTestId('toy-width-problem')).toHaveCount(0);
  await expect(page.getByTestId('toy-architecture')).toContainText('24');
  await expect.poll(() => param('b-width')).toBe('24');
  // The address takes what the field takes: 2 000 training points, not 5 000.
  await page.evaluate(() => (location.hash = 'panel=boundaries&b-n=5000'));
  await expect(page.getByTestId('url-warning').filter({ hasText: '“b-n=5000” in the address is not a whole number from 20 to 2 000' })).toHaveCount(1);
  for (const [w, h] of [[1024, 768], [1400, 900]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: `test-results/screens/toy-fields-${w}.png` });
  }

  // Defenses: the number of test images.
  await page.goto('about:blank');
  await page.goto('/#panel=defenses&dn=40');
  const n = page.getByTestId('defense-n');
  await expect(n).toHaveValue('40', { timeout: 60_000 });
  await n.fill('1e9');
  await n.press('Tab');
  await expect(page.getByTestId('defense-n-problem')).toHaveText('Number of test images must be a whole number from 1 to 1 000; got “1e9”. Still using 40.');
  await expect(n).toHaveValue('40');
  expect(await param('dn')).toBe('40');
  const sigma = page.getByTestId('smoothing-sigma');
  await sigma.fill('9');
  await sigma.press('Tab');
  await expect(page.getByTestId('smoothing-sigma-problem')).toContainText('σ (noise level) must be a number from 0.05 to 2; got “9”.');
  for (const [w, h] of [[1024, 768], [1400, 900]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: `test-results/screens/defense-fields-${w}.png` });
  }
  expect(errors).toEqual([]);
});

test('fine-tuning number fields show the value in use: 1e9 steps is refused in words with the limit; the address and the engine share the bounds', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  const param = async (key: string) => new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get(key);
  await page.goto('/#panel=finetune&ftModel=mnist-cnn&ftSteps=200&ftRamp=0.2');
  const steps = page.getByTestId('ft-steps');
  await expect(steps).toHaveValue('200', { timeout: 60_000 });
  await expect(page.getByTestId('ft-start')).toBeEnabled({ timeout: 60_000 });
  await steps.fill('1e9');
  await steps.press('Tab');
  await expect(page.getByTestId('ft-steps-problem')).toHaveText(/^Training steps must be a whole number from 1 to 10 000; got “1e9”\. The limit is there because .*\. Still using 200\.$/);
  await expect(steps).toHaveValue('200');
  expect(await param('ftSteps')).toBe('200');
  // A per-cent field scales the table's fraction: 250 % is refused, 50 % is used (0.5 in the address).
  const ramp = page.getByTestId('ft-ramp');
  await expect(ramp).toHaveValue('20');
  await ramp.fill('250');
  await ramp.press('Tab');
  await expect(page.getByTestId('ft-ramp-problem')).toHaveText('ε ramp (%) must be a number from 0 to 100; got “250”. Still using 20.');
  await ramp.fill('50');
  await ramp.press('Tab');
  await expect.poll(() => param('ftRamp')).toBe('0.5');
  for (const [w, h] of [[1024, 768], [1400, 900]]) {
    await page.setViewportSize({ width: w, height: h });
    await steps.fill('1e9');
    await steps.press('Tab');
    await page.screenshot({ path: `test-results/screens/finetune-fields-${w}.png` });
  }
  // The address takes what the field takes.
  await page.evaluate(() => (location.hash = 'panel=finetune&ftModel=mnist-cnn&ftSteps=20000'));
  await expect(page.getByTestId('url-warning').filter({ hasText: '“ftSteps=20000” in the address is not a whole number from 1 to 10 000' })).toHaveCount(1);
  expect(errors).toEqual([]);
});
