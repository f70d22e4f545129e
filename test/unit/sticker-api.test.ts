/**
 * The sticker mode's worker methods against the shipped signs (served over HTTP as the app serves them): the
 * default stickers of a test stop sign fit the 10 % budget on the sign's face; the world test answers one
 * prediction per view, agrees with the library's own world test, leaks no tensors and refuses bad requests by name.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useAppOverHttp } from './serve-from-disk';
import { stickerApi } from '../../src/worker/sticker-api';
import { getModel } from '../../src/worker/models';
import { imageSubset } from '../../src/worker/datasets';
import { worldTest } from '../../src/lib/attacks/sticker';
import { layoutMask } from '../../src/lib/attacks/sticker-layout';

useAppOverHttp();

describe('sticker mode worker methods', () => {
  it('places the default stickers of test stop sign 0 on its face, within 10 % of its area', async () => {
    const setup = await stickerApi.stickerSetup('signs', 0);
    expect(setup.label).toBe(0);
    expect(setup.rects).toHaveLength(2);
    expect(setup.coverage.length).toBe(32 * 32);
    const layout = layoutMask(setup.rects, setup.coverage, 32, 32);
    expect(layout.pixels).toBeGreaterThan(10);
    expect(layout.fraction).toBeLessThanOrEqual(0.1);
    await expect(stickerApi.stickerSetup('mnist', 0)).rejects.toThrow(/signs/);
    await expect(stickerApi.stickerSetup('signs', -1)).rejects.toThrow(/^Image number must be a whole number from 0 to /);
  });

  it('world-tests one image: a prediction per view, the same as the library, no tensor left behind', async () => {
    const m = await getModel('signs-cnn');
    const px = 32 * 32 * 3;
    const d = await imageSubset('signs', 'test');
    const image = Float32Array.from(d.images.subarray(0, px), (v) => v / 255);
    const request = { modelId: 'signs-cnn', image, goal: 0, targeted: false, views: 30, seed: 5 };
    const first = await stickerApi.worldTest('w1', request);
    const before = tf.memory().numTensors;
    const again = await stickerApi.worldTest('w1', request);
    expect(tf.memory().numTensors).toBe(before);
    expect(again.predicted).toEqual(first.predicted);
    expect(first.predicted.length).toBe(30);
    const hits = Array.from(first.predicted).filter((k) => k !== 0).length;
    expect(first.successRate).toBeCloseTo(hits / 30, 6);
    const x = tf.tensor4d(image, [1, 32, 32, 3]);
    const lib = await worldTest(m.attackModel, x, Int32Array.of(0), false, { views: 30, seed: 5 });
    x.dispose();
    expect(Array.from(lib.predicted)).toEqual(Array.from(first.predicted));
    await expect(stickerApi.worldTest('w1', { ...request, views: 0 })).rejects.toThrow(/^Number of views must be a whole number from 1 to 1 000; got 0\.$/);
    await expect(stickerApi.worldTest('w1', { ...request, goal: 14 })).rejects.toThrow(/^Goal class must be a whole number from 0 to 13; got 14\.$/);
  });

  it('places two stickers by saliency on the face of test stop sign 0, within 10 %, and refuses bad requests', async () => {
    const setup = await stickerApi.stickerSetup('signs', 0);
    const d = await imageSubset('signs', 'test');
    const image = Float32Array.from(d.images.subarray(0, 32 * 32 * 3), (v) => v / 255);
    const request = { modelId: 'signs-cnn', image, coverage: setup.coverage, goal: 3, targeted: true, maxFraction: 0.1 };
    const rects = await stickerApi.stickerSalient(request);
    expect(rects).toHaveLength(2);
    const layout = layoutMask(rects, setup.coverage, 32, 32);
    expect(layout.pixels).toBeGreaterThan(10);
    expect(layout.fraction).toBeLessThanOrEqual(0.1);
    // Every sticker pixel is on the face, and the two do not overlap.
    expect(layout.pixels).toBe(rects.reduce((a, r) => a + layoutMask([r], setup.coverage, 32, 32).pixels, 0));
    const before = tf.memory().numTensors;
    expect(await stickerApi.stickerSalient(request)).toEqual(rects);
    expect(tf.memory().numTensors).toBe(before);
    await expect(stickerApi.stickerSalient({ ...request, image: image.subarray(1) })).rejects.toThrow(/image/);
    await expect(stickerApi.stickerSalient({ ...request, goal: 14 })).rejects.toThrow(/goal/i);
    await expect(stickerApi.stickerSalient({ ...request, maxFraction: 2 })).rejects.toThrow(/max fraction/i);
  });
});
