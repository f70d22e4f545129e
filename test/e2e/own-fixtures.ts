import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect, type Page } from '@playwright/test';

/**
 * Files a person would bring, made by the tests in Node: a tfjs layers model with a softmax output (built and
 * saved with @tensorflow/tfjs), a hand-written tfjs graph model, a malformed model.json and a folder of labelled
 * images. All go to a fresh temporary folder.
 */

export const dir = mkdtempSync(path.join(os.tmpdir(), 'own-models-'));

/** A 28×28×1 → 10 dense model ending in softmax, saved as the tfjs converter would (model.json + one shard). */
export async function saveLayersModel(): Promise<string[]> {
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }),
    ],
  });
  let a: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (x) => ((a = x), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  model.dispose();
  const art = a as unknown as tf.io.ModelArtifacts;
  const out = path.join(dir, 'layers');
  mkdirSync(out, { recursive: true });
  const json = { format: 'layers-model', modelTopology: art.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: art.weightSpecs }] };
  writeFileSync(path.join(out, 'model.json'), JSON.stringify(json));
  writeFileSync(path.join(out, 'group1-shard1of1.bin'), Buffer.from(art.weightData as ArrayBuffer));
  return [path.join(out, 'model.json'), path.join(out, 'group1-shard1of1.bin')];
}

/** A graph model in the converter's format: x[-1,28,28,1] → Reshape[-1,784] → MatMul W → BiasAdd b → Softmax. */
export function saveGraphModel(opts: { round?: boolean } = {}): string[] {
  const f = { type: 'DT_FLOAT' };
  const dims = (d: number[]) => ({ dim: d.map((size) => ({ size: String(size) })) });
  const json = {
    format: 'graph-model',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: f, shape: { shape: dims([-1, 28, 28, 1]) } } },
        { name: 'shape', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: dims([2]) } } } },
        { name: 'W', op: 'Const', attr: { dtype: f, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims([784, 10]) } } } },
        { name: 'b', op: 'Const', attr: { dtype: f, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims([10]) } } } },
        // A rounding step (as a quantised model has) lets no gradient through.
        ...(opts.round ? [{ name: 'q', op: 'Round', input: ['x'], attr: { T: f } }] : []),
        { name: 'flat', op: 'Reshape', input: [opts.round ? 'q' : 'x', 'shape'], attr: { T: f, Tshape: { type: 'DT_INT32' } } },
        { name: 'mm', op: 'MatMul', input: ['flat', 'W'], attr: { T: f, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'logits', op: 'BiasAdd', input: ['mm', 'b'], attr: { T: f } },
        { name: 'probs', op: 'Softmax', input: ['logits'], attr: { T: f } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightsManifest: [
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'shape', shape: [2], dtype: 'int32' },
          { name: 'W', shape: [784, 10], dtype: 'float32' },
          { name: 'b', shape: [10], dtype: 'float32' },
        ],
      },
    ],
    userDefinedMetadata: { classNames: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] },
  };
  // Weights with a fixed pseudo-random pattern, so the model is not constant.
  const W = Float32Array.from({ length: 784 * 10 }, (_, i) => Math.sin(i * 12.9898) * 0.05);
  const b = Float32Array.from({ length: 10 }, (_, i) => (i - 5) * 0.01);
  const out = path.join(dir, opts.round ? 'graph-round' : 'graph');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'model.json'), JSON.stringify(json));
  writeFileSync(path.join(out, 'weights.bin'), Buffer.concat([Buffer.from(new Int32Array([-1, 784]).buffer), Buffer.from(W.buffer), Buffer.from(b.buffer)]));
  return [path.join(out, 'model.json'), path.join(out, 'weights.bin')];
}

/** A 24-bit BMP (the simplest format the browser decodes): white strokes on black, as the digits are drawn. */
function bmp(size: number, ink: (x: number, y: number) => boolean): Buffer {
  const row = Math.ceil((size * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + row * size);
  buf.write('BM', 0);
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(size, 18);
  buf.writeInt32LE(size, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(row * size, 34);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = ink(x, size - 1 - y) ? 255 : 0; // rows are stored bottom-up
      buf.fill(v, 54 + y * row + x * 3, 54 + y * row + x * 3 + 3);
    }
  }
  return buf;
}

/** A folder of 40×40 images in sub-folders named after their class: three ones (bars) and three zeros (rings). */
export function saveImageFolder(): string {
  const root = path.join(dir, 'my-digits');
  for (const label of ['0', '1']) mkdirSync(path.join(root, label), { recursive: true });
  for (let k = 0; k < 3; k++) {
    writeFileSync(path.join(root, '1', `one-${k}.bmp`), bmp(40, (x, y) => Math.abs(x - 18 - k) < 3 && y > 6 && y < 34));
    writeFileSync(path.join(root, '0', `zero-${k}.bmp`), bmp(40, (x, y) => Math.abs(Math.hypot(x - 20, y - 20) - 10 - k) < 2.5));
  }
  return root;
}

/** A model.json cut off in the middle. */
export function saveBrokenModel(): string {
  const broken = path.join(dir, 'broken.json');
  writeFileSync(broken, '{"format": "layers-model", "modelTopology": ');
  return broken;
}

/** Adds a model through the file picker of “Your models” (the softmax note must show) and returns its id. */
export async function addModel(page: Page, files: string[], name: string): Promise<string> {
  await page.getByTestId('model-files').setInputFiles(files);
  await expect(page.getByTestId('model-settings')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('model-notes')).toContainText(/softmax/i);
  await page.getByTestId('model-name').fill(name);
  await expect(page.getByTestId('model-dataset')).toHaveValue('mnist');
  await page.getByTestId('model-add').click();
  await expect(page.getByTestId('yours-notice')).toContainText(`“${name}” was added`, { timeout: 60_000 });
  const row = page.getByTestId('own-model').filter({ hasText: name });
  return (await row.getAttribute('data-model-id'))!;
}

