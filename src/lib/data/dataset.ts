/**
 * An image classification dataset held as bytes (28×28 greyscale, 0–255) with one label byte per image, and the
 * conversion to the model contract: NHWC float32 in [0, 1].
 */
import * as tf from '@tensorflow/tfjs';

export interface ImageDataset {
  /** count × rows × cols bytes, row-major, 0 = black. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  numClasses: number;
}

export const DATASET_IDS = ['mnist', 'fashion-mnist'] as const;
export type ImageDatasetId = (typeof DATASET_IDS)[number];

export const CLASS_NAMES: Record<ImageDatasetId, string[]> = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  'fashion-mnist': ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};

/** Checks that the arrays agree with the declared sizes; throws naming the first inconsistency. */
export function validateImageDataset(d: ImageDataset, name = 'dataset'): ImageDataset {
  for (const key of ['count', 'rows', 'cols', 'numClasses'] as const) {
    if (!Number.isInteger(d[key]) || d[key] < 1) throw new Error(`${name}: ${key} must be a positive integer, got ${d[key]}`);
  }
  if (d.images.length !== d.count * d.rows * d.cols) {
    throw new Error(`${name}: images has ${d.images.length} bytes, ${d.count}×${d.rows}×${d.cols} expected`);
  }
  if (d.labels.length !== d.count) throw new Error(`${name}: labels has ${d.labels.length} entries, ${d.count} expected`);
  const bad = d.labels.findIndex((v) => v >= d.numClasses);
  if (bad >= 0) throw new Error(`${name}: label ${d.labels[bad]} at index ${bad} is outside 0–${d.numClasses - 1}`);
  return d;
}

/** The first `count` examples (a view, no copy). */
export function takeFirst(d: ImageDataset, count: number): ImageDataset {
  if (!Number.isInteger(count) || count < 1 || count > d.count) throw new Error(`count must be an integer in 1–${d.count}, got ${count}`);
  const pixels = d.rows * d.cols;
  return { ...d, count, images: d.images.subarray(0, count * pixels), labels: d.labels.subarray(0, count) };
}

/** Examples [start, end) as a float32 tensor [n, rows, cols, 1] in [0, 1] and int32 labels [n]. */
export function imageTensors(d: ImageDataset, start = 0, end = d.count): { x: tf.Tensor4D; y: tf.Tensor1D } {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > d.count || start >= end) {
    throw new Error(`range must satisfy 0 ≤ start < end ≤ ${d.count}, got [${start}, ${end})`);
  }
  const pixels = d.rows * d.cols;
  const x = scaleBytes(d.images.subarray(start * pixels, end * pixels));
  return {
    x: tf.tensor4d(x, [end - start, d.rows, d.cols, 1]),
    y: tf.tensor1d(Int32Array.from(d.labels.subarray(start, end)), 'int32'),
  };
}

/** Bytes 0–255 to float32 in [0, 1]. */
export function scaleBytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return out;
}
