/**
 * Floating-point work of the bench tasks, from the model's layer shapes, and the backend's measured peak, so each
 * row can say what fraction of the machine's arithmetic it uses (docs/PERFORMANCE.md reads rows far below the peak
 * as bound by memory traffic or per-kernel overhead rather than by arithmetic).
 *
 * Conventions: a multiply-add is 2 FLOPs. Only Conv2D and Dense layers count (ReLU, bias, reshape are memory-bound
 * and < 1 % of the arithmetic here). ∂loss/∂x costs one more pass of the same size as the forward (each layer's
 * input gradient is a convolution/matmul of the same shape), so a forward-backward to the input is 2× a forward;
 * weight gradients (training) add a third.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackModel } from '../attacks/types';
import { observedModel } from '../attacks/model-adapter';

/** Forward FLOPs per example of a layers model (Conv2D and Dense). */
export function forwardFlops(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const out = layer.outputShape as (number | null)[];
    if (cls === 'Conv2D') {
      const cfg = layer.getConfig() as { kernelSize: number[] | number; filters: number };
      const k = Array.isArray(cfg.kernelSize) ? cfg.kernelSize : [cfg.kernelSize, cfg.kernelSize];
      const cin = (layer.input as tf.SymbolicTensor).shape[3] as number;
      total += 2 * (out[1] as number) * (out[2] as number) * cfg.filters * k[0] * k[1] * cin;
    } else if (cls === 'Dense') {
      const cfg = layer.getConfig() as { units: number };
      const din = (layer.input as tf.SymbolicTensor).shape[1] as number;
      total += 2 * din * cfg.units;
    }
  }
  return total;
}

/** An AttackModel that adds up the FLOPs of every pass it runs: forward F per row, forward-backward 2F per row. */
export function flopCounting(model: AttackModel, perExample: number): { model: AttackModel; take(): number } {
  let flops = 0;
  return {
    model: observedModel(model, (x, withGradient) => {
      flops += (withGradient ? 2 : 1) * perExample * x.shape[0];
    }),
    take() {
      const f = flops;
      flops = 0;
      return f;
    },
  };
}

/**
 * The backend's arithmetic peak, as far as tfjs reaches it: GFLOP/s of an n×n·n×n matMul (the best case for every
 * backend: one large kernel, no overhead to speak of), the fastest of `runs` after a warm-up, each ending in a
 * read-back. The fastest, not the median: a peak is what the machine can do, and on a shared machine the slower
 * runs measure the neighbours.
 */
export async function measurePeakGflops(n = 1024, runs = 4): Promise<{ gflops: number; n: number; ms: number }> {
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  const once = async () => {
    const c = tf.matMul(a, b);
    // Reading one value still waits for the whole product on asynchronous backends.
    const s = tf.slice(c, [0, 0], [1, 1]);
    await s.data();
    tf.dispose([c, s]);
  };
  try {
    await once();
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await once();
      ms.push(performance.now() - t0);
    }
    const best = Math.min(...ms);
    return { gflops: (2 * n ** 3) / (best * 1e6), n, ms: best };
  } finally {
    tf.dispose([a, b]);
  }
}
