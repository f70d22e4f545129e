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

/** A new tensor equal to `base` with row rows[i] replaced by replacement[i]. */
export function replaceRows(base: tf.Tensor, replacement: tf.Tensor, rows: Int32Array): tf.Tensor {
  if (rows.length === 0) return base.clone();
  const n = base.shape[0];
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  for (let i = 0; i < rows.length; i++) index[rows[i]] = n + i;
  return tf.tidy(() => tf.gather(tf.concat([base, replacement]), tf.tensor1d(index, 'int32')));
}

/** Rows of `a` where mask[i] is 1, else rows of `b` (new tensor). */
export function selectRows(mask: Uint8Array, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const m = tf.tensor(mask, [mask.length, ...new Array<number>(a.rank - 1).fill(1)], 'bool');
    return tf.where(m.tile([1, ...a.shape.slice(1)]), a, b);
  });
}
