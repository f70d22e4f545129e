/**
 * The privacy and security properties of the built app:
 *  - it requests nothing outside its own origin (every request of the page and its worker is logged and checked,
 *    while each panel is opened and its main action run, an upload included), and sends nothing but GETs;
 *  - its Content-Security-Policy (the <meta> tag and the preview server's header) blocks an injected inline script
 *    and eval, and normal use causes no CSP violation.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { contentSecurityPolicy } from '../../src/lib/security/csp';
import { collectConsoleErrors } from './helpers';

interface Logged {
  method: string;
  url: string;
}

/** Logs every request of the context (page and workers); anything for another origin is aborted and kept. */
async function logRequests(context: BrowserContext, origin: string): Promise<{ all: Logged[]; foreign: Logged[] }> {
  const all: Logged[] = [];
  const foreign: Logged[] = [];
  await context.route('**/*', (route) => {
    const r = route.request();
    const entry = { method: r.method(), url: r.url() };
    all.push(entry);
    const u = new URL(r.url());
    // data: and blob: URLs never reach the network; they are not routed, but be explicit.
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.origin === origin) return route.continue();
    foreign.push(entry);
    return route.abort('blockedbyclient');
  });
  return { all, foreign };
}

/** Records securitypolicyviolation events in the page (the init script is Playwright's, so the CSP does not apply). */
async function recordViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

/** A fresh load of a panel: going from one hash to another in an open tab does not reload the app. */
async function openFresh(page: Page, url: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(url);
}

const violations = (page: Page) => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

/** Console lines about CSP, from the page or its worker. */
function cspConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) lines.push(m.text());
  });
  return lines;
}

test('the built page carries the CSP as a meta tag and the preview server sends it as a header', async ({ page, baseURL }) => {
  const res = await page.request.get(`${baseURL}/`);
  expect(res.headers()['content-security-policy']).toBe(contentSecurityPolicy('build'));
  const html = await res.text();
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
  expect(meta?.[1].replaceAll('&#39;', "'")).toBe(contentSecurityPolicy('build'));
  // The meta tag comes before any script, or the scripts before it would run unchecked.
  expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'));
  // No inline script or style in the page itself.
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(html).not.toMatch(/<style|\sstyle="/);
  for (const forbidden of ["'unsafe-eval'", "'unsafe-inline'", 'http:', 'https:', '*']) expect(contentSecurityPolicy('build')).not.toContain(forbidden);
});

test('nothing leaves the origin while every panel runs its main action; an upload stays in the page', async ({ page, context, baseURL }) => {
  test.setTimeout(300_000);
  const origin = new URL(baseURL!).origin;
  const log = await logRequests(context, origin);
  await recordViolations(page);
  const csp = cspConsole(page);
  const errors = collectConsoleErrors(page);

  // Attack Lab: an attack on a gallery image, then on an uploaded picture.
  await page.goto('/?backend=wasm#panel=attack-lab&model=mnist-cnn&attack=pgd&eps=0.1');
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await page.getByTestId('gallery-image').first().click();
  await expect(page.getByTestId('result-summary')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('source-upload').click();
  const png = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = c.height = 28;
    const g = c.getContext('2d')!;
    g.fillStyle = '#000';
    g.fillRect(0, 0, 28, 28);
    g.fillStyle = '#fff';
    g.fillRect(12, 4, 4, 20);
    return c.toDataURL('image/png').split(',')[1];
  });
  const before = log.all.length;
  await page.getByTestId('upload-input').setInputFiles({ name: 'private-photo.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
  await expect(page.getByTestId('bars-original')).toHaveAttribute('data-top', /\d/, { timeout: 30_000 });
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  // The upload sent nothing anywhere: the picture is read and attacked in the browser. The only requests after it
  // are reads of the app's own files: model files, fetched when the transfer view first shows the other models'
  // predictions, and lazily loaded parts (the transfer view's chunk may still be on its way from the first attack).
  const ownFile = (r: { method: string; url: string }) => r.method === 'GET' && /^\/(models|assets)\//.test(new URL(r.url).pathname);
  expect(log.all.slice(before).filter((r) => !ownFile(r))).toEqual([]);

  // Boundaries: the toy playground trains a step.
  await openFresh(page, '/?backend=wasm#panel=boundaries&b-view=toy');
  await expect(page.getByTestId('toy-robust-accuracy')).toHaveAttribute('data-value', /\d/, { timeout: 120_000 });
  await page.getByTestId('toy-step').click();
  await expect(page.getByTestId('toy-step')).toBeEnabled({ timeout: 60_000 });

  // Trade-off: a small ε-curve run.
  await openFresh(page, '/?backend=wasm#panel=tradeoff&tmodels=mnist-cnn&tattacks=fgsm&temax=0.1&testep=0.05&tn=50&tsteps=5&trestarts=1');
  await page.getByTestId('curves-run').click();
  await expect(page.getByTestId('curve-chart')).toBeVisible({ timeout: 120_000 });

  // Fine-tuning: a run started and cancelled.
  await openFresh(page, '/?backend=wasm#panel=finetune&ftModel=mnist-cnn&ftMethod=fgsm-rs&ftEps=0.1&ftSteps=200&ftEvery=10');
  await page.getByTestId('ft-start').click();
  await expect(page.getByTestId('ft-cancel')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('ft-cancel').click();
  await expect(page.getByTestId('ft-notice')).toBeVisible({ timeout: 60_000 });

  expect(log.foreign).toEqual([]);
  expect(log.all.length).toBeGreaterThan(5);
  // Only reads: nothing is posted anywhere, not even to the app's own server.
  expect(log.all.filter((r) => r.method !== 'GET')).toEqual([]);
  expect(await violations(page)).toEqual([]);
  expect(csp).toEqual([]);
  expect(errors).toEqual([]);
});

test('the CSP blocks an injected inline script, an inline handler and eval', async ({ page }) => {
  await recordViolations(page);
  await page.goto('/');
  await expect(page.locator('#app')).not.toBeEmpty({ timeout: 60_000 });
  const outcome = await page.evaluate(async () => {
    const w = window as unknown as Record<string, unknown>;
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true;';
    document.body.appendChild(s);
    const img = document.createElement('img');
    img.setAttribute('onerror', 'window.__handler = true');
    img.src = 'data:,not-an-image';
    document.body.appendChild(img);
    // eval from a later task: DevTools lifts the eval ban only while its own evaluation runs, not for the page.
    const evalResult = await new Promise<string>((resolve) =>
      setTimeout(() => {
        try {
          resolve(String((0, eval)('"evaluated"')));
        } catch (err) {
          resolve((err as Error).name);
        }
      }, 0),
    );
    await new Promise((r) => setTimeout(r, 200));
    return { injected: w.__injected ?? false, handler: w.__handler ?? false, evalResult };
  });
  expect(outcome).toEqual({ injected: false, handler: false, evalResult: 'EvalError' });
  const seen = await violations(page);
  expect(seen.some((v) => v.startsWith('script-src') && v.endsWith('inline'))).toBe(true);
  expect(seen.some((v) => v.startsWith('script-src') && v.endsWith('eval'))).toBe(true);
});
