import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { collectConsoleErrors, shotPath } from './helpers';
import { addModel, saveBrokenModel, saveGraphModel, saveImageFolder, saveLayersModel } from './own-fixtures';

/**
 * Bring your own model, end to end: a layers model with a softmax output (built and saved here, in Node) and a
 * hand-written graph model are loaded through the file picker; the softmax is noticed; both are attacked in the
 * Attack Lab and evaluated in the ε trade-off; a malformed model file gets a plain message and changes nothing.
 */

test('your own layers and graph models: loaded, noticed, attacked, evaluated; a broken file changes nothing', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = collectConsoleErrors(page);
  const layersFiles = await saveLayersModel();
  const graphFiles = saveGraphModel();
  const broken = saveBrokenModel();

  await page.goto('/#panel=yours');
  await expect(page.getByTestId('own-models')).toContainText('None yet', { timeout: 60_000 });
  const layersId = await addModel(page, layersFiles, 'Softmax digits');
  await expect(page.getByTestId('own-model')).toHaveCount(1);

  // A malformed file: a plain message, and the list stays as it was.
  await page.getByTestId('model-files').setInputFiles([broken]);
  await expect(page.getByTestId('yours-error')).toContainText('is not valid JSON');
  await expect(page.getByTestId('model-settings')).toHaveCount(0);
  await expect(page.getByTestId('own-model')).toHaveCount(1);

  const graphId = await addModel(page, graphFiles, 'Graph digits');
  await expect(page.getByTestId('own-model')).toHaveCount(2);
  await page.screenshot({ path: shotPath('yours-panel.png'), fullPage: true });

  // A folder of images becomes a labelled set for the layers model…
  await page.getByTestId('images-model').selectOption(layersId);
  await page.getByTestId('images-folder').setInputFiles(saveImageFolder());
  await expect(page.getByTestId('images-name')).toHaveValue('my-digits');
  await page.getByTestId('images-add').click();
  await expect(page.getByTestId('images-notice')).toContainText('6 images “my-digits” were added', { timeout: 60_000 });
  await expect(page.getByTestId('image-set')).toHaveCount(1);
  await page.screenshot({ path: shotPath('yours-panel-images.png'), fullPage: true });

  // Both are attacked in the Attack Lab (kept across a reload: IndexedDB).
  for (const id of [layersId, graphId]) {
    await page.goto(`/#panel=attack-lab&model=${id}&attack=pgd&steps=10&eps=0.1`);
    await page.reload();
    await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', '0.1', { timeout: 60_000 });
  }

  // …and the folder becomes the Attack Lab's gallery: six images, attacked from there.
  await page.goto(`/#panel=attack-lab&model=${layersId}&attack=pgd&steps=10&eps=0.1`);
  await page.reload();
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await page.getByTestId('gallery-set').selectOption({ label: 'Your images: my-digits (6)' });
  await expect(page.getByTestId('gallery-image')).toHaveCount(6);
  await page.getByTestId('gallery-image').nth(4).click();
  await expect(page.getByTestId('result-summary')).toHaveAttribute('data-epsilon', '0.1', { timeout: 60_000 });

  // Both models evaluated together in the ε trade-off: 2 models × 3 budgets.
  await page.goto(`/#panel=tradeoff&tmodels=${layersId},${graphId}&tattacks=pgd&temax=0.2&testep=0.1&tn=20&tsteps=5&trestarts=1`);
  await page.reload();
  await expect(page.getByTestId('curves-run')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('curves-run').click();
  await expect(page.getByTestId('curve-count')).toHaveAttribute('data-count', '6', { timeout: 120_000 });
  await expect(page.getByTestId('curve-count')).toContainText('6 / 6 points');
  // …and on the folder of images instead of the test set (all six of them: N is capped at the set's size).
  await page.getByTestId('curve-set').selectOption({ label: 'Your images: my-digits (6)' });
  await page.getByTestId('curves-run').click();
  await expect(page.getByTestId('curve-count')).toContainText('6 / 6 points ·', { timeout: 120_000 });
  await page.screenshot({ path: shotPath('yours-tradeoff-own-images.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('model files dropped on the drop zone are read like picked ones', async ({ page }) => {
  const files = saveGraphModel().map((p) => ({ name: p.split('/').pop()!, base64: readFileSync(p).toString('base64') }));
  await page.goto('/#panel=yours');
  await expect(page.getByTestId('own-models')).toContainText('None yet', { timeout: 60_000 });
  await page.getByTestId('model-drop').evaluate((zone, list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name));
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
  await expect(page.getByTestId('model-notes')).toContainText('The graph ends in a Softmax (probs)', { timeout: 60_000 });
  await expect(page.getByTestId('class-names')).toHaveValue(/^zero\none\ntwo/);
  await page.getByTestId('model-add').click();
  await expect(page.getByTestId('own-model')).toHaveCount(1);

  // Renamed in place; the name is kept across a reload.
  await page.getByRole('button', { name: 'Rename my model' }).click();
  await page.getByTestId('rename-input').fill('Dropped graph');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByTestId('yours-notice')).toContainText('Renamed to “Dropped graph”');
  await page.reload();
  await expect(page.getByTestId('own-model-name')).toHaveText('Dropped graph', { timeout: 60_000 });
  // Removed with a second click.
  await page.getByTestId('remove').click();
  await page.getByTestId('remove-confirm').click();
  await expect(page.getByTestId('own-models')).toContainText('None yet');
});

test('a model that lets no gradient through is offered only gradient-free attacks, and they run', async ({ page }) => {
  await page.goto('/#panel=yours');
  await page.getByTestId('model-files').setInputFiles(saveGraphModel({ round: true }));
  await expect(page.getByTestId('model-notes')).toContainText('The gradient cannot pass Round');
  await page.getByTestId('model-name').fill('Rounding digits');
  await page.getByTestId('model-add').click();
  await expect(page.getByTestId('own-model')).toContainText('gradient-free attacks only');
  const id = (await page.getByTestId('own-model').getAttribute('data-model-id'))!;

  await page.goto(`/#panel=attack-lab&model=${id}&attack=pgd&eps=0.1`);
  await page.reload();
  await expect(page.getByTestId('attack-lab')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  const offered = await page.getByTestId('attack-select').locator('option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value));
  for (const gradientAttack of ['fgsm', 'pgd', 'apgd', 'cw', 'deepfool']) expect(offered).not.toContain(gradientAttack);
  expect(offered.length).toBeGreaterThan(0);
  await expect(page.getByTestId('attack-select')).not.toHaveValue('pgd');
  await expect(page.getByTestId('attack-run')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('attack-run').click();
  await expect(page.getByTestId('result-summary')).toBeVisible({ timeout: 120_000 });

  // In the ε trade-off, PGD is left out (its box disabled) and the noise baseline runs: 1 model × 3 budgets.
  await page.goto(`/#panel=tradeoff&tmodels=${id}&tattacks=pgd,noise&temax=0.2&testep=0.1&tn=10`);
  await page.reload();
  await expect(page.getByTestId('attack-pgd')).toBeDisabled({ timeout: 60_000 });
  await expect(page.getByTestId('attack-noise')).toBeChecked();
  await page.getByTestId('curves-run').click();
  await expect(page.getByTestId('curve-count')).toContainText('3 / 3 points ·', { timeout: 120_000 });
});
