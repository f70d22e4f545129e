/**
 * The procedural traffic signs are the same bytes in the browser as in Node: the renderer (src/lib/data/signs.ts,
 * bundled as it is) runs in Chromium on a blank page, and its images hash to what Node renders — and to the golden
 * value of test/unit/signs.test.ts.
 */
import { expect, test } from '@playwright/test';
import { buildSync } from 'esbuild';
import path from 'node:path';
import { makeSignsDataset } from '../../src/lib/data/signs';

const GOLDEN_FIRST_28 = '24732f1d';

function fnv1a(bytes: ArrayLike<number>): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

test('the signs renderer gives the same bytes in Chromium as in Node', async ({ page }) => {
  const bundle = buildSync({
    entryPoints: [path.resolve(import.meta.dirname, '../../src/lib/data/signs.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'Signs',
    write: false,
    // The renderer never touches tfjs; dataset.ts imports it only for its tensor helpers, which are not called here.
    external: ['@tensorflow/tfjs'],
    platform: 'browser',
  }).outputFiles[0].text.replace(/__require\("@tensorflow\/tfjs"\)/g, '{}');
  await page.setContent('<!doctype html><title>signs</title>');
  await page.addScriptTag({ content: bundle });
  const inBrowser = await page.evaluate(() => {
    const S = (globalThis as unknown as { Signs: typeof import('../../src/lib/data/signs') }).Signs;
    const d = S.makeSignsDataset('test', 28);
    const train = S.makeSignsDataset('train', 14);
    return { test: Array.from(d.images), train: Array.from(train.images), labels: Array.from(d.labels) };
  });
  const node = makeSignsDataset('test', 28);
  expect(fnv1a(inBrowser.test)).toBe(fnv1a(node.images));
  expect(fnv1a(inBrowser.test)).toBe(GOLDEN_FIRST_28);
  expect(fnv1a(inBrowser.train)).toBe(fnv1a(makeSignsDataset('train', 14).images));
  expect(inBrowser.labels).toEqual(Array.from(node.labels));
});
