/**
 * A short timed probe of the current tfjs backend: the input-gradient step every attack runs, on a seeded net of
 * the shape of mnist-cnn (conv16 4×4/2 → ReLU → conv32 4×4/2 → ReLU → FC100 → ReLU → FC10), at batch 1 (the
 * Attack Lab) and at batch PROBE_BATCH (curves, reports, fine-tuning). Each timed step ends in a read-back, so
 * asynchronous GPU backends are timed to completion. About 0.1–0.3 s on wasm; its timings feed choice.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../util/rng';

export const PROBE_BATCH = 64;

export interface ProbeResult {
  interactiveMs: number;
  batchMsPerImage: number;
}

function seeded(shape: number[], scale: number, rng: ReturnType<typeof createRng>): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = rng.normal() * scale;
  return tf.tensor(data, shape);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Probes whatever backend tfjs runs now. `repeats` timed steps at batch 1 (fewer at the large batch). */
export async function probeCurrentBackend(repeats = 5): Promise<ProbeResult> {
  const rng = createRng(20240611);
  const w1 = seeded([4, 4, 1, 16], 0.25, rng);
  const w2 = seeded([4, 4, 16, 32], 0.06, rng);
  const w3 = seeded([7 * 7 * 32, 100], 0.02, rng);
  const w4 = seeded([100, 10], 0.1, rng);
  const logits = (x: tf.Tensor4D) => {
    const h1 = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 2, 'same'));
    const h2 = tf.relu(tf.conv2d(h1, w2 as tf.Tensor4D, 2, 'same'));
    const h3 = tf.relu(tf.matMul(tf.reshape(h2, [x.shape[0], 7 * 7 * 32]), w3 as tf.Tensor2D));
    return tf.matMul(h3, w4 as tf.Tensor2D);
  };
  const grad = tf.grad((x: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.zeros([x.shape[0]], 'int32'), 10), logits(x as tf.Tensor4D)));
  // One FGSM-like step: gradient, sign, step, clip, read back.
  const step = async (x: tf.Tensor) => {
    const out = tf.tidy(() => tf.clipByValue(tf.add(x, tf.mul(tf.sign(grad(x)), 0.01)), 0, 1));
    await out.data();
    out.dispose();
  };
  const time = async (n: number, runs: number, warm: number) => {
    const x = tf.tidy(() => tf.clipByValue(seeded([n, 28, 28, 1], 0.3, rng).add(0.5), 0, 1));
    try {
      for (let i = 0; i < warm; i++) await step(x);
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await step(x);
        ms.push(performance.now() - t0);
      }
      return median(ms);
    } finally {
      x.dispose();
    }
  };
  try {
    const interactiveMs = await time(1, repeats, 2);
    const batchMs = await time(PROBE_BATCH, Math.max(1, Math.ceil(repeats / 2)), 1);
    return { interactiveMs, batchMsPerImage: batchMs / PROBE_BATCH };
  } finally {
    tf.dispose([w1, w2, w3, w4]);
  }
}
