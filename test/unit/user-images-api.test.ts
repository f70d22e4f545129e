import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/lib/backend/node';
import { memoryModelStore } from '../../src/lib/models/storage';
import { setImageSetStore, userImagesApi, imageSetData, type ImageSetSummary } from '../../src/worker/user-images-api';
import { attackLabApi } from '../../src/worker/attack-lab-api';
import { examplesFor } from '../../src/worker/datasets';
import { checkImageSetArtifacts, imageSetFits } from '../../src/lib/data/user-image-set';
import type { ModelEntry } from '../../src/lib/models/registry';

const entry = (inputShape: number[], classes = 3): ModelEntry => ({
  id: 'm', name: 'M', dataset: 'user', kind: 'image', inputShape, classNames: ['a', 'b', 'c'].slice(0, classes), bounds: [0, 1],
  description: '', robust: false, epsilon: null, card: '', files: { model: '', weights: [] },
});

describe('your images (worker API)', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
    setImageSetStore(memoryModelStore<ImageSetSummary>(undefined, checkImageSetArtifacts));
  });

  it('keeps a labelled set, serves it as a gallery and as examples for models that fit, and forgets it', async () => {
    // Four 2×2 images whose pixels say their index, labels 0, 1, 2, 1.
    const pixels = Uint8Array.from({ length: 16 }, (_, i) => Math.floor(i / 4) * 50);
    const set = await userImagesApi.imageSetAdd({ name: 'tiny', rows: 2, cols: 2, classNames: ['a', 'b', 'c'], pixels, labels: Uint8Array.from([0, 1, 2, 1]) });
    expect(set).toMatchObject({ name: 'tiny', count: 4, rows: 2, cols: 2 });
    expect(set.id).toMatch(/^images:tiny-/);
    expect(await userImagesApi.imageSetList()).toEqual([set]);

    const page = await attackLabApi.getTestImages(set.id, { offset: 1, count: 2, classFilter: 1 });
    expect(page.total).toBe(2);
    expect(Array.from(page.indices)).toEqual([3]);
    expect(Array.from(page.pixels)).toEqual([150, 150, 150, 150]);
    expect(page.classNames).toEqual(['a', 'b', 'c']);

    const { examples } = await examplesFor(entry([2, 2, 1]), 'test', set.id);
    const { x, y } = examples.batch(Int32Array.from([2]));
    expect(Array.from(await x.data())).toEqual([100 / 255, 100 / 255, 100 / 255, 100 / 255].map((v) => Math.fround(v)));
    expect(Array.from(await y.data())).toEqual([2]);
    x.dispose();
    y.dispose();
    await expect(examplesFor(entry([3, 3, 1]), 'test', set.id)).rejects.toThrow(/do not fit M/);
    expect(imageSetFits(set, entry([2, 2, 1]))).toBe(true);
    expect(imageSetFits(set, entry([2, 2, 3]))).toBe(false);
    expect(imageSetFits(set, entry([2, 2, 1], 2))).toBe(false);

    expect(await userImagesApi.imageSetRemove(set.id)).toBe(true);
    await expect(imageSetData(set.id)).rejects.toThrow(/not in this browser any more/);
  });

  it('refuses sets it cannot score, plainly', async () => {
    await expect(userImagesApi.imageSetAdd({ name: 'x', rows: 2, cols: 2, classNames: ['a', 'b'], pixels: new Uint8Array(0), labels: new Uint8Array(0) })).rejects.toThrow(/None of the images has a label/);
    await expect(userImagesApi.imageSetAdd({ name: 'x', rows: 2, cols: 2, classNames: ['a', 'b'], pixels: new Uint8Array(4), labels: Uint8Array.from([5]) })).rejects.toThrow(/label 5 .* outside 0–1/);
    expect(await userImagesApi.imageSetList()).toEqual([]);
  });
});
