/**
 * A fixed, seeded computation that exercises the whole stack (forward conv/pool/dense and the input gradient,
 * which needs the conv filter-gradient kernel on the fused path). The same numbers must come out of every
 * backend; the end-to-end tests compare them and the UI draws the gradient as a saliency map.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from './util/rng';

export interface EngineCheckResult {
  logits: Float32Array;
  /** ∂ cross-entropy(label) / ∂ input, 28×28. */
  gradient: Float32Array;
  /** The input image, 28×28 in [0,1]. */
  input: Float32Array;
  label: number;
}

function seededTensor(shape: number[], scale: number, seed: number): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = rng.normal() * scale;
  return tf.tensor(data, shape);
}

/**
 * A ring-shaped "zero", drawn analytically so no data file is needed, on a faint seeded texture: a flat
 * background makes max-pool windows tie, and backends break ties differently (each a valid subgradient).
 */
export function ringImage(): Float32Array {
  const img = new Float32Array(28 * 28);
  const rng = createRng(7);
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      const d = Math.hypot((r - 13.5) / 1.25, c - 13.5);
      img[r * 28 + c] = Math.min(1, Math.max(0, 1 - Math.abs(d - 7) / 2.5) + 0.05 * rng.next());
    }
  }
  return img;
}

export async function engineCheck(label = 3): Promise<EngineCheckResult> {
  const input = ringImage();
  const [logitsT, gradientT] = tf.tidy(() => {
    const w1 = seededTensor([3, 3, 1, 4], 0.5, 1) as tf.Tensor4D;
    const b1 = seededTensor([4], 0.1, 2) as tf.Tensor1D;
    const w2 = seededTensor([14 * 14 * 4, 10], 0.05, 3) as tf.Tensor2D;
    const x = tf.tensor4d(input, [1, 28, 28, 1]);
    const y = tf.oneHot([label], 10);
    const forward = (inp: tf.Tensor4D): tf.Tensor2D => {
      // Linear-activation fused conv: its gradient path asks for the filter gradient too.
      const h = tf.fused.conv2d({ x: inp, filter: w1, strides: 1, pad: 'same', bias: b1 });
      const pooled = tf.maxPool(tf.relu(h), 2, 2, 'valid');
      return tf.matMul(tf.reshape(pooled, [1, -1]), w2);
    };
    const lossGrad = tf.grad((inp: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, forward(inp as tf.Tensor4D)));
    return [forward(x), lossGrad(x)];
  });
  // Always read asynchronously: a synchronous read (dataSync) on WebGPU inside a worker returned wrong values
  // here and then lost the device.
  const [logits, gradient] = await Promise.all([logitsT.data() as Promise<Float32Array>, gradientT.data() as Promise<Float32Array>]);
  tf.dispose([logitsT, gradientT]);
  return { logits, gradient, input, label };
}

/** How the active backend's gradient compares with a reference backend's (the CPU backend: plain JavaScript). */
export interface EngineCheckVerdict {
  reference: string;
  /** Largest |gradient − reference| over the pixels. */
  maxAbsDiff: number;
  /** Allowed: `relativeTolerance` × the reference's largest |value|. */
  tolerance: number;
  relativeTolerance: number;
  pass: boolean;
}

/**
 * Different backends sum in different orders and round differently (fp32), so the gradients agree to rounding, not
 * bit for bit: 0.1 % of the largest gradient value is far above rounding (~1e-6 relative) and far below a wrong kernel
 * (the wasm max-pool bug moved whole gradient cells).
 */
export const ENGINE_CHECK_RELATIVE_TOLERANCE = 1e-3;

export function compareGradients(gradient: ArrayLike<number>, reference: ArrayLike<number>, referenceName: string, relativeTolerance = ENGINE_CHECK_RELATIVE_TOLERANCE): EngineCheckVerdict {
  if (gradient.length !== reference.length) throw new Error(`gradient has ${gradient.length} values, the reference ${reference.length}`);
  let maxAbsDiff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs(gradient[i] - reference[i]);
    // NaN must fail, so it is carried through rather than lost in Math.max.
    maxAbsDiff = Number.isNaN(d) || Number.isNaN(maxAbsDiff) ? NaN : Math.max(maxAbsDiff, d);
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  const tolerance = relativeTolerance * scale;
  return { reference: referenceName, maxAbsDiff, tolerance, relativeTolerance, pass: maxAbsDiff <= tolerance };
}
