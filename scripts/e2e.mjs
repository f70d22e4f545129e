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
const env = { ...process.env, CHROMIUM_PATH: chromium };
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env }).status ?? 1;

if (!process.env.E2E_SKIP_BUILD) {
  const built = run('npx', ['vite', 'build', '--logLevel', 'warn']);
  if (built !== 0) process.exit(built);
}
process.exit(run('npx', ['playwright', 'test', ...process.argv.slice(2)]));
