/**
 * An image classification dataset held as bytes (rows × cols × channels, 0–255, channels interleaved: HWC) with one
 * label byte per image, and the conversion to the model contract: NHWC float32 in [0, 1]. MNIST and Fashion-MNIST
 * are 28×28×1; the procedural traffic signs (signs.ts) are 32×32×3.
 */
import * as tf from '@tensorflow/tfjs';

export interface ImageDataset {
  /** count × rows × cols × channels bytes, row-major, channels interleaved (HWC), 0 = black. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  /** 1 (greyscale) or 3 (RGB). */
  channels: number;
  numClasses: number;
}

export const DATASET_IDS = ['mnist', 'fashion-mnist', 'signs'] as const;
export type ImageDatasetId = (typeof DATASET_IDS)[number];

export const CLASS_NAMES: Record<ImageDatasetId, string[]> = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  'fashion-mnist': ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  // The order of SIGN_CLASSES in signs.ts (a test checks that the two agree; this module stays free of the renderer).
  signs: [
    'Stop', 'Yield', 'Speed limit 30', 'Speed limit 50', 'Speed limit 70', 'Speed limit 100', 'No entry', 'Priority road',
    'Pedestrian crossing', 'Ahead only', 'Turn left', 'Turn right', 'General caution', 'No stopping',
  ],
};

/** The shape of one image of each dataset, [rows, cols, channels]. */
export const IMAGE_SHAPES: Record<ImageDatasetId, [number, number, number]> = {
  mnist: [28, 28, 1],
  'fashion-mnist': [28, 28, 1],
  signs: [32, 32, 3],
};

/** Bytes per image. */
export function imageSize(d: Pick<ImageDataset, 'rows' | 'cols' | 'channels'>): number {
  return d.rows * d.cols * d.channels;
}

/** Checks that the arrays agree with the declared sizes; throws naming the first inconsistency. */
export function validateImageDataset(d: ImageDataset, name = 'dataset'): ImageDataset {
  for (const key of ['count', 'rows', 'cols', 'channels', 'numClasses'] as const) {
    if (!Number.isInteger(d[key]) || d[key] < 1) throw new Error(`${name}: ${key} must be a positive integer, got ${d[key]}`);
  }
  if (d.channels !== 1 && d.channels !== 3) throw new Error(`${name}: channels must be 1 (greyscale) or 3 (RGB), got ${d.channels}`);
  if (d.images.length !== d.count * imageSize(d)) {
    throw new Error(`${name}: images has ${d.images.length} bytes, ${d.count}×${d.rows}×${d.cols}×${d.channels} expected`);
  }
  if (d.labels.length !== d.count) throw new Error(`${name}: labels has ${d.labels.length} entries, ${d.count} expected`);
  const bad = d.labels.findIndex((v) => v >= d.numClasses);
  if (bad >= 0) throw new Error(`${name}: label ${d.labels[bad]} at index ${bad} is outside 0–${d.numClasses - 1}`);
  return d;
}

/** The first `count` examples (a view, no copy). */
export function takeFirst(d: ImageDataset, count: number): ImageDataset {
  if (!Number.isInteger(count) || count < 1 || count > d.count) throw new Error(`count must be an integer in 1–${d.count}, got ${count}`);
  return { ...d, count, images: d.images.subarray(0, count * imageSize(d)), labels: d.labels.subarray(0, count) };
}

/** Examples [start, end) as a float32 tensor [n, rows, cols, channels] in [0, 1] and int32 labels [n]. */
export function imageTensors(d: ImageDataset, start = 0, end = d.count): { x: tf.Tensor4D; y: tf.Tensor1D } {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > d.count || start >= end) {
    throw new Error(`range must satisfy 0 ≤ start < end ≤ ${d.count}, got [${start}, ${end})`);
  }
  const size = imageSize(d);
  const x = scaleBytes(d.images.subarray(start * size, end * size));
  return {
    x: tf.tensor4d(x, [end - start, d.rows, d.cols, d.channels]),
    y: tf.tensor1d(Int32Array.from(d.labels.subarray(start, end)), 'int32'),
  };
}

/** Bytes 0–255 to float32 in [0, 1]. */
export function scaleBytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return out;
}
