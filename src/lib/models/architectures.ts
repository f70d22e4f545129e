/**
 * The architectures of the shipped models, built from a plain description so that a card can list them and a test
 * can rebuild them. Weights are initialised from a seed (Glorot uniform for kernels, zeros for biases).
 * Conv nets put ReLU before pooling: wasm MaxPoolGrad is wrong on all-negative windows.
 */
import * as tf from '@tensorflow/tfjs';

export interface ConvLayerSpec {
  filters: number;
  kernel: number;
  stride: number;
  /** Max-pool window (and stride) after the ReLU; 0 = none. */
  pool: number;
  /**
   * Batch normalisation between the convolution (then without bias: the norm's shift replaces it) and the ReLU.
   * Default false.
   */
  batchNorm?: boolean;
}

export type Architecture =
  | { kind: 'cnn'; inputShape: [number, number, number]; conv: ConvLayerSpec[]; dense: number[]; numClasses: number }
  | { kind: 'mlp'; inputSize: number; hidden: number[]; activation: 'relu' | 'tanh'; numClasses: number };

/** Builds the model; its output is logits (no softmax). */
export function buildModel(arch: Architecture, seed: number): tf.LayersModel {
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  const model = tf.sequential();
  if (arch.kind === 'cnn') {
    arch.conv.forEach((c, i) => {
      model.add(
        tf.layers.conv2d({
          ...(i === 0 ? { inputShape: arch.inputShape } : {}),
          filters: c.filters,
          kernelSize: c.kernel,
          strides: c.stride,
          padding: 'same',
          activation: c.batchNorm ? 'linear' : 'relu',
          useBias: !c.batchNorm,
          kernelInitializer: init(),
          name: `conv${i + 1}`,
        }),
      );
      if (c.batchNorm) {
        model.add(tf.layers.batchNormalization({ name: `bn${i + 1}` }));
        model.add(tf.layers.reLU({ name: `relu${i + 1}` }));
      }
      if (c.pool > 0) model.add(tf.layers.maxPooling2d({ poolSize: c.pool, strides: c.pool, name: `pool${i + 1}` }));
    });
    model.add(tf.layers.flatten({ name: 'flatten' }));
    arch.dense.forEach((units, i) =>
      model.add(tf.layers.dense({ units, activation: 'relu', kernelInitializer: init(), name: `fc${i + 1}` })),
    );
  } else {
    arch.hidden.forEach((units, i) =>
      model.add(
        tf.layers.dense({
          ...(i === 0 ? { inputShape: [arch.inputSize] } : {}),
          units,
          activation: arch.activation,
          kernelInitializer: init(),
          name: `hidden${i + 1}`,
        }),
      ),
    );
  }
  model.add(
    tf.layers.dense({
      ...(arch.kind === 'mlp' && arch.hidden.length === 0 ? { inputShape: [arch.inputSize] } : {}),
      units: arch.numClasses,
      kernelInitializer: init(),
      name: 'logits',
    }),
  );
  return model;
}

/** Number of trainable parameters. */
export function countParameters(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** A one-line human description, e.g. "conv16 3×3 → ReLU → maxpool2 → … → FC10 (logits)". */
export function describeArchitecture(arch: Architecture): string {
  if (arch.kind === 'cnn') {
    const parts = arch.conv.map(
      (c) =>
        `conv${c.filters} ${c.kernel}×${c.kernel}${c.stride > 1 ? `/${c.stride}` : ''}${c.batchNorm ? ' → BN' : ''} → ReLU` +
        (c.pool > 0 ? ` → maxpool${c.pool}` : ''),
    );
    return [...parts, ...arch.dense.map((u) => `FC${u} → ReLU`), `FC${arch.numClasses} (logits)`].join(' → ');
  }
  return [...arch.hidden.map((u) => `FC${u} → ${arch.activation === 'relu' ? 'ReLU' : 'tanh'}`), `FC${arch.numClasses} (logits)`].join(' → ');
}
