#!/usr/bin/env node
// Runs the end-to-end tests: finds Chromium, builds the app, then runs Playwright against `vite preview`.
// Extra arguments go to `playwright test` (e.g. `npm run test:e2e -- test/e2e/foundation.spec.ts`).
import { spawnSync } from 'node:child_process';
import { findChromium } from './find-chromium.mjs';

let chromium;
try {
  chromium = await findChromium();
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
if (!chromium) {
  console.error('No Chromium found for the end-to-end tests: install it (Debian: `apt-get install -y chromium`) or set CHROMIUM_PATH.');
  process.exit(1);
}
// Several people may run end-to-end tests at once on one machine: a port of their own gets a build folder of its own.
const port = process.env.E2E_PORT ?? '4173';
const outDir = process.env.E2E_OUT_DIR ?? (port === '4173' ? 'dist' : `dist-e2e-${port}`);
const env = { ...process.env, CHROMIUM_PATH: chromium, E2E_PORT: port, E2E_OUT_DIR: outDir };
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env }).status ?? 1;

if (!process.env.E2E_SKIP_BUILD) {
  const built = run('npx', ['vite', 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir']);
  if (built !== 0) process.exit(built);
}
process.exit(run('npx', ['playwright', 'test', ...process.argv.slice(2)]));
