import { expect, test } from '@playwright/test';
import { collectConsoleErrors, shotPath } from './helpers';
import { addModel, saveLayersModel } from './own-fixtures';

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

test('"Your models": a damaged or unreadable stored model is listed as damaged with Delete; the others stay listed', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = collectConsoleErrors(page);
  await page.goto('/#panel=yours');
  await expect(page.getByTestId('own-models')).toContainText('None yet', { timeout: 60_000 });
  const goodId = await addModel(page, await saveLayersModel(), 'Good digits');

  // Two bad records next to the good one: a card that is not one, and a copy of the good model whose weights were
  // cut short (its card reads well; only loading the model shows what is wrong).
  await page.evaluate(async (goodId) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('adversarial-playground-user-models', 1);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const read = db.transaction(['cards', 'artifacts'], 'readonly');
    const get = (store: string) =>
      new Promise<{ card?: Record<string, unknown>; artifacts?: { weightData: ArrayBuffer } }>((resolve, reject) => {
        const q = read.objectStore(store).get(goodId);
        q.onsuccess = () => resolve(q.result);
        q.onerror = () => reject(q.error);
      });
    const [card, weights] = [await get('cards'), await get('artifacts')];
    const tx = db.transaction(['cards', 'artifacts'], 'readwrite');
    tx.objectStore('cards').put({ id: 'user-garbage', card: 'not a card', savedAt: 7 });
    tx.objectStore('cards').put({ id: 'user-cut', card: { ...card.card, id: 'user-cut', name: 'Cut digits' }, savedAt: '2020-01-01T00:00:00Z' });
    tx.objectStore('artifacts').put({ id: 'user-cut', artifacts: { ...weights.artifacts, weightData: weights.artifacts!.weightData.slice(0, 100) } });
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, goodId);
  await page.reload();
  const damaged = page.getByTestId('own-damaged-row');
  await expect(damaged).toHaveCount(2, { timeout: 60_000 });
  await expect(damaged.filter({ hasText: 'user-garbage' })).toContainText('Cannot be used: the stored record has no save time.');
  await expect(damaged.filter({ hasText: 'user-cut' })).toContainText('Cannot be used: the model does not load (The stored model “user-cut” holds 100 bytes of weights');
  // The good model is still listed, here and in the Attack Lab's model list.
  await expect(page.getByTestId('own-model')).toHaveCount(1);
  await expect(page.getByTestId('own-model')).toHaveAttribute('data-model-id', goodId);
  for (const [w, h] of [[1024, 768], [1400, 900]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: shotPath(`yours-damaged-${w}.png`), fullPage: true });
  }

  for (const id of ['user-cut', 'user-garbage']) {
    await damaged.filter({ hasText: id }).getByTestId('own-damaged-delete').click();
    await damaged.filter({ hasText: id }).getByTestId('own-damaged-delete-confirm').click();
    await expect(damaged.filter({ hasText: id })).toHaveCount(0);
  }
  await page.reload();
  await expect(page.getByTestId('own-model')).toHaveCount(1, { timeout: 60_000 });
  await expect(damaged).toHaveCount(0);
  await page.goto(`/#panel=attack-lab&model=${goodId}`);
  await expect(page.getByTestId(`model-${goodId}`)).toHaveCount(1, { timeout: 60_000 });
  expect(errors.filter((e) => !/could not be restored|were not read/.test(e))).toEqual([]);
});
