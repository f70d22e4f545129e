import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from './scripts/chromium-args';

const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'test/e2e',
  // Two cores: one browser at a time keeps timings honest and the machine responsive.
  workers: 1,
  // One retry: these tests drive a whole app on a shared, loaded machine, where a rare timing can differ from run to
  // run. A test that fails twice fails the run; one that passes only on its retry is listed as "flaky" in the report,
  // with the first failure's error, so it stays visible and gets fixed (E2E_RETRIES=0 turns retries off).
  retries: Number(process.env.E2E_RETRIES ?? 1),
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  outputDir: `test-results/${port}`,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1440, height: 900 },
    // The offline service worker would precache ~25 MB in every test's fresh profile; only offline.spec.ts needs it.
    serviceWorkers: 'block',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || undefined,
      args: CHROMIUM_ARGS,
    },
  },
  webServer: {
    command: `npx vite preview --port ${port} --strictPort --host 127.0.0.1 --outDir ${process.env.E2E_OUT_DIR ?? 'dist'}`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
