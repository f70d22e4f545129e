import path from 'node:path';
import type { Page } from '@playwright/test';
/**
 * Where a screenshot goes: docs/screenshots/ when SCREENSHOTS=1 (`npm run screenshots`, committed and shown in
 * the README), otherwise test-results/screens/ for a person to open and judge after any run.
 */
export function shotPath(name: string): string {
  const dir = process.env.SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screens';
  return path.join(dir, name);
}

/** Collects console errors and uncaught page errors; a test asserts the list stays empty. */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  // The first frames go with the message: a minified production error (e.g. Svelte's each_key_duplicate) says only
  // its documentation link, and the frames name the chunk and component it came from.
  page.on('pageerror', (err) => errors.push([err.message, ...(err.stack ?? '').split('\n').slice(1, 4)].join('\n')));
  return errors;
}
