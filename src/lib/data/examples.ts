/**
 * Labelled examples as training and evaluation loops see them: a count and a way to build a batch of tensors for
 * given example indices. Image datasets (bytes) and plain float arrays (toy 2-D sets) both fit.
 */
import * as tf from '@tensorflow/tfjs';
import { imageSize, type ImageDataset } from './dataset';

export interface ExampleSet {
  count: number;
  numClasses: number;
  /** Shape of one example, e.g. [28, 28, 1], [32, 32, 3] or [2]. */
  inputShape: number[];
  /** x: float32 [n, ...inputShape]; y: int32 [n]. The caller disposes both. */
  batch(indices: ArrayLike<number>): { x: tf.Tensor; y: tf.Tensor1D };
}

export function imageExamples(d: ImageDataset): ExampleSet {
  const pixels = imageSize(d);
  return {
    count: d.count,
    numClasses: d.numClasses,
    inputShape: [d.rows, d.cols, d.channels],
    batch(indices) {
      const n = indices.length;
      const x = new Float32Array(n * pixels);
      const y = new Int32Array(n);
      for (let b = 0; b < n; b++) {
        const i = indices[b];
        if (!(i >= 0 && i < d.count)) throw new Error(`batch: index ${i} is outside 0–${d.count - 1}`);
        const off = i * pixels;
        for (let p = 0; p < pixels; p++) x[b * pixels + p] = d.images[off + p] / 255;
        y[b] = d.labels[i];
      }
      return { x: tf.tensor4d(x, [n, d.rows, d.cols, d.channels]), y: tf.tensor1d(y, 'int32') };
    },
  };
}

/** Float examples stored row-major, `inputs.length = labels.length × prod(inputShape)`. */
export function arrayExamples(
  inputs: Float32Array,
  labels: ArrayLike<number>,
  inputShape: number[],
  numClasses: number,
): ExampleSet {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const count = labels.length;
  if (inputs.length !== count * size) {
    throw new Error(`inputs has ${inputs.length} values, ${count} labels × ${size} per example expected`);
  }
  for (let i = 0; i < count; i++) {
    if (!(Number.isInteger(labels[i]) && labels[i] >= 0 && labels[i] < numClasses)) {
      throw new Error(`labels[${i}] = ${labels[i]} is not a class in 0–${numClasses - 1}`);
    }
  }
  return {
    count,
    numClasses,
    inputShape,
    batch(indices) {
      const n = indices.length;
      const x = new Float32Array(n * size);
      const y = new Int32Array(n);
      for (let b = 0; b < n; b++) {
        const i = indices[b];
        if (!(i >= 0 && i < count)) throw new Error(`batch: index ${i} is outside 0–${count - 1}`);
        x.set(inputs.subarray(i * size, (i + 1) * size), b * size);
        y[b] = labels[i];
      }
      return { x: tf.tensor(x, [n, ...inputShape]), y: tf.tensor1d(y, 'int32') };
    },
  };
}

/** Examples [start, end) of a set, as a set of their own (a view: batches are built on demand). */
export function sliceExamples(set: ExampleSet, start: number, end: number): ExampleSet {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > set.count || start >= end) {
    throw new Error(`slice must satisfy 0 ≤ start < end ≤ ${set.count}, got [${start}, ${end})`);
  }
  return {
    count: end - start,
    numClasses: set.numClasses,
    inputShape: set.inputShape,
    batch: (indices) => set.batch(Array.from(indices, (i) => {
      if (!(i >= 0 && i < end - start)) throw new Error(`batch: index ${i} is outside 0–${end - start - 1}`);
      return i + start;
    })),
  };
}
