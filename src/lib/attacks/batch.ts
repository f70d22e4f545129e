/** Row bookkeeping for attacks that work on the still-unbroken subset of a batch. */
import * as tf from '@tensorflow/tfjs';

/** Indices i where mask[i] === value. */
export function indicesWhere(mask: Uint8Array, value: 0 | 1): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === value) out.push(i);
  return Int32Array.from(out);
}

export function gatherRows(t: tf.Tensor, rows: Int32Array): tf.Tensor {
  return tf.tidy(() => tf.gather(t, tf.tensor1d(rows, 'int32')));
}

export function pick<T extends Int32Array | Uint8Array | Float32Array>(a: T, rows: Int32Array): T {
  const out = new (a.constructor as new (n: number) => T)(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = a[rows[i]];
  return out;
}

/**
 * A new tensor equal to `base` with row rows[i] replaced by replacement[from[i]] (from[i] = i by default).
 * `replacement` may hold more rows than are used (a batch padded to a bucket): nothing of the unpadded size is made,
 * so on WebGPU the shapes stay among the buckets.
 */
export function replaceRows(base: tf.Tensor, replacement: tf.Tensor, rows: Int32Array, from?: Int32Array): tf.Tensor {
  if (rows.length === 0) return base.clone();
  const n = base.shape[0];
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  for (let i = 0; i < rows.length; i++) index[rows[i]] = n + (from ? from[i] : i);
  return tf.tidy(() => tf.gather(tf.concat([base, replacement]), tf.tensor1d(index, 'int32')));
}

/**
 * Rows of `a` where mask[i] is 1, else rows of `b` (new tensor). The full-size condition is built in JS: wasm's
 * Tile of a [n,1,…] mask took ~40 ms per call on a 256-image batch, filling the bytes here takes well under 1 ms.
 */
export function selectRows(mask: Uint8Array, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  let taken = 0;
  for (let i = 0; i < mask.length; i++) taken += mask[i] ? 1 : 0;
  if (taken === mask.length) return a.clone();
  if (taken === 0) return b.clone();
  const rowSize = a.size / mask.length;
  const full = new Uint8Array(a.size);
  for (let i = 0; i < mask.length; i++) if (mask[i]) full.fill(1, i * rowSize, (i + 1) * rowSize);
  return tf.tidy(() => tf.where(tf.tensor(full, a.shape, 'bool'), a, b));
}

/**
 * The bucket a working batch of m rows (out of n) is padded to: the next power of two, capped at n. A loop that
 * works on ever fewer rows then shows the model at most ⌈log₂ n⌉ + 2 shapes, whatever its history.
 */
export function bucketSize(m: number, n: number): number {
  if (m >= n) return n;
  let b = 1;
  while (b < m) b *= 2;
  return Math.min(b, n);
}

/** rows padded to `size` by repeating rows[0]: padded rows are real examples, so every step stays well defined. */
export function padRows(rows: Int32Array, size: number): Int32Array {
  if (rows.length >= size || rows.length === 0) return rows;
  const out = new Int32Array(size).fill(rows[0]);
  out.set(rows);
  return out;
}

/** Whether loops on this backend should keep shapes fixed (see AttackOptions.fixedShapes). */
export function fixedShapesByDefault(): boolean {
  const b = tf.getBackend();
  return b === 'webgpu' || b === 'webgl';
}

