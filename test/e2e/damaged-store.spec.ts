import { expect, test } from '@playwright/test';
import { collectConsoleErrors } from './helpers';

/**
 * One corrupted record in the browser's model storage is listed as damaged, with Delete, and hides nothing else:
 * a good fine-tuned model stays listed (in the panel and in every model list) before and after the bad one goes.
 */
const RUN = '/?backend=wasm#panel=finetune&ftModel=mnist-cnn&ftMethod=fgsm-rs&ftEps=0.1&ftSteps=10&ftEvery=5&ftN=50&ftPgd=1';

test('a corrupted stored model is listed as damaged with Delete; the other saved models stay listed', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = collectConsoleErrors(page);
  await page.goto(RUN);
  await page.getByTestId('ft-start').click();
  await expect(page.getByTestId('ft-saved-row')).toHaveCount(1, { timeout: 240_000 });
  const goodId = (await page.getByTestId('ft-saved-row').getAttribute('data-model-id')) ?? '';

  // Two bad records, as another version of the app or a person with the developer tools might leave them: a card
  // with no figures, and one that is not an object at all.
  await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('adversarial-playground-models', 1);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const tx = db.transaction(['cards', 'artifacts'], 'readwrite');
    tx.objectStore('cards').put({ id: 'ft-broken', card: { id: 'ft-broken', name: 'Broken', status: 'finished' }, savedAt: '2020-01-01T00:00:00Z' });
    tx.objectStore('artifacts').put({ id: 'ft-broken', artifacts: { modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(3) } });
    tx.objectStore('cards').put({ id: 'ft-garbage', card: 'not a card', savedAt: 7 });
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  });
  await page.reload();
  const damaged = page.getByTestId('ft-damaged-row');
  await expect(damaged).toHaveCount(2, { timeout: 60_000 });
  await expect(damaged.filter({ hasText: 'ft-broken' })).toContainText('Cannot be used: the model card is damaged');
  // The good model is still listed here and in the other panels' model lists.
  await expect(page.getByTestId('ft-saved-row')).toHaveCount(1);
  await expect(page.getByTestId('ft-saved-row')).toHaveAttribute('data-model-id', goodId);
  await expect(page.getByTestId('ft-model').locator(`option[value="${goodId}"]`)).toHaveCount(1);
  await page.screenshot({ path: 'test-results/screens/finetune-damaged.png', fullPage: true });

  // Deleted from the UI, in two steps like any saved model.
  for (const id of ['ft-broken', 'ft-garbage']) {
    await damaged.filter({ hasText: id }).getByTestId('ft-damaged-delete').click();
    await damaged.filter({ hasText: id }).getByTestId('ft-damaged-delete-confirm').click();
    await expect(damaged.filter({ hasText: id })).toHaveCount(0);
  }
  await page.reload();
  await expect(page.getByTestId('ft-saved-row')).toHaveCount(1, { timeout: 60_000 });
  await expect(page.getByTestId('ft-damaged-row')).toHaveCount(0);
  expect(errors.filter((e) => !/could not be restored|were not read/.test(e))).toEqual([]);
});
